"""The builder recipes' contract, checked statically (they cannot be built here).

Every recipe: base images pinned by digest (never ``latest``), the source
cloned from ``https://$SOURCE_REPO`` at ``$SOURCE_TAG``, every ``ARG`` one the
build-images workflow passes (``registryctl build-args``) or BuildKit
provides, every variable used declared, the server at ``/app/server`` as the
exec-form entry point, a non-root ``USER``, and context files that exist and
are in the build context the workflow assembles.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

import pytest

from registry.images.buildargs import BUILD_ARG_KEYS
from registry.load.schema import Builder, Manifest
from registry.status import INSTALLABLE_BUILDERS
from tests import factory

PROJECT = Path(__file__).resolve().parents[1]
IMAGES = PROJECT / "images"
BUILDERS = list(get_args(Builder))
BUILDKIT_ARGS = {
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
}
REQUIRED_ARGS = {"SOURCE_REPO", "SOURCE_TAG", "PACKAGE"}
PINNED_IMAGE = re.compile(r"^[a-z0-9.-]+(?:/[a-z0-9._-]+)*(?::[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$")
HEREDOC = re.compile(r"<<-?(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)")
SHELL_ASSIGNMENT = re.compile(r"(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=")


@dataclass
class Instruction:
    keyword: str
    args: str
    heredocs: list[str] = field(default_factory=list)


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and heredoc bodies kept apart."""
    lines = text.splitlines()
    instructions: list[Instruction] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\") and index < len(lines):
            line = line[:-1].rstrip() + " " + lines[index].strip()
            index += 1
        keyword, _, args = line.partition(" ")
        instruction = Instruction(keyword.upper(), args.strip())
        for match in HEREDOC.finditer(args):
            body = []
            while index < len(lines) and lines[index].strip() != match.group(2):
                body.append(lines[index])
                index += 1
            index += 1  # the terminator
            instruction.heredocs.append("\n".join(body))
        instructions.append(instruction)
    return instructions


def stages_of(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    for instruction in parse_dockerfile(path.read_text(encoding="utf-8")):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"{path}: {instruction.keyword} before FROM"
            stages[-1].instructions.append(instruction)
    return stages


def recipe(builder: str) -> Path:
    return IMAGES / builder / "Dockerfile"


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_has_a_recipe_and_a_readme(builder: str) -> None:
    assert recipe(builder).is_file()
    assert (IMAGES / builder / "README.md").is_file()
    # The aggregator policy: a builder folder holds its recipe and a README, nothing else.
    assert {p.name for p in (IMAGES / builder).iterdir()} == {"Dockerfile", "README.md"}


@pytest.mark.parametrize("builder", BUILDERS)
def test_base_images_are_pinned_by_digest_and_never_latest(builder: str) -> None:
    text = recipe(builder).read_text(encoding="utf-8")
    assert not re.search(r":latest\b", text)
    stage_names: set[str] = set()
    for stage in stages_of(recipe(builder)):
        if stage.image not in stage_names:
            assert PINNED_IMAGE.match(stage.image), stage.image
        if stage.name:
            stage_names.add(stage.name)


@pytest.mark.parametrize("builder", BUILDERS)
def test_final_stage_runs_app_server_as_non_root(builder: str) -> None:
    final = stages_of(recipe(builder))[-1]
    entrypoints = final.all("ENTRYPOINT")
    assert len(entrypoints) == 1
    assert json.loads(entrypoints[0].args) == ["/app/server"]  # exec form, no shell
    users = final.all("USER")
    assert users, "the final stage must set a USER"
    user = users[-1].args.split(":")[0]
    assert user not in {"root", "0"}
    copies = " ".join(i.args for i in final.all("COPY"))
    assert re.search(r"\s/app(?:/server)?$|\s/app/server\s|/app/server\b", copies)


@pytest.mark.parametrize("builder", BUILDERS)
def test_app_server_is_produced(builder: str) -> None:
    text = " ".join(
        i.args for stage in stages_of(recipe(builder)) for i in stage.instructions
    )
    assert re.search(r"-o /out/server|> /app/server", text)


@pytest.mark.parametrize("builder", BUILDERS)
def test_args_are_what_the_workflow_passes(builder: str) -> None:
    declared: set[str] = set()
    for stage in stages_of(recipe(builder)):
        for instruction in stage.all("ARG"):
            name = instruction.args.split("=", 1)[0]
            assert name in set(BUILD_ARG_KEYS) | BUILDKIT_ARGS, f"unknown build arg {name}"
            declared.add(name)
    required = REQUIRED_ARGS | ({"NAME", "VERSION"} if builder == "toolpack" else set())
    assert required <= declared


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_variable_used_is_declared_in_its_stage(builder: str) -> None:
    for stage in stages_of(recipe(builder)):
        known = set(BUILDKIT_ARGS)
        for instruction in stage.instructions:
            if instruction.keyword == "ARG":
                known.add(instruction.args.split("=", 1)[0])
                continue
            if instruction.keyword == "ENV":
                known.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction.args))
            local = set(SHELL_ASSIGNMENT.findall(instruction.args)) if (
                instruction.keyword == "RUN") else set()
            for braced, bare in VARIABLE.findall(instruction.args):
                name = braced or bare
                assert name in known | local, f"{builder}: ${name} in {instruction.keyword}"


@pytest.mark.parametrize("builder", BUILDERS)
def test_source_is_cloned_at_the_reviewed_tag(builder: str) -> None:
    runs = " ".join(i.args for s in stages_of(recipe(builder)) for i in s.all("RUN"))
    assert re.search(r'--branch "\$\{SOURCE_TAG\}"\s+"https://\$\{SOURCE_REPO\}"', runs)
    assert '"${SOURCE_REPO:?' in runs and '"${SOURCE_TAG:?' in runs  # fail fast when unset
    assert not re.search(r"\b(?:main|master)\b", runs)


@pytest.mark.parametrize("builder", ["go-static", "toolpack"])
def test_go_builders_cross_compile_static_binaries(builder: str) -> None:
    text = recipe(builder).read_text(encoding="utf-8")
    assert "FROM --platform=$BUILDPLATFORM golang:" in text
    assert "CGO_ENABLED=0" in text
    assert 'GOOS="${TARGETOS}" GOARCH="${TARGETARCH}"' in text
    final = stages_of(recipe(builder))[-1]
    assert final.image.startswith("gcr.io/distroless/static-")
    assert final.all("COPY")[0].args == "--from=build /out/server /app/server"


def test_toolpack_bakes_the_reviewed_manifest_and_toolspec() -> None:
    final = stages_of(recipe("toolpack"))[-1]
    copies = [i.args for i in final.all("COPY") if not i.args.startswith("--from")]
    assert copies == [
        "manifests/${NAME}/${VERSION}.yaml /app/manifest.yaml",
        "toolspecs/${NAME}/${VERSION}.yaml /app/toolspec.yaml",
    ]


def test_toolpack_copy_sources_exist_in_a_registry_tree(tmp_path: Path) -> None:
    doc = factory.manifest(name="acme", version="1.2.3")
    assert Manifest.model_validate(doc).image.effective_builder == "toolpack"
    factory.tree(tmp_path, [doc], [factory.toolspec(name="acme", version="1.2.3")])
    final = stages_of(recipe("toolpack"))[-1]
    for instruction in final.all("COPY"):
        if instruction.args.startswith("--from"):
            continue
        source = instruction.args.split()[0].replace("${NAME}", "acme")
        assert (tmp_path / source.replace("${VERSION}", "1.2.3")).is_file(), source


@pytest.mark.parametrize("builder", ["go-static", "node", "python"])
def test_recipes_that_clone_take_nothing_from_the_context(builder: str) -> None:
    for stage in stages_of(recipe(builder)):
        for instruction in stage.all("COPY") + stage.all("ADD"):
            assert instruction.args.startswith("--from") or instruction.heredocs, instruction


@pytest.mark.parametrize("builder", BUILDERS)
def test_installability_is_documented(builder: str) -> None:
    readme = (IMAGES / builder / "README.md").read_text(encoding="utf-8").lower()
    header = recipe(builder).read_text(encoding="utf-8").lower()
    if builder in INSTALLABLE_BUILDERS:
        assert "not installable" not in readme + header
    else:
        assert "not installable" in readme and "not installable" in header


def test_no_remote_add_and_no_secrets_in_recipes() -> None:
    for builder in BUILDERS:
        for stage in stages_of(recipe(builder)):
            assert not stage.all("ADD")  # no unpinned remote downloads
            for instruction in stage.all("ENV") + stage.all("ARG"):
                assert not re.search(r"TOKEN|SECRET|PASSWORD|KEY", instruction.args)


def test_parser_handles_heredocs_and_continuations() -> None:
    text = "FROM a@sha256:" + "0" * 64 + "\nRUN one \\\n  two\nCOPY <<'X' /f\n$NOT_A_VAR\nX\nUSER 1\n"
    instructions = parse_dockerfile(text)
    assert [i.keyword for i in instructions] == ["FROM", "RUN", "COPY", "USER"]
    assert instructions[1].args == "one two"
    assert instructions[2].heredocs == ["$NOT_A_VAR"]
