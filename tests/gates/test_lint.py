"""cfn-lint through its Python API, informational checks on: zero findings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from generator.scenarios import LINT, used_by
from generator.template.composer import build_template
from generator.template.config import Options
from tests.helpers import template_dict

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def _cfn_lint_values(values: dict[str, str]) -> dict[str, Any]:
    """cfn-lint takes a comma-list parameter's value as a list."""
    lists = {
        name
        for name, spec in template_dict()["Parameters"].items()
        if spec["Type"] == "CommaDelimitedList"
    }
    return {k: v.split(",") if k in lists else v for k, v in values.items()}


VARIANTS = {name: _cfn_lint_values(v) for name, v in used_by(LINT).items()}


def findings(text: str, parameters: dict | None = None) -> list[str]:
    config = ManualArgs(include_checks=["I"], regions=REGIONS)
    if parameters is not None:
        config["parameters"] = [parameters]
    return [
        f"{m.rule.id} {m.message} ({m.linenumber})" for m in lint(text, config=config)
    ]


def test_template_has_no_findings() -> None:
    assert findings(build_template().to_yaml()) == []


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_has_no_findings(variant: str) -> None:
    text = json.dumps(build_template().to_dict())
    assert findings(text, VARIANTS[variant]) == []


def test_many_developers_have_no_findings() -> None:
    options = Options(developers=tuple(f"dev{i}" for i in range(12)))
    assert findings(build_template(options).to_yaml()) == []


def test_linter_catches_a_broken_template() -> None:
    broken = build_template().to_dict()
    broken["Resources"]["NotebookBucket"]["Properties"]["BucketNam"] = "x"
    assert any(f.startswith("E3002") for f in findings(json.dumps(broken)))


def test_a_yaml_file_that_is_no_template_is_one_finding(tmp_path, capsys) -> None:
    from generator import cli

    path = tmp_path / "hostname.yaml"
    path.write_text("build-box\n")
    assert cli.main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert "E0000 Template needs to be an object" in out
    assert "parliament" not in out, "the other tools never see it"
