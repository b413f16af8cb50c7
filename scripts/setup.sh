#!/usr/bin/env bash
# Set up a working copy: a virtual environment in .venv with the project
# installed. With --dev, also the test tools and Debian's chromium for the
# browser tests (Playwright drives the system chromium; it never downloads one).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    *) echo "usage: scripts/setup.sh [--dev]" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "$dev" = 1 ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi

# Debian packages the tests use: chromium for the browser tests, shellcheck
# for the workflows' shell steps.
if [ "$dev" = 1 ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "setup: installing ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: missing Debian packages: ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
      exit 1
    fi
  fi
fi
echo "setup: ready (.venv)"
