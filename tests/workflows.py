"""Reading the GitHub workflows and running their shell steps, for the workflow tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parents[1]
WORKFLOWS = PROJECT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {str(key): value for key, value in data.items()}


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def step_named(workflow: dict[str, Any], job: str, prefix: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [
        s for s in workflow["jobs"][job]["steps"] if s.get("name", "").startswith(prefix)
    ]
    assert len(matches) == 1, prefix
    return matches[0]


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd, env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True,
        check=False,
    )
