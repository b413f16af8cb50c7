"""The pull-request gate (lint.yml, job ``judge``), run for real against git repositories.

A bare repository holds a base commit (a small registry carrying the project's
own code, policy, site configuration and CODEOWNERS) and a pull request's
commit. The workspace is laid out as the job's checkouts make it (``base/`` at
the base commit, ``head/`` at the pull request), and the workflow's own shell
steps, read from the YAML, run over it. ``base/.venv/bin/registryctl`` stands
for what ``setup.sh --locked`` installs: the base checkout's ``registry``
package, imported from the base checkout. Only local repositories; no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import registry.cli
from registry.lint.policy import OWN_CODE_DIRS, OWN_CODE_FILES
from registry.load.tree import Layout, load_registry
from registry.render.catalog import render_catalog
from tests import factory
from tests.workflows import load, run_step, step_named

PROJECT = Path(__file__).resolve().parents[1]
# What the base commit carries besides factory.registry_repo()'s small registry.
BASE_CODE = ("registry", "docs", "mkdocs.yml", "pyproject.toml", "policy", ".github/CODEOWNERS")
# The module whose main() registryctl runs, as a path inside the repository.
CLI_MODULE = Path(registry.cli.__file__).resolve().relative_to(PROJECT).as_posix()
DENIED = factory.go_static_manifest(name="hooked", entitlements={"egress": ["in.webhook.site"]})
DENIED_FINDING = ("manifests/hooked/1.0.0.yaml:17:7: error: entitlements.egress[0]: "
                  "in.webhook.site is on the exfiltration denylist (webhook.site)")


@dataclass(frozen=True)
class Origin:
    bare: Path
    base_sha: str


@dataclass(frozen=True)
class Workspace:
    """``$GITHUB_WORKSPACE`` with ``base/`` and ``head/`` checked out, and the runner's files."""

    root: Path
    temp: Path
    base_sha: str
    head_sha: str

    @property
    def summary(self) -> Path:
        return self.temp / "summary.md"

    def step(self, prefix: str) -> subprocess.CompletedProcess[str]:
        """Run the judge job's step named ``prefix...`` as the runner would."""
        job = load("lint.yml")["jobs"]["judge"]
        step = step_named(load("lint.yml"), "judge", prefix)
        values = {"github.event.pull_request.base.sha": self.base_sha}
        env = {"GITHUB_WORKSPACE": str(self.root), "RUNNER_TEMP": str(self.temp),
               "GITHUB_STEP_SUMMARY": str(self.summary)}
        for key, value in {**job.get("env", {}), **step.get("env", {})}.items():
            expression = re.fullmatch(r"\$\{\{\s*(.+?)\s*\}\}", str(value))
            env[key] = values[expression.group(1)] if expression else str(value)
        return run_step(step["run"], self.root / step.get("working-directory", "."), env)


def install(checkout: Path) -> Path:
    """``checkout/.venv/bin/registryctl``, running that checkout's own ``registry`` package."""
    tool = checkout / ".venv" / "bin" / "registryctl"
    tool.parent.mkdir(parents=True)
    tool.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(checkout)!r})\n"
        "from registry.cli import main\nsys.exit(main())\n"
    )
    tool.chmod(0o755)
    return tool


def check_out(bare: Path, folder: Path, sha: str) -> None:
    """What actions/checkout does: init, fetch the branches and pull refs, check out a commit."""
    folder.mkdir(parents=True)
    factory.git(folder, "init", "-q")
    factory.git(folder, "fetch", "-q", str(bare), "+refs/heads/*:refs/remotes/origin/*",
                "+refs/pull/*:refs/remotes/pull/*")
    factory.git(folder, "checkout", "-q", "--detach", sha)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Origin:
    root = tmp_path_factory.mktemp("origin")
    work = factory.registry_repo(root / "work", public_key="ab" * 32)
    for part in BASE_CODE:
        source, target = PROJECT / part, work / part
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    factory.git(work, "add", "-A")
    factory.git(work, "commit", "-q", "-m", "the project's code, policy and site")
    bare = root / "origin.git"
    factory.git(root, "clone", "-q", "--bare", str(work), str(bare))
    return Origin(bare, factory.git(work, "rev-parse", "HEAD").strip())


Change = Callable[[Path], None]


def pull_request(tmp_path: Path, origin: Origin, change: Change) -> Workspace:
    """Commit ``change`` on top of the base as refs/pull/1/head; check out base and head."""
    author = tmp_path / "author"
    factory.git(tmp_path, "clone", "-q", str(origin.bare), str(author))
    change(author)
    factory.git(author, "add", "-A")
    factory.git(author, "commit", "-q", "--allow-empty", "-m", "pull request")
    factory.git(author, "push", "-q", "--force", "origin", "HEAD:refs/pull/1/head")
    head_sha = factory.git(author, "rev-parse", "HEAD").strip()
    root = tmp_path / "workspace"
    check_out(origin.bare, root / "base", origin.base_sha)
    check_out(origin.bare, root / "head", head_sha)
    install(root / "base")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return Workspace(root, temp, origin.base_sha, head_sha)


def refresh_catalog(root: Path) -> None:
    """CATALOG.md as the author's own `invoke catalog` writes it."""
    registry, _ = load_registry(Layout.of_root(root))
    factory.write(root, "CATALOG.md", render_catalog(registry))


# --- the pull request cannot relax the rules it is judged by --------------------


def relax_the_denylist(root: Path) -> None:
    denylist = root / "denylist" / "exfil-domains.txt"
    denylist.write_text(denylist.read_text().replace("webhook.site\n", ""))
    factory.write_manifest(root, DENIED)
    refresh_catalog(root)


def allow_the_wildcard(root: Path) -> None:
    factory.write(root, "policy/allowed-wildcards.txt", "*.github.io  # reviewed, honestly\n")
    factory.write_manifest(root, factory.go_static_manifest(
        name="pages", entitlements={"egress": ["*.github.io"]}))
    refresh_catalog(root)


def accept_everything(root: Path) -> None:
    with (root / CLI_MODULE).open("a") as cli:
        cli.write("\n\ndef main(argv: object = None) -> int:  # lint accepts everything\n"
                  "    print('ok: nothing to see')\n    return 0\n")
    factory.write_manifest(root, DENIED)
    refresh_catalog(root)


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (relax_the_denylist, DENIED_FINDING),
        (allow_the_wildcard, "manifests/pages/1.0.0.yaml:17:7: error: entitlements.egress[0]: "
                             "github.io is a public suffix"),
        (accept_everything, DENIED_FINDING),
    ],
    ids=["relaxed-denylist", "own-wildcard-exception", "linter-that-accepts-everything"],
)
def test_the_base_branch_judges_with_its_own_linter_denylist_and_policy(
    tmp_path: Path, origin: Origin, change: Change, finding: str
) -> None:
    pr = pull_request(tmp_path, origin, change)
    # By its own rules and code (what the pull request's tests job runs), it passes.
    own = subprocess.run([str(install(pr.root / "head")), "lint", "--root", "head"],
                         cwd=pr.root, capture_output=True, text=True, check=False)
    assert own.returncode == 0, own.stdout + own.stderr
    assert pr.step("Judged tree").returncode == 0
    judged = pr.step("Lint with the base's")
    assert judged.returncode == 1
    assert finding in judged.stdout, judged.stdout


def test_the_judged_tree_is_the_pull_requests_files_with_the_base_rules(
    tmp_path: Path, origin: Origin
) -> None:
    pr = pull_request(tmp_path, origin, relax_the_denylist)
    done = pr.step("Judged tree")
    assert done.returncode == 0, done.stdout + done.stderr
    judged, base, head = pr.root / "judged", pr.root / "base", pr.root / "head"
    tracked = factory.git(head, "ls-files").split()
    for path in tracked:
        if path.startswith(("denylist/", "policy/")) or path in ("mkdocs.yml", "CATALOG.md"):
            continue
        assert (judged / path).read_bytes() == (head / path).read_bytes(), path
    for path in ("denylist/exfil-domains.txt", "policy/allowed-wildcards.txt"):
        assert (judged / path).read_bytes() == (base / path).read_bytes(), path
    assert not (judged / "mkdocs.yml").exists() and not (judged / "CATALOG.md").exists()
    assert not (judged / ".git").exists() and not (judged / ".venv").exists()


def test_a_symlink_in_the_pull_request_stops_the_gate(tmp_path: Path, origin: Origin) -> None:
    def link(root: Path) -> None:
        (root / "manifests" / "evil").mkdir()
        (root / "manifests" / "evil" / "1.0.0.yaml").symlink_to("/etc/hostname")

    pr = pull_request(tmp_path, origin, link)
    done = pr.step("Judged tree")
    assert done.returncode == 1
    assert "::error::the pull request adds symlinks or submodules" in done.stdout
    assert "manifests/evil/1.0.0.yaml" in done.stdout
    assert not (pr.root / "judged").exists()


# --- the whole site is built, with the base's configuration --------------------


def restyle_the_site(root: Path) -> None:
    marker = root.parent / "hook-ran"
    factory.write(root, "scripts/hook.py", f"open({str(marker)!r}, 'w').close()\n")
    with (root / "mkdocs.yml").open("a") as config:
        config.write("\nhooks:\n  - scripts/hook.py\n")
    factory.write(root, "registry/site/assets/javascripts/catalog.js", "alert('the code');\n")
    with (root / "docs" / "security.md").open("a") as page:
        page.write("\nA sentence the pull request adds.\n")


def test_the_site_is_built_with_the_base_config_and_the_pull_requests_pages(
    tmp_path: Path, origin: Origin
) -> None:
    pr = pull_request(tmp_path, origin, restyle_the_site)
    assert pr.step("Judged tree").returncode == 0
    done = pr.step("Build the site")
    assert done.returncode == 0, done.stdout + done.stderr
    site = pr.temp / "dist" / "site"
    assert "A sentence the pull request adds." in (site / "security" / "index.html").read_text()
    # The site's script is the base's installed package data, whatever the pull request's
    # code or docs/ hold.
    assert (site / "assets" / "gigmcp" / "catalog.js").read_bytes() == (
        pr.root / "base" / "registry" / "site" / "assets" / "javascripts" / "catalog.js"
    ).read_bytes()
    assert not (tmp_path / "hook-ran").exists()  # the pull request's mkdocs hook never ran


def test_a_script_in_the_pull_requests_docs_fails_the_gate(tmp_path: Path, origin: Origin) -> None:
    def add_script(root: Path) -> None:
        factory.write(root, "docs/assets/javascripts/catalog.js", "alert('the pull request');\n")

    pr = pull_request(tmp_path, origin, add_script)
    assert pr.step("Judged tree").returncode == 0
    done = pr.step("Lint with the base's")
    assert done.returncode == 1
    assert "docs/assets/javascripts/catalog.js:1:1: error: docs/ holds only pages" in done.stdout
    assert "[F007]" in done.stdout


def test_a_pull_request_that_lints_but_breaks_the_site_fails_the_gate(
    tmp_path: Path, origin: Origin
) -> None:
    def broken_link(root: Path) -> None:
        with (root / "docs" / "security.md").open("a") as page:
            page.write("\nSee [the missing page](missing.md).\n")

    pr = pull_request(tmp_path, origin, broken_link)
    assert pr.step("Judged tree").returncode == 0
    assert pr.step("Lint with the base's").returncode == 0
    done = pr.step("Build the site")
    assert done.returncode == 1
    assert "missing.md" in done.stdout + done.stderr


# --- reviewers: the entitlement diff and the files that need a maintainer ------


def test_the_entitlement_diff_is_the_base_tools_over_the_pull_request(
    tmp_path: Path, origin: Origin
) -> None:
    pr = pull_request(tmp_path, origin, relax_the_denylist)
    done = pr.step("Entitlement diff")
    assert done.returncode == 0, done.stderr
    summary = pr.summary.read_text()
    assert "could not be computed" not in summary
    assert "hooked" in summary


def touch_code_rules_and_content(root: Path) -> None:
    with (root / CLI_MODULE).open("a") as cli:
        cli.write("# a comment\n")
    with (root / "denylist" / "exfil-domains.txt").open("a") as denylist:
        denylist.write("example.net\n")
    # A rename lists both sides: the old path is policy/.
    (root / "docs" / "allowed.md").write_bytes(
        (root / "policy" / "allowed-wildcards.txt").read_bytes())
    (root / "policy" / "allowed-wildcards.txt").unlink()
    factory.write_manifest(root, factory.go_static_manifest(name="plain"))
    refresh_catalog(root)


def summary_block(text: str) -> list[str]:
    """The lines of the summary's one fenced block (a fence is a line of exactly three `)."""
    lines = text.splitlines()
    fences = [number for number, line in enumerate(lines) if line == "```"]
    assert len(fences) == 2, text
    return lines[fences[0] + 1:fences[1]]


def test_code_policy_and_denylist_changes_need_a_maintainer(
    tmp_path: Path, origin: Origin
) -> None:
    pr = pull_request(tmp_path, origin, touch_code_rules_and_content)
    done = pr.step("Files that need a maintainer")
    assert done.returncode == 0, done.stderr
    summary = pr.summary.read_text()
    assert "**Needs a maintainer:**" in summary
    assert summary_block(summary) == [
        "denylist/exfil-domains.txt", "policy/allowed-wildcards.txt", CLI_MODULE]
    assert "::warning title=Needs a maintainer::3 changed files" in done.stdout


def test_a_manifest_only_change_needs_no_maintainer(tmp_path: Path, origin: Origin) -> None:
    def add_manifest(root: Path) -> None:
        factory.write_manifest(root, factory.go_static_manifest(name="plain"))
        refresh_catalog(root)

    pr = pull_request(tmp_path, origin, add_manifest)
    done = pr.step("Files that need a maintainer")
    assert done.returncode == 0, done.stderr
    assert "a manifest reviewer can approve" in pr.summary.read_text()
    assert "::warning" not in done.stdout


def test_without_codeowners_on_the_base_every_change_needs_a_maintainer(
    tmp_path: Path, origin: Origin
) -> None:
    def add_manifest(root: Path) -> None:
        factory.write_manifest(root, factory.go_static_manifest(name="plain"))

    pr = pull_request(tmp_path, origin, add_manifest)
    (pr.root / "base" / ".github" / "CODEOWNERS").unlink()
    assert pr.step("Files that need a maintainer").returncode == 0
    assert summary_block(pr.summary.read_text()) == ["manifests/plain/1.0.0.yaml"]


@pytest.mark.parametrize("pattern", ["*.py", "registry/", "/registry/*.py", "/docs/[a-z]*"])
def test_codeowners_patterns_this_check_cannot_read_stop_it(
    tmp_path: Path, origin: Origin, pattern: str
) -> None:
    pr = pull_request(tmp_path, origin, lambda root: None)
    (pr.root / "base" / ".github" / "CODEOWNERS").write_text(f"{pattern} @gigmcp/maintainers\n")
    done = pr.step("Files that need a maintainer")
    assert done.returncode == 1
    assert "::error file=.github/CODEOWNERS::" in done.stdout


def test_odd_file_names_cannot_break_out_of_the_summary(tmp_path: Path, origin: Origin) -> None:
    name = "x`y\n```\n<b>z.py"

    def odd(root: Path) -> None:
        (root / "registry" / name).write_text("")

    pr = pull_request(tmp_path, origin, odd)
    assert pr.step("Files that need a maintainer").returncode == 0
    # One line per file, shell-quoted: no name can close the fence or add markup.
    assert summary_block(pr.summary.read_text()) == ["$'registry/x`y\\n```\\n<b>z.py'"]


def test_codeowners_covers_the_projects_code_rules_recipes_and_keys() -> None:
    patterns = [line.split()[0] for line in
                (PROJECT / ".github" / "CODEOWNERS").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"/[\w.-]+(/[\w.-]+)*/?", p) for p in patterns), patterns
    owners = {line.split()[1] for line in (PROJECT / ".github" / "CODEOWNERS").read_text()
              .splitlines() if line.strip() and not line.startswith("#")}
    assert owners == {"@gigmcp/maintainers"}
    covered = {p.removeprefix("/") for p in patterns}
    required = {*OWN_CODE_DIRS, *OWN_CODE_FILES, "pyproject.toml", "requirements.lock", "mkdocs.yml", "policy/",
                "denylist/", "images/", "keys/"}
    assert required <= covered, required - covered
    content = {"manifests/", "toolspecs/", "CATALOG.md", "docs/"}
    assert not content & covered


# --- the job's shape ---------------------------------------------------------------


def test_the_judge_job_runs_only_the_base_commits_code() -> None:
    job: dict[str, Any] = load("lint.yml")["jobs"]["judge"]
    # Reviewers' summaries first, then the gate: lint, then the whole site.
    assert [s["name"].split(" (")[0] for s in job["steps"]] == [
        "Check out the base commit", "Check out the pull request", "Trust the checkouts",
        "Files that need a maintainer", "Install the base commit from its lock",
        "Entitlement diff for reviewers", "Judged tree",
        "Lint with the base's linter, denylist and policy",
        "Build the site with the base's code, mkdocs.yml and theme"]
    checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert [s["with"]["path"] for s in checkouts] == ["base", "head"]
    assert checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "ref" not in checkouts[1]["with"]  # the merge GitHub made: what main becomes
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    assert job["env"]["PYTHONSAFEPATH"] == "1"
    scripts = [s["run"] for s in job["steps"] if "run" in s]
    programs = {m for script in scripts
                for m in re.findall(r"(?:^|\s)(\S*(?:\.venv/bin|scripts)/\S+)", script)}
    assert programs == {"base/scripts/setup.sh", "../base/.venv/bin/registryctl",
                        "base/.venv/bin/registryctl"}, programs
    assert not any("head/" in script for script in scripts)


@pytest.mark.parametrize(("lock", "expected"), [(True, "--locked"), (False, "")])
def test_the_base_is_installed_from_its_lock(tmp_path: Path, lock: bool, expected: str) -> None:
    setup = tmp_path / "base" / "scripts" / "setup.sh"
    setup.parent.mkdir(parents=True)
    setup.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\n')
    setup.chmod(0o755)
    if lock:
        (tmp_path / "base" / "requirements.lock").write_text("")
    script = step_named(load("lint.yml"), "judge", "Install the base")["run"]
    assert run_step(script, tmp_path, {}).returncode == 0
    assert (tmp_path / "args").read_text().strip() == expected
