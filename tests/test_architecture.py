"""The package's shape: an acyclic import graph, the site as a leaf, the edge at the edge.

Read statically from the source (every ``import`` statement, at module level or
inside a function), so the rules hold for lazy imports too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "registry"

# Modules that may read the environment or the wall clock: the command line,
# the mkdocs plugin's entry, and the git helper (which hands the environment,
# without repository-redirecting variables, to git itself).
EDGE = {"registry.cli", "registry.site.plugin", "registry.git"}
# Who may import the site package: the build that runs mkdocs, and the CLI.
SITE_USERS = {"registry.build", "registry.preview", "registry.cli"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text("utf-8"), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


MODULES = _modules()


def _imports(name: str, tree: ast.Module) -> Iterator[str]:
    package = name if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists() else (
        name.rpartition(".")[0]
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, tree in MODULES.items():
        graph[name] = {
            target for target in _imports(name, tree)
            if target in MODULES and target != name and not name.startswith(target + ".")
        }
    return graph


def _in(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_module_import_graph_is_acyclic() -> None:
    assert _cycle(_graph()) is None


def test_the_stage_packages_import_each_other_without_cycles() -> None:
    def stage(name: str) -> str:
        return ".".join(name.split(".")[:2])

    packages: dict[str, set[str]] = {}
    for name, targets in _graph().items():
        packages.setdefault(stage(name), set()).update(
            stage(t) for t in targets if stage(t) != stage(name)
        )
    assert _cycle(packages) is None


def test_the_site_package_is_a_leaf() -> None:
    graph = _graph()
    importers = {
        name for name, targets in graph.items()
        if not _in(name, {"registry.site"}) and any(_in(t, {"registry.site"}) for t in targets)
    }
    assert {name for name in importers if not _in(name, SITE_USERS)} == set()
    # ... and nothing the site imports imports the site back (directly or not).
    reach: set[str] = set()
    pending = [t for name in graph if _in(name, {"registry.site"}) for t in graph[name]]
    while pending:
        target = pending.pop()
        if target in reach or _in(target, {"registry.site"}):
            continue
        reach.add(target)
        pending.extend(graph[target])
    assert {name for name in reach if any(_in(t, {"registry.site"}) for t in graph[name])} == set()


def _reads(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            value = node.value
            if isinstance(value, ast.Name) and value.id == "os" and node.attr in (
                "environ", "getenv", "putenv", "unsetenv"
            ):
                yield f"os.{node.attr}"
            if node.attr in ("now", "utcnow", "today") and isinstance(value, ast.Name) and (
                value.id in ("datetime", "date")
            ):
                yield f"{value.id}.{node.attr}"
            if isinstance(value, ast.Name) and value.id == "time" and node.attr == "time":
                yield "time.time"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_environment_and_clock_are_read_only_at_the_edge(name: str) -> None:
    if _in(name, EDGE):
        return
    assert list(_reads(MODULES[name])) == [], f"{name} reads the environment or the clock"


# Who may start other programs: the git helper (one timeout policy, redacted messages),
# and the search indexer, which runs the Pagefind binary of the pagefind_bin wheel once
# per build, without the environment, with a timeout.
SUBPROCESS_USERS = {"registry.git", "registry.site.search_index"}


def test_subprocesses_run_through_the_git_helper_or_the_search_indexer() -> None:
    users = {
        name for name, tree in MODULES.items()
        if any(
            isinstance(node, ast.Import | ast.ImportFrom)
            and "subprocess" in [a.name for a in node.names] + [getattr(node, "module", "")]
            for node in ast.walk(tree)
        )
    }
    assert users == SUBPROCESS_USERS


def test_declaring_the_commands_imports_no_stage() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from registry.cli import build_parser\n"
        "build_parser()\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('registry', 'pydantic', "
        "'mkdocs', 'nacl', 'ruamel', 'yaml', 'jinja2')))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert {m for m in loaded if not m.startswith("registry")} == set()
    assert {m for m in loaded if not m.startswith("registry.cli")} <= {
        "registry", "registry.errors", "registry.layout"
    }


def test_test_modules_do_not_import_each_other() -> None:
    tests = Path(__file__).resolve().parent
    offenders = []
    for path in sorted(tests.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            offenders += [
                f"{path.name}: {name}" for name in names
                if name.split(".")[-1].startswith("test_") and name.startswith("tests")
            ]
    assert offenders == []
