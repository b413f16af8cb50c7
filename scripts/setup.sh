#!/usr/bin/env bash
# Set up a working copy: a virtual environment in .venv with the project
# installed, its runtime dependencies taken from requirements.lock (exact
# versions, every file checked against its hash).
#
#   (no option)  the lock, then the project (editable)
#   --locked     the same into a new .venv without upgrading pip or fetching any
#                unpinned build tool: what the workflows that hold the signing
#                key or judge pull requests install
#   --dev        the lock, then the project with its test tools (kept to the
#                lock's versions), and Debian's chromium for the browser tests
#                (Playwright drives the system chromium; it never downloads one)
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/setup.sh [--dev | --locked]"
dev=0
locked=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    --locked) locked=1 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
if [ "$dev" = 1 ] && [ "$locked" = 1 ]; then
  echo "$usage" >&2
  exit 2
fi

lock=requirements.lock
pip=(.venv/bin/python -m pip --disable-pip-version-check)
python=${PYTHON:-python3}
if [ "$locked" = 1 ] && [ -e .venv ]; then
  # pip does not re-check the hashes of what is installed already.
  echo "setup: --locked installs into a new .venv only; remove .venv first" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if [ "$locked" = 0 ]; then
  "${pip[@]}" install --quiet --upgrade pip
fi

# Every runtime dependency, setuptools included, at the lock's version and hash;
# pip refuses anything the lock does not pin. Wheels only: building an sdist
# would run its setup code with build tools that no hash checks.
"${pip[@]}" install --quiet --require-hashes --only-binary :all: -r "$lock"
if [ "$dev" = 1 ]; then
  # The test tools are not locked, but may not move a locked package: the tests
  # run against the versions that publish installs.
  constraints=$(mktemp)
  trap 'rm -f "$constraints"' EXIT
  sed -n 's/^\([A-Za-z0-9][A-Za-z0-9._-]*==[^ ;\\]*\).*/\1/p' "$lock" >"$constraints"
  "${pip[@]}" install --quiet -c "$constraints" -e '.[dev]'
else
  # The project alone, built by the locked setuptools: nothing else is fetched.
  "${pip[@]}" install --quiet --no-index --no-deps --no-build-isolation -e .
fi
"${pip[@]}" check

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
