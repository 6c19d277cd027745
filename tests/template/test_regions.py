"""Which regions serve each resource type the templates name: recorded from
cfn-lint's per-region registry lists and kept equal to them; the commands refuse a
region whose registry lacks a named type (a template naming a type unknown in its
region has been reported rejected whatever its condition: cfn-lint issue 3495,
aws-cdk issue 25634). Modelled from that data and those reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.template import provisioning, regions
from generator.template.render import parse_template
from tests.aws.commands import run


def test_the_recorded_registry_gaps_are_cfn_lint_s() -> None:
    types = set(provisioning.environment_types())
    built = Path(__file__).resolve().parents[2] / "build"
    portfolio = parse_template((built / "service-catalog-portfolio.yaml").read_text())[
        "Resources"
    ].values()
    types |= {r["Type"] for r in portfolio}
    providers = provisioning._cfnlint_data() / "schemas" / "providers"
    missing, no_data = {}, []
    for region in regions.EMR_SERVERLESS_REGIONS:
        path = providers / f"{region}.json"
        if not path.exists():
            no_data.append(region)
            continue
        known = json.loads(path.read_text())
        lacking = sorted(t for t in types if t not in known and t.startswith("AWS::"))
        if any(t.startswith("AWS::ServiceCatalog::") for t in lacking):
            catalog = [t for t in types if t.startswith("AWS::ServiceCatalog::")]
            assert set(catalog) <= set(lacking), "the portfolio goes whole or not"
            lacking = [t for t in lacking if t not in catalog] + [
                "AWS::ServiceCatalog::*"
            ]
        if lacking:
            missing[region] = tuple(lacking)
    assert missing == regions.REGISTRY_MISSING
    assert tuple(no_data) == regions.NO_REGISTRY_DATA
    # the Studio Rule follows the same data
    assert "ca-west-1" in regions.EMR_STUDIO_REGIONS
    assert "mx-central-1" in regions.EMR_STUDIO_REGIONS
    assert "ap-south-2" not in regions.EMR_STUDIO_REGIONS


@pytest.mark.parametrize(
    "args",
    [
        ["deploy", "--stack-name", "emrs", "--region", "ap-south-2", "--yes",
         "--template-bucket", "t"],
        ["stackset", "deploy", "--name", "emrs", "--regions", "eu-west-1,ap-south-2",
         "--ou", "ou-ab12-cdef3456", "--template-bucket", "t", "--yes"],
        ["publish", "--template-bucket", "t", "--region", "mx-central-1"],
    ],
)  # fmt: skip
def test_a_region_without_a_named_type_is_refused_before_any_aws_call(
    mocked_aws, capsys, args: list[str]
) -> None:
    assert run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert "does not know" in err and "\n" not in err, err
    assert "AWS::EMR::Studio" in err or "AWS::ServiceCatalog::Portfolio" in err


def test_the_guide_s_region_table_is_the_data() -> None:
    readme = (Path(__file__).resolve().parents[2] / "docs" / "template.md").read_text()
    begin, end = "<!-- regions: begin -->\n", "<!-- regions: end -->"
    shown = readme.split(begin, 1)[1].split(end, 1)[0]
    assert shown == regions.markdown_table()
    assert "| ap-south-2 | refused: no AWS::EMR::Studio" in shown
