"""requirements.lock: the runtime dependencies publish installs, pinned with hashes.

``pip install --require-hashes -r requirements.lock`` (``scripts/setup.sh``, in
every mode) takes exactly these files and refuses anything the lock does not
pin. These tests keep the lock in step with ``pyproject.toml`` without the
network: every declared requirement is pinned at a version it allows, every pin
carries hashes, and the pins are exactly the dependency closure, checked
against the metadata of the installed distributions (``--dev`` installs the
test tools within the lock's versions, so what is installed is what is pinned).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from piptools.scripts.compile import cli as pip_compile

PROJECT = Path(__file__).resolve().parents[1]
LOCK = PROJECT / "requirements.lock"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)(?P<rest>.*)$")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: tuple[str, ...]
    line: int


def parse_lock(text: str) -> dict[NormalizedName, Pin]:
    """``name==version \\`` lines, each followed by its ``--hash=`` continuation lines."""
    pins: dict[NormalizedName, Pin] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#") or line.startswith(" "):
            continue
        match = PIN.match(line)
        assert match, f"requirements.lock:{number}: not a name==version pin: {line!r}"
        assert match["rest"].strip() == "\\", f"requirements.lock:{number}: no hash follows"
        hashes = []
        for follower in lines[number:]:
            if not follower.startswith("    --hash="):
                break
            assert HASH.fullmatch(follower.strip().removesuffix(" \\")), follower
            hashes.append(follower.strip().removesuffix(" \\"))
        name = canonicalize_name(match["name"])
        assert name not in pins, f"requirements.lock:{number}: {name} pinned twice"
        pins[name] = Pin(Version(match["version"]), tuple(hashes), number)
    return pins


def pyproject() -> dict[str, object]:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(text) for text in project["dependencies"]]


def build_requirements() -> list[Requirement]:
    build_system = pyproject()["build-system"]
    assert isinstance(build_system, dict)
    return [Requirement(text) for text in build_system["requires"]]


def applies(requirement: Requirement, extras: Iterable[str] = ()) -> bool:
    """Whether ``requirement`` applies here (CPython 3.11 on Linux), for these extras."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in ("", *extras))


PINS = parse_lock(LOCK.read_text(encoding="utf-8"))


def test_every_pin_is_exact_and_has_hashes() -> None:
    assert PINS
    for name, pin in PINS.items():
        assert pin.hashes, f"{name} (line {pin.line}) has no --hash"


def test_the_lock_names_no_index_or_local_path() -> None:
    # Installs come from PyPI, checked by hash; nothing of one machine is recorded.
    text = LOCK.read_text(encoding="utf-8")
    for option in ("--index-url", "--extra-index-url", "--find-links", "-e ", "file://", " @ "):
        assert option not in text
    assert not re.search(r"(^|\s)/(?!/)", text), "an absolute path in the lock"
    assert "#    invoke lock\n" in text  # the header says how to regenerate it


@pytest.mark.parametrize(
    "requirement", [*runtime_requirements(), *build_requirements()], ids=str
)
def test_every_declared_requirement_is_pinned_within_its_specifier(
    requirement: Requirement,
) -> None:
    name = canonicalize_name(requirement.name)
    assert name in PINS, f"{requirement} is not in requirements.lock: run `invoke lock`"
    assert requirement.specifier.contains(PINS[name].version, prereleases=True), (
        f"requirements.lock pins {name}=={PINS[name].version}, outside {requirement}: "
        "run `invoke lock`"
    )


def installed_version(name: str) -> Version | None:
    try:
        return Version(importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        return None


def test_the_installed_runtime_is_the_lock() -> None:
    # scripts/setup.sh installs the lock first, and --dev keeps the test tools within
    # it; so the tests run against what publish installs.
    different = {
        name: (str(pin.version), str(installed_version(name)))
        for name, pin in PINS.items()
        if installed_version(name) != pin.version
    }
    assert different == {}, "installed != locked (name: (locked, installed)); " \
        "rerun ./scripts/setup.sh --dev"


def closure(roots: Iterable[Requirement]) -> dict[NormalizedName, set[str]]:
    """Every distribution ``roots`` need here, transitively, with the extras asked of it."""
    needed: dict[NormalizedName, set[str]] = {}
    todo: list[tuple[Requirement, tuple[str, ...]]] = [(r, ()) for r in roots]
    while todo:
        requirement, extras_of_parent = todo.pop()
        if not applies(requirement, extras_of_parent):
            continue
        name = canonicalize_name(requirement.name)
        assert name in PINS, f"{requirement} is needed but not locked: run `invoke lock`"
        assert requirement.specifier.contains(PINS[name].version, prereleases=True), (
            f"{requirement} is needed, but the lock pins {PINS[name].version}"
        )
        if name in needed and requirement.extras <= needed[name]:
            continue
        extras = needed.setdefault(name, set())
        extras.update(requirement.extras)
        for text in importlib.metadata.distribution(name).requires or []:
            todo.append((Requirement(text), tuple(sorted(extras))))
    return needed


def test_the_lock_is_exactly_the_dependency_closure() -> None:
    # What pip --require-hashes needs: each locked distribution's own requirements are
    # locked at versions they accept, and nothing is pinned that nothing needs.
    needed = closure([*runtime_requirements(), *build_requirements()])
    assert set(needed) == set(PINS), {
        "needed, not locked": sorted(set(needed) - set(PINS)),
        "locked, not needed": sorted(set(PINS) - set(needed)),
    }


def test_invoke_lock_runs_pip_compile_with_hashes_and_setuptools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parsed by pip-compile's own command line, away from the real files.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    spec = importlib.util.spec_from_file_location("project_tasks", PROJECT / "tasks.py")
    assert spec is not None and spec.loader is not None
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    module, name, *args = tasks.LOCK_COMMAND[1:]
    assert (module, name) == ("piptools", "compile")
    params = pip_compile.make_context("pip-compile", list(args)).params
    assert params["generate_hashes"] and params["strip_extras"]
    assert params["allow_unsafe"] and params["all_build_deps"]  # setuptools is locked too
    assert not params["emit_index_url"] and not params["emit_find_links"]
    assert params["src_files"] == ("pyproject.toml",)
    assert Path(params["output_file"].name).name == LOCK.name == tasks.LOCK_FILE


# --- scripts/setup.sh ------------------------------------------------------------


def copy_setup(root: Path) -> Path:
    script = root / "scripts" / "setup.sh"
    script.parent.mkdir(parents=True)
    script.write_bytes((PROJECT / "scripts" / "setup.sh").read_bytes())
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("args", [["--locked", "--dev"], ["--dev", "--locked"], ["--lock"]])
def test_setup_refuses_unknown_or_conflicting_options(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run([str(copy_setup(tmp_path)), *args], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert "usage: scripts/setup.sh [--dev | --locked]" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_setup_locked_wants_a_new_venv(tmp_path: Path) -> None:
    # pip would keep what an old .venv holds without checking a hash.
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    done = subprocess.run([str(copy_setup(tmp_path)), "--locked"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    assert "--locked installs into a new .venv only" in done.stderr


def wheel(folder: Path, name: str, requires: Iterable[str] = ()) -> tuple[Path, str]:
    """A minimal pure-Python wheel ``name-1.0``; returns its path and its sha256."""
    path = folder / f"{name}-1.0-py3-none-any.whl"
    info = f"{name}-1.0.dist-info"
    files = {
        f"{name}/__init__.py": "",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n{}".format(
            name, "".join(f"Requires-Dist: {r}\n" for r in requires)),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{member},sha256={digest.decode()},{len(data)}")
            archive.writestr(member, data)
        archive.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


# An in-tree PEP 517 backend: the new venv's bundled setuptools may be too old to build
# an editable wheel, and nothing may be fetched.
TOY_BACKEND = """
import os, zipfile

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name, info = "toyproject-0.1.0-py3-none-any.whl", "toyproject-0.1.0.dist-info"
    files = {
        "toyproject.pth": os.path.dirname(os.path.abspath(__file__)) + "\\n",
        info + "/METADATA": "Metadata-Version: 2.1\\nName: toyproject\\nVersion: 0.1.0\\n"
                            "Requires-Dist: lockedlib\\n",
        info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: tests\\nRoot-Is-Purelib: true\\n"
                         "Tag: py3-none-any\\n",
    }
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
        archive.writestr(info + "/RECORD", "".join(m + ",,\\n" for m in [*files, info + "/RECORD"]))
    return name
"""


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``python`` for setup.sh whose ``-m venv DIR`` copies one new venv made here.

    Creating a venv with pip takes seconds; the copy is the same venv, made once.
    """
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "template")], check=True)
    python = folder / "python"
    python.write_text(
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "-m venv" ]; then exec cp -a {folder / "template"} "$3"; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    return python


@pytest.mark.parametrize("case", ["ok", "tampered", "sdist-only"])
def test_setup_locked_installs_only_what_the_lock_pins_by_hash(
    tmp_path: Path, venv_python: Path, case: str
) -> None:
    # Offline: a wheelhouse on disk stands in for PyPI (PIP_NO_INDEX), and the project is
    # a small one built by the new venv's own setuptools.
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _, lib_hash = wheel(wheels, "lockedlib", requires=["helperlib"])
    _, helper_hash = wheel(wheels, "helperlib")
    project = tmp_path / "project"
    script = copy_setup(project)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "toybackend"\nbackend-path = ["."]\n'
        '[project]\nname = "toyproject"\nversion = "0.1.0"\ndependencies = ["lockedlib"]\n'
    )
    (project / "toybackend.py").write_text(TOY_BACKEND)
    pins = {"lockedlib": lib_hash, "helperlib": helper_hash}
    if case == "tampered":
        pins["helperlib"] = "0" * 64
    if case == "sdist-only":
        # The right hash, but of an sdist: its build would run unpinned code.
        (wheels / "helperlib-1.0-py3-none-any.whl").unlink()
        sdist = wheels / "helperlib-1.0.tar.gz"
        with tarfile.open(sdist, "w:gz") as archive:
            info = tarfile.TarInfo("helperlib-1.0/PKG-INFO")
            data = b"Metadata-Version: 2.1\nName: helperlib\nVersion: 1.0\n"
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        pins["helperlib"] = hashlib.sha256(sdist.read_bytes()).hexdigest()
    (project / "requirements.lock").write_text("".join(
        f"{name}==1.0 \\\n    --hash=sha256:{digest}\n" for name, digest in pins.items()))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHON": str(venv_python),
           "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    done = subprocess.run([str(script), "--locked"], capture_output=True, text=True, env=env,
                          check=False, timeout=300)
    python = project / ".venv" / "bin" / "python"
    if case == "ok":
        assert done.returncode == 0, done.stdout + done.stderr
        listed = subprocess.run([str(python), "-m", "pip", "list", "--format", "freeze"],
                                capture_output=True, text=True, check=True).stdout
        assert {"lockedlib==1.0", "helperlib==1.0", "toyproject==0.1.0"} <= set(listed.split())
    else:
        assert done.returncode != 0
        expected = ("THESE PACKAGES DO NOT MATCH THE HASHES" if case == "tampered"
                    else "No matching distribution found for helperlib")
        assert expected in done.stderr, done.stderr
        assert "toyproject" not in subprocess.run(
            [str(python), "-m", "pip", "list"], capture_output=True, text=True, check=True
        ).stdout
