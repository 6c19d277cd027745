"""cfn-lint through its Python API, informational checks on: zero findings."""

from __future__ import annotations

import json
from typing import Any

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


def findings(text: str, parameter_sets: list[dict] | None = None) -> list[str]:
    """cfn-lint's findings; with parameter sets, the template is checked under each
    (cfn-lint's `parameters` option takes a list of sets), in one call."""
    config = ManualArgs(include_checks=["I"], regions=REGIONS)
    if parameter_sets:
        config["parameters"] = parameter_sets
    return [
        f"{m.rule.id} {m.message} ({m.linenumber})" for m in lint(text, config=config)
    ]


def test_every_variant_of_a_many_developer_template_has_no_findings() -> None:
    """One call for every lint scenario, on a template with twelve developers.
    The built template as written, without parameters, is linted by the gates
    (tests/gates/test_gates.py, as `emrs-env lint build` does)."""
    options = Options(developers=tuple(f"dev{i}" for i in range(12)))
    text = json.dumps(build_template(options).to_dict())
    assert findings(text, list(VARIANTS.values())) == []


def test_each_parameter_set_is_checked() -> None:
    """A finding that only one set's values cause is reported from a call with
    several sets: a BucketName that breaks S3's naming rules in one of them."""
    template = {
        "Parameters": {"Name": {"Type": "String", "Default": "fine-name"}},
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": {"Ref": "Name"}},
            }
        },
    }
    sets = [{"Name": "fine-name"}, {"Name": "Not_A_Bucket"}]
    assert findings(json.dumps(template), sets[:1]) == []
    assert any(f.startswith("W1030") for f in findings(json.dumps(template), sets))


def test_linter_catches_a_broken_template() -> None:
    broken = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}
    broken["Resources"]["Bucket"]["Properties"] = {"BucketNam": "x"}
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
