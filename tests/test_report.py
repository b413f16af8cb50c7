"""Findings print safely: no contributor value can break a line or start a workflow command."""

from __future__ import annotations

import json

import pytest

from registry.errors import Finding, Severity
from registry.lint.report import github_annotation, render_json, render_text

HOSTILE = [
    "x\n::add-mask::secret",
    "x\r::set-output name=a::1",
    "x\u2028::stop-commands::abc",
    "x\u0085next line",
    "bidi \u202egnp.exe",
    "tag \U000e0041 smuggled",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_output_format_lets_a_value_break_a_line(text: str) -> None:
    finding = Finding(f"manifests/{text}/0.1.0.yaml", 3, 7, f"tools[0].{text}", text,
                      Severity.ERROR, "X001")
    line = finding.format()
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert line.endswith(" [X001]")
    rendered = render_text([finding], 1, github=True).splitlines()
    assert len(rendered) == 3  # the finding, its annotation, the summary
    assert not any(row.startswith("::") for row in rendered[:1] + rendered[2:])
    annotation = github_annotation(finding)
    assert annotation.startswith("::error file=") and ",title=X001::" in annotation
    assert "\n" not in annotation and "\r" not in annotation
    # JSON escapes every invisible character, yet parses back to the exact value.
    payload = render_json([finding], 1)
    assert all(char.isascii() or char.isprintable() for char in payload if char != "\n")
    assert json.loads(payload)["findings"][0]["message"] == text
