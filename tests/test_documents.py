"""The generated documents: the Mermaid diagram and the parameter reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import cli
from generator.config import USER_NAME_MAX
from generator.diagram import (
    GROUPS,
    MERMAID_MAX_EDGES,
    MERMAID_MAX_TEXT,
    architecture_markdown,
    boxes,
    edges,
    mermaid,
    references,
)
from generator.render import parameters_markdown
from tests.helpers import template_dict

TEMPLATE = template_dict()


def test_every_resource_is_in_exactly_one_box_and_users_are_one_box() -> None:
    found = boxes(TEMPLATE)
    members = [m for b in found for m in b.members]
    assert sorted(members) == sorted(TEMPLATE["Resources"])
    (people,) = [b for b in found if b.key == "people"]
    users = [
        k for k, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::IAM::User"
    ]
    assert set(users) <= set(people.members)
    assert f"admin + {len(users) - 1} developer" in people.label
    chart = mermaid(TEMPLATE)
    assert chart.count("subgraph") == len(GROUPS)
    for logical in TEMPLATE["Resources"]:
        assert f"{logical}[" not in chart  # boxes, not resources


def test_conditional_boxes_are_dashed_and_say_when() -> None:
    chart = mermaid(TEMPLATE)
    lines = chart.splitlines()
    (nat3,) = [line for line in lines if line.strip().startswith("nat3[")]
    assert "NatGateways = one-per-az and NumberOfAZs = 3" in nat3
    (network,) = [line for line in lines if "subgraph network_group" in line]
    assert "when ExistingPrivateSubnetIds empty" in network
    (key,) = [line for line in lines if line.strip().startswith("key[")]
    assert "when EncryptionKey = customer-managed" in key
    dashed = lines[-1].removeprefix("  class ").removesuffix(" conditional")
    assert {"nat3", "key", "private3", "people"} <= set(dashed.split(","))
    assert "bucket" not in dashed.split(",") and "runtime" not in dashed.split(",")


def test_arrows_say_who_assumes_reads_runs_in_and_encrypts() -> None:
    chart = mermaid(TEMPLATE)
    for arrow in (
        "studio -->|assumes| studiorole",
        "application -->|jobs assume| runtime",
        "runtime -->|reads and writes| bucket",
        "application -->|runs in| private1",
        "studio -->|runs in| private3",
        "key -->|encrypts| bucket",
        "people -->|granted| policies",
    ):
        assert arrow in chart


@pytest.mark.parametrize("developers", [1, "max"])
def test_diagram_fits_mermaid_limits_at_any_developer_count(developers) -> None:
    from generator.config import Options
    from generator.template import build_template, max_developers

    count = max_developers() if developers == "max" else developers
    names = tuple(f"{i:0{USER_NAME_MAX}d}" for i in range(count))
    template = build_template(Options(developers=names)).to_dict()
    chart = mermaid(template)
    assert chart.count("-->") <= MERMAID_MAX_EDGES
    assert len(architecture_markdown(template)) <= MERMAID_MAX_TEXT
    assert f"admin + {count} developer" in chart
    # the picture does not grow with the team
    assert len(chart) < len(mermaid(TEMPLATE)) + 10


def test_edges_follow_refs_getatts_subs_and_depends_on() -> None:
    pairs = set(edges(TEMPLATE))
    assert ("NotebookBucketPolicy", "NotebookBucket") in pairs  # Ref
    assert ("Studio", "StudioServiceRole") in pairs  # GetAtt
    assert ("PublicDefaultRoute", "InternetGatewayAttachment") in pairs  # DependsOn
    assert ("Application", "NotebookBucket") in pairs  # Sub with a variable map
    names = {"A", "B"}
    assert references({"Fn::Sub": "x-${A.Arn}-${AWS::Region}-${B}"}, names) == names
    assert all(
        a in TEMPLATE["Resources"] and b in TEMPLATE["Resources"] for a, b in pairs
    )


def test_parameter_reference_reads_without_regular_expressions() -> None:
    text = parameters_markdown(TEMPLATE)
    labels = TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"]["ParameterLabels"]
    for name, spec in TEMPLATE["Parameters"].items():
        heading = f"### {labels[name]['default']} (`{name}`)"
        assert text.count(heading) == 1, name
        section = text.split(heading)[1].split("\n### ")[0]
        assert spec["Description"] in section
        assert "- On an existing stack: " in section
        if "AllowedPattern" in spec:
            assert spec["AllowedPattern"] not in text
            assert spec["ConstraintDescription"] in section
    for group in TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"][
        "ParameterGroups"
    ]:
        assert f"## {group['Label']['default']}" in text
    # no regular-expression syntax anywhere
    assert not re.search(r"\^\(|\[a-z0-9|\{\d,\d*\}|\$`", text)


def test_reference_says_what_values_mean_and_what_updates_do() -> None:
    text = parameters_markdown(TEMPLATE)
    encryption = text.split("(`EncryptionKey`)")[1].split("\n### ")[0]
    assert "S3 managed keys (SSE-S3), not the `aws/s3` KMS key" in encryption
    assert "Replaces the EMR Studio" in encryption
    roles = text.split("(`AdminRoleNames`)")[1].split("\n### ")[0]
    assert "A comma-separated list." in roles and "Names (not ARNs)" in roles
    azs = text.split("(`NumberOfAZs`)")[1].split("\n### ")[0]
    assert "3 to 2: refused by EMR Studio" in azs
    release = text.split("(`ReleaseLabel`)")[1].split("\n### ")[0]
    assert "after the application is stopped" in release
    flow = text.split("(`EnableFlowLogs`)")[1].split("\n### ")[0]
    assert "On an existing stack: Changed in place." in flow


def test_reference_costs_the_default_configuration() -> None:
    text = parameters_markdown(TEMPLATE)
    costs = text.split("## What it costs")[1]
    assert "| NAT gateways | 2 | $0.0900 | $65.70 |" in costs
    assert (
        "| Public IPv4 addresses (the NAT gateways') | 2 | $0.0100 | $7.30 |" in costs
    )
    assert "**$73.00**" in costs
    assert "| `NatGateways` = `single` | $36.50 |" in costs
    assert "$0.052624 per vCPU-hour" in costs and "$0.042094 per vCPU-hour" in costs
    assert "us-east-1" in costs and "aws.amazon.com/vpc/pricing" in costs


def test_diagram_command_writes_only_the_diagram(tmp_path: Path, capsys) -> None:
    assert cli.main(["diagram", "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["ARCHITECTURE.md"]
    assert "```mermaid\nflowchart LR" in (tmp_path / "ARCHITECTURE.md").read_text()
    assert "wrote" in capsys.readouterr().out
