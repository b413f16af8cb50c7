"""The signing key never leaks: not in output, logs, dist/, commits or the release.

A full ``registryctl publish`` (build, sign, verify, release, Pages) runs in a
subprocess with a freshly generated key in its environment, against the
loopback fake GitHub and a local bare repository. Then everything it produced
is scanned for the private key in every encoding that could plausibly leak:
hex (either case), the seed half alone, raw bytes and base64.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry.signing import generate_keypair
from tests.factory import git, registry_repo
from tests.fake_github import TOKEN, FakeGitHub, read_latest_via_api

PROJECT = Path(__file__).resolve().parents[1]


def needles(private_hex: str) -> dict[str, bytes]:
    """Every form of the private key (and its seed half) worth looking for."""
    raw = bytes.fromhex(private_hex)
    seed = raw[:32]
    return {
        "private hex": private_hex.lower().encode(),
        "private HEX": private_hex.upper().encode(),
        "seed hex": seed.hex().encode(),
        "seed HEX": seed.hex().upper().encode(),
        "private raw": raw,
        "seed raw": seed,
        "private base64": base64.b64encode(raw),
        "seed base64": base64.b64encode(seed),
        "seed base64url": base64.urlsafe_b64encode(seed).rstrip(b"="),
    }


@dataclass(frozen=True)
class Leak:
    where: str
    form: str


def scan(blobs: Iterable[tuple[str, bytes]], private_hex: str) -> list[Leak]:
    forms = needles(private_hex)
    return [
        Leak(where, form)
        for where, data in blobs
        for form, needle in forms.items()
        if needle in data
    ]


def files_under(top: Path) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in sorted(top.rglob("*")) if p.is_file()]


def git_objects(repo: Path) -> list[tuple[str, bytes]]:
    """The decompressed content of every object, loose or packed."""
    done = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=repo, check=True, capture_output=True,
    )
    return [(f"{repo} (git objects)", done.stdout)]


def test_scanner_finds_a_planted_key(tmp_path: Path) -> None:
    _, private = generate_keypair()
    (tmp_path / "a.txt").write_bytes(b"noise " + private[:64].upper().encode() + b" noise")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "f").write_bytes(bytes.fromhex(private)[:32])
    git(repo, "add", "f")
    git(repo, "commit", "-q", "-m", "oops")
    (repo / "f").unlink()  # gone from the tree, still in the objects
    leaks = scan(files_under(tmp_path), private)
    assert Leak(str(tmp_path / "a.txt"), "seed HEX") in leaks
    assert any(leak.form == "seed raw" for leak in scan(git_objects(repo), private))


@pytest.mark.skipif(not (PROJECT / "mkdocs.yml").is_file(), reason="the site config is missing")
def test_full_publish_never_reveals_the_signing_key(tmp_path: Path) -> None:
    public, private = generate_keypair()
    root = registry_repo(tmp_path / "registry", public)
    pages = tmp_path / "pages.git"
    git(tmp_path, "init", "-q", "--bare", str(pages))
    scratch = Path(tempfile.gettempdir())
    temp_before = {p.name for p in scratch.glob("gigmcp-*")}

    with FakeGitHub() as fake:
        env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("GITHUB_", "GH_", "GIG_"))
        }
        env.update(
            GIG_INDEX_SIGNING_KEY=private,
            GITHUB_TOKEN=TOKEN,
            GITHUB_API_URL=fake.api_url,
            GITHUB_REPOSITORY=fake.repo,
            PYTHONPATH=str(PROJECT),
            PYTHONWARNINGS="always",
        )
        config = ["--config", str(PROJECT / "mkdocs.yml")]
        no_key = {k: v for k, v in env.items() if k != "GIG_INDEX_SIGNING_KEY"}
        steps = [
            # A maintainer's dry run, then the workflow's path (build and sign with the
            # secret, verify, release without the secret), then a full local publish.
            (env, ["publish", "--root", str(root), "--pages-remote", str(pages), *config,
                   "--dry-run"]),
            (env, ["build", "--root", str(root), *config]),
            (no_key, ["verify", "--in", str(root / "dist" / "index.json"),
                      "--pub", str(root / "keys" / "registry.pub")]),
            (no_key, ["publish", "--root", str(root), "--no-build", "--skip-pages"]),
            (env, ["publish", "--root", str(root), "--pages-remote", str(pages), *config]),
        ]
        runs = []
        for step_env, args in steps:
            done = subprocess.run(
                [sys.executable, "-m", "registry.cli", *args],
                cwd=tmp_path, env=step_env, capture_output=True, timeout=600,
            )
            assert done.returncode == 0, (args, done.stderr.decode())
            runs.append(done)
        live = read_latest_via_api(fake)
        assert live is not None
        with fake.lock:
            released = [
                (f"release {r.tag_name} {a.name}", a.data)
                for r in fake.releases.values() for a in r.assets
            ] + [
                (f"release {r.tag_name} text", f"{r.name}\n{r.body}".encode())
                for r in fake.releases.values()
            ] + [("request paths", "\n".join(q.path for q in fake.requests).encode())]

    blobs: list[tuple[str, bytes]] = []
    for number, done in enumerate(runs):
        blobs += [(f"run {number} stdout", done.stdout), (f"run {number} stderr", done.stderr)]
    blobs += files_under(root / "dist")
    blobs += files_under(pages) + git_objects(pages)
    blobs += files_under(root) + git_objects(root)
    blobs += released
    new_temp = [p for p in scratch.glob("gigmcp-*") if p.name not in temp_before]
    assert new_temp == []  # scratch directories are cleaned up
    assert len(blobs) > 50  # the scan really covered the build's output
    assert scan(blobs, private) == []
    # The public key is expected in places (the site's install instructions may show it);
    # what matters is that the signature in the release verifies with it.
    assert b"released index-" in runs[3].stdout and b"released index-" in runs[4].stdout


def _build_with_key(
    root: Path, out: Path, private: str, *extra: str
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIG_INDEX_SIGNING_KEY": private, "SOURCE_DATE_EPOCH": "1767225600"}
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", "build", "--root", str(root), "--out", str(out),
         *extra],
        cwd=root, env=env, capture_output=True, timeout=600, check=False,
    )


def test_a_docs_link_to_the_process_environment_is_refused_and_leaks_nothing(
    tmp_path: Path,
) -> None:
    _, private = generate_keypair()
    root = registry_repo(tmp_path / "registry", None)
    (root / "docs").mkdir()
    (root / "docs" / "index-of-env.md").symlink_to("/proc/self/environ")
    (root / "docs" / "environ.png").symlink_to("/proc/self/environ")
    done = _build_with_key(root, tmp_path / "dist", private)
    assert done.returncode == 1
    assert b"docs/environ.png" in done.stdout and b"[F005]" in done.stdout
    assert not (tmp_path / "dist").exists()
    assert scan([("stdout", done.stdout), ("stderr", done.stderr),
                 *files_under(tmp_path)], private) == []


def test_site_code_never_sees_the_key_in_the_environment(tmp_path: Path) -> None:
    """A mkdocs hook (code a site configuration may run) copies its environment into the site."""
    _, private = generate_keypair()
    root = registry_repo(tmp_path / "registry", None)
    site = tmp_path / "site-config"
    (site / "docs").mkdir(parents=True)
    (site / "dump.py").write_text(
        "import json, os\n"
        "def on_post_build(config):\n"
        "    path = os.path.join(config['site_dir'], 'environment.json')\n"
        "    with open(path, 'w') as stream:\n"
        "        json.dump(dict(os.environ), stream)\n"
    )
    (site / "mkdocs.yml").write_text(
        f"INHERIT: {PROJECT / 'registry' / 'site' / 'mkdocs.yml'}\n"
        "docs_dir: docs\nhooks:\n  - dump.py\n"
    )
    done = _build_with_key(root, tmp_path / "dist", private, "--config", str(site / "mkdocs.yml"))
    assert done.returncode == 0, done.stderr.decode()
    dumped = (tmp_path / "dist" / "site" / "environment.json").read_bytes()
    assert b"SOURCE_DATE_EPOCH" in dumped  # the hook ran and saw the environment
    assert (tmp_path / "dist" / "index.json.sig").is_file()  # and the index was signed
    assert scan([("site environment", dumped), *files_under(tmp_path / "dist")], private) == []
