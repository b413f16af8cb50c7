"""The GitHub workflows: valid, least-privilege, pinned, and wired to real commands.

Parsed as YAML and checked for triggers, per-job permissions, action pinning
and secret use; every ``registryctl`` and ``invoke`` call in a ``run:`` block is
parsed by the real CLI / task collection; the shell steps that make decisions
are executed here with stand-ins for the tools they call. ``zizmor`` and
``check-jsonschema`` (from the dev extra) and ``shellcheck`` check every file.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from invoke.collection import Collection

from registry.cli import build_parser
from registry.images.buildargs import BUILD_ARG_KEYS
from tests import factory
from tests.workflows import PROJECT, WORKFLOWS, load, run_step, step_named, steps

NAMES = ["lint.yml", "publish.yml", "build-images.yml"]
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*(\S+)\s+#\s*(v\d+\.\d+\.\d+)\s*$")


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")
    else:
        yield path, node


@pytest.mark.parametrize("name", NAMES)
def test_workflow_parses_with_a_name_triggers_and_jobs(name: str) -> None:
    workflow = load(name)
    assert workflow["name"] == name.removesuffix(".yml")
    assert workflow["on"] and workflow["jobs"]
    for job in workflow["jobs"].values():
        assert job["runs-on"] == "ubuntu-24.04"
        assert isinstance(job["timeout-minutes"], int)


def test_triggers() -> None:
    lint = load("lint.yml")["on"]
    assert set(lint) == {"pull_request"}  # never pull_request_target: PR code gets no secrets
    publish = load("publish.yml")["on"]
    assert publish["push"] == {"branches": ["main"]}
    assert len(publish["schedule"]) == 1 and publish["schedule"][0]["cron"].count(" ") == 4
    assert "workflow_dispatch" in publish
    images = load("build-images.yml")["on"]
    assert set(images) == {"workflow_dispatch"}
    inputs = images["workflow_dispatch"]["inputs"]
    assert inputs["name"]["required"] is True
    assert inputs["version"]["required"] is False


EXPECTED_PERMISSIONS = {
    ("lint.yml", "judge"): {"contents": "read"},
    ("lint.yml", "tests"): {"contents": "read"},
    ("publish.yml", "build"): {"contents": "read"},
    ("publish.yml", "deploy-pages"): {"pages": "write", "id-token": "write"},
    ("publish.yml", "release"): {"contents": "write"},
    ("build-images.yml", "image"): {"contents": "read", "packages": "write"},
}


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege_permissions(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        assert job["permissions"] == EXPECTED_PERMISSIONS[(name, job_id)], job_id


def test_the_publish_pipeline() -> None:
    workflow = load("publish.yml")
    assert workflow["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    jobs = workflow["jobs"]
    assert jobs["deploy-pages"]["needs"] == "build"
    assert set(jobs["release"]["needs"]) == {"build", "deploy-pages"}
    assert jobs["deploy-pages"]["environment"]["name"] == "github-pages"
    order = [s["name"].split(" ")[0] for s in jobs["build"]["steps"]]
    assert order == ["Check", "Set", "Require", "Install", "Lint", "Build", "Verify",
                     "Upload", "Upload"]
    verify = step_named(workflow, "build", "Verify")["run"]
    assert "--pub keys/registry.pub" in verify
    pages = step_named(workflow, "build", "Upload the site")
    assert pages["uses"].startswith("actions/upload-pages-artifact@")
    assert pages["with"]["path"] == "dist/site"
    deploy = jobs["deploy-pages"]["steps"]
    assert [s["uses"].split("@")[0] for s in deploy] == ["actions/deploy-pages"]
    release = step_named(workflow, "release", "Release")["run"]
    assert "registryctl publish --no-build --skip-pages" in release


@pytest.mark.parametrize(("name", "job"), [("publish.yml", "build"), ("publish.yml", "release"),
                                         ("build-images.yml", "image")])
def test_jobs_with_a_key_or_a_write_token_install_only_the_lock(name: str, job: str) -> None:
    # pip --require-hashes from requirements.lock, the interpreter's own pip, and the
    # project built without fetching a build tool (scripts/setup.sh --locked).
    installs = [s["run"] for s in load(name)["jobs"][job]["steps"] if "setup.sh" in s.get("run", "")]
    assert installs == ["./scripts/setup.sh --locked"]


def test_the_signing_key_is_given_to_one_step_only() -> None:
    uses_of_secrets = [
        (name, path, value)
        for name in NAMES
        for path, value in walk(load(name))
        if isinstance(value, str) and "secrets." in value
    ]
    assert uses_of_secrets == [
        ("publish.yml", ".jobs.build.steps[5].env.GIG_INDEX_SIGNING_KEY",
         "${{ secrets.GIG_INDEX_SIGNING_KEY }}"),
    ]
    assert load("publish.yml")["jobs"]["build"]["steps"][5]["name"] == "Build and sign"


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_commits_with_the_version_noted(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    uses = [step["uses"] for _, step in steps(load(name)) if "uses" in step]
    assert uses
    for ref in uses:
        assert PINNED_USES.match(ref), ref
    commented = {m.group(1) for m in map(VERSION_COMMENT.search, text.splitlines()) if m}
    assert set(uses) <= commented, set(uses) - commented


def test_one_version_of_each_action_across_workflows() -> None:
    seen: dict[str, set[str]] = {}
    for name in NAMES:
        for _, step in steps(load(name)):
            if "uses" in step:
                action, _, sha = step["uses"].partition("@")
                seen.setdefault(action, set()).add(sha)
    assert {action: len(shas) for action, shas in seen.items()} == dict.fromkeys(seen, 1)


@pytest.mark.parametrize("name", NAMES)
def test_checkouts_do_not_keep_the_token(name: str) -> None:
    for _, step in steps(load(name)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("name", NAMES)
def test_no_expressions_inside_shell_scripts(name: str) -> None:
    # Values reach scripts through env:, so nothing from an input, a branch name or a
    # manifest can be spliced into shell code.
    for _, step in steps(load(name)):
        if "run" in step:
            assert "${{" not in step["run"], step.get("name")


def test_containers_and_images_use_exact_tags() -> None:
    for job in load("lint.yml")["jobs"].values():
        assert re.fullmatch(r"python:3\.11\.\d+-bookworm", job["container"]["image"])
    for name in NAMES:
        assert not re.search(r":latest\b", (WORKFLOWS / name).read_text(encoding="utf-8"))


# --- commands in run: blocks are real ---------------------------------------------


def commands(prefix: str) -> Iterator[tuple[str, list[str]]]:
    """Every ``prefix ...`` call in a run: block, as argv (variables as placeholders)."""
    for name in NAMES:
        for _, step in steps(load(name)):
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                if prefix not in line:
                    continue
                call = line[line.index(prefix) + len(prefix):].replace("$", "X")
                lexer = shlex.shlex(call, posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                argv = []
                for token in lexer:
                    if set(token) <= set(";|&<>()"):
                        break  # the shell's, not the command's
                    argv.append(token)
                yield f"{name}: {line.strip()}", argv


def test_every_registryctl_call_parses() -> None:
    calls = list(commands(".venv/bin/registryctl "))
    assert {argv[0] for _, argv in calls} == {"diff", "verify", "publish", "build-args", "lint",
                                              "build"}
    parser = build_parser()
    for where, argv in calls:
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"registryctl rejects the arguments of {where}")


def load_tasks() -> Collection:
    spec = importlib.util.spec_from_file_location("project_tasks", PROJECT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Collection.from_module(module)


def test_every_invoke_call_names_a_task_and_its_options() -> None:
    collection = load_tasks()
    calls = list(commands(".venv/bin/invoke "))
    assert {argv[0] for _, argv in calls} >= {"lint", "test", "build", "catalog"}
    for where, argv in calls:
        task_name, *options = argv
        assert task_name in collection.task_names, where
        body = collection[task_name].body
        parameters = set(inspect.signature(body).parameters)
        for option in options:
            assert option.startswith("--"), where
            assert option[2:].split("=")[0].replace("-", "_") in parameters, where


# --- the decision-making shell steps, executed ----------------------------------


def stub_registryctl(root: Path, body: str) -> Path:
    tool = root / ".venv" / "bin" / "registryctl"
    tool.parent.mkdir(parents=True, exist_ok=True)
    tool.write_text(f"#!/bin/sh\necho \"$@\" >> {root}/calls\n{body}\n")
    tool.chmod(0o755)
    return tool


@pytest.mark.parametrize(
    "content", [None, "", "\n", "not a key\n", "ab" * 31 + "\n", "ab" * 32 + "\n"]
)
def test_publish_refuses_without_the_committed_public_key(tmp_path: Path,
                                                          content: str | None) -> None:
    script = step_named(load("publish.yml"), "build", "Require the committed public key")["run"]
    if content is not None:
        (tmp_path / "keys").mkdir()
        (tmp_path / "keys" / "registry.pub").write_text(content)
    done = run_step(script, tmp_path, {})
    if content == "ab" * 32 + "\n":
        assert done.returncode == 0
    else:
        assert done.returncode == 1
        assert "::error file=keys/registry.pub::" in done.stdout
        assert "registryctl keygen --write-public keys/registry.pub" in done.stdout
        assert "keys/README.md" in done.stdout


def test_build_step_refuses_without_the_secret(tmp_path: Path) -> None:
    script = step_named(load("publish.yml"), "build", "Build and sign")["run"]
    done = run_step(script, tmp_path, {"GIG_INDEX_SIGNING_KEY": ""})
    assert done.returncode == 1
    assert "GIG_INDEX_SIGNING_KEY secret is not set" in done.stdout


@pytest.mark.parametrize(
    ("status", "expected"),
    [(0, "No change escalates"), (3, "**Escalation:**"), (1, "could not be computed")],
)
def test_entitlement_diff_goes_to_the_job_summary(tmp_path: Path, status: int,
                                                  expected: str) -> None:
    script = step_named(load("lint.yml"), "judge", "Entitlement diff")["run"]
    base = tmp_path / "base"
    stub_registryctl(base, f"echo '### acme 0.1.0 → 0.2.0'\nexit {status}")
    summary = tmp_path / "summary.md"
    env = {"BASE_SHA": "0123abc", "RUNNER_TEMP": str(tmp_path),
           "GITHUB_STEP_SUMMARY": str(summary)}
    done = run_step(script, tmp_path, env)
    assert done.returncode == 0  # escalations are reported, never a failure
    text = summary.read_text()
    assert expected in text and "### acme 0.1.0 → 0.2.0" in text
    # The base commit's diff tool, over the pull request's checkout.
    assert (base / "calls").read_text().split() == [
        "diff", "--root", "head", "--against", "0123abc", "--format", "markdown"]
    assert ("::warning" in done.stdout) == (status == 3)


@pytest.mark.parametrize(
    ("name", "version", "ok"),
    [
        ("linear", "", True),
        ("linear", "1.2.3", True),
        ("../keys", "", False),
        ("Linear", "", False),
        ("linear;id", "", False),
        ("linear", "1.2", False),
        ("linear", "1.2.3/../../x", False),
    ],
)
def test_build_images_validates_its_inputs(tmp_path: Path, name: str, version: str,
                                           ok: bool) -> None:
    script = step_named(load("build-images.yml"), "image", "Build arguments")["run"]
    stub_registryctl(tmp_path, "echo NAME=linear")
    output = tmp_path / "output"
    env = {"NAME": name, "VERSION": version, "RUNNER_TEMP": str(tmp_path),
           "GITHUB_OUTPUT": str(output)}
    done = run_step(script, tmp_path, env)
    calls = tmp_path / "calls"
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
        expected = f"manifests/{name}/{version}.yaml" if version else f"manifests/{name}"
        assert calls.read_text().split() == ["build-args", expected]
        assert output.read_text() == "NAME=linear\n"
    else:
        assert done.returncode == 1 and "::error::" in done.stdout
        assert not calls.exists()


@pytest.mark.parametrize("builder", ["toolpack", "go-static"])
def test_build_context_holds_only_what_the_recipe_bakes_in(tmp_path: Path, builder: str) -> None:
    script = step_named(load("build-images.yml"), "image", "Build context")["run"]
    repo = tmp_path / "repo"
    factory.tree(repo, [factory.manifest(name="acme", version="1.2.3")],
                 [factory.toolspec(name="acme", version="1.2.3")])
    (repo / "keys").mkdir()
    (repo / "keys" / "registry.pub").write_text("ab" * 32 + "\n")
    runner = tmp_path / "runner"
    runner.mkdir()
    output = tmp_path / "output"
    env = {"BUILDER": builder, "NAME": "acme", "VERSION": "1.2.3", "RUNNER_TEMP": str(runner),
           "GITHUB_OUTPUT": str(output)}
    done = run_step(script, repo, env)
    assert done.returncode == 0, done.stderr
    context = Path(output.read_text().strip().removeprefix("path="))
    files = sorted(str(p.relative_to(context)) for p in context.rglob("*") if p.is_file())
    if builder == "toolpack":
        assert files == ["manifests/acme/1.2.3.yaml", "toolspecs/acme/1.2.3.yaml"]
        assert (context / "toolspecs/acme/1.2.3.yaml").read_bytes() == (
            repo / "toolspecs/acme/1.2.3.yaml").read_bytes()
    else:
        assert files == []


def test_build_context_fails_without_the_toolspec(tmp_path: Path) -> None:
    script = step_named(load("build-images.yml"), "image", "Build context")["run"]
    factory.tree(tmp_path, [factory.manifest(name="acme", version="1.2.3")], [])
    env = {"BUILDER": "toolpack", "NAME": "acme", "VERSION": "1.2.3",
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "output")}
    assert run_step(script, tmp_path, env).returncode != 0


def test_build_images_builds_multi_arch_with_every_build_arg() -> None:
    workflow = load("build-images.yml")
    build = step_named(workflow, "image", "Build and push")["with"]
    assert build["platforms"] == "linux/amd64,linux/arm64"
    assert build["push"] is True
    passed = {line.split("=", 1)[0] for line in build["build-args"].splitlines()}
    assert passed == set(BUILD_ARG_KEYS)
    pin = step_named(workflow, "image", "Digest to pin")["run"]
    assert "registryctl pin $NAME@$VERSION $DIGEST" in pin
    assert "GITHUB_STEP_SUMMARY" in pin
    recipe = step_named(workflow, "image", "Recipe")["run"]
    assert 'dockerfile="images/$BUILDER/Dockerfile"' in recipe


# --- external linters, when installed -------------------------------------------


def run_scripts() -> Iterator[tuple[str, str]]:
    for name in NAMES:
        for job_id, step in steps(load(name)):
            if "run" in step:
                yield f"{name}:{job_id}:{step.get('name')}", step["run"]


def test_every_python_snippet_imports_what_exists() -> None:
    # `python -c '...'` in a step is code too: a moved module breaks it only at run time.
    snippets = [(where, code) for where, script in run_scripts()
                for code in re.findall(r"python -c '([^']*)'", script)]
    assert snippets
    for where, code in snippets:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                missing = [a.name for a in node.names if not hasattr(module, a.name)]
                assert not missing, (where, node.module, missing)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)


@pytest.mark.skipif(
    shutil.which("shellcheck") is None and not os.environ.get("CI"),
    reason="shellcheck is not installed (scripts/setup.sh --dev installs it; CI never skips)",
)
def test_run_scripts_pass_shellcheck(tmp_path: Path) -> None:
    problems = []
    for index, (where, script) in enumerate(run_scripts()):
        path = tmp_path / f"step{index}.sh"
        path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
        done = subprocess.run(["shellcheck", "-s", "bash", "-S", "warning", str(path)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            problems.append(f"{where}:\n{done.stdout}")
    assert problems == []


# Checkers from PyPI in the dev extra: always installed by setup.sh --dev, never skipped.
# Any attempt to reach the network goes to a closed port on loopback and fails.
OFFLINE = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"),
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
           "NO_PROXY": "", "no_proxy": ""}


def dev_tool(name: str) -> str:
    tool = Path(sys.executable).with_name(name)
    assert tool.is_file(), f"{name} is missing: ./scripts/setup.sh --dev installs it"
    return str(tool)


def test_zizmor_finds_nothing_in_the_workflows() -> None:
    # The GitHub Actions security audit, offline: template injection, unpinned or
    # impostor-prone uses, excessive permissions, persisted credentials, cache
    # poisoning, dangerous triggers, ... (the online audits need the GitHub API).
    done = subprocess.run(
        [dev_tool("zizmor"), "--offline", "--no-progress", "--color", "never",
         str(WORKFLOWS)],
        capture_output=True, text=True, check=False, cwd=PROJECT, env=OFFLINE,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


def test_zizmor_pedantic_findings_are_only_the_known_ones() -> None:
    # The pedantic persona's one remaining finding: the container image is pinned
    # to an exact tag, not yet to a digest (no machine here reaches Docker Hub).
    done = subprocess.run(
        [dev_tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "json",
         str(WORKFLOWS)],
        capture_output=True, text=True, check=False, cwd=PROJECT, env=OFFLINE,
    )
    findings = [(f["ident"], location["concrete"]["feature"].strip())
                for f in json.loads(done.stdout) for location in f["locations"]]
    for ident, feature in findings:
        assert ident == "unpinned-images", (ident, feature)
        assert re.fullmatch(r"image: python:3\.11\.\d+-bookworm", feature), feature


def test_check_jsonschema_accepts_every_workflow() -> None:
    # SchemaStore's GitHub workflow schema, vendored in check-jsonschema.
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == sorted(NAMES)
    done = subprocess.run(
        [dev_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         *map(str, files)],
        capture_output=True, text=True, check=False, cwd=PROJECT, env=OFFLINE,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout
