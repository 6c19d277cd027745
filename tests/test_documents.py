"""The generated documents: the Mermaid diagram and the parameter reference."""

from __future__ import annotations

from pathlib import Path

from generator import cli
from generator.diagram import edges, mermaid, references
from generator.render import parameters_markdown
from tests.helpers import template_dict

TEMPLATE = template_dict()


def test_every_resource_is_a_node_in_one_concern() -> None:
    chart = mermaid(TEMPLATE)
    for logical in TEMPLATE["Resources"]:
        assert chart.count(f'    {logical}["{logical}<br/>') == 1, logical
    assert chart.count("subgraph") == 6


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


def test_parameter_reference_lists_every_parameter() -> None:
    text = parameters_markdown(TEMPLATE)
    for name, spec in TEMPLATE["Parameters"].items():
        (row,) = [
            line for line in text.splitlines() if line.startswith(f"| `{name}` |")
        ]
        assert spec["Description"].replace("|", "\\|") in row
    for group in TEMPLATE["Metadata"]["AWS::CloudFormation::Interface"][
        "ParameterGroups"
    ]:
        assert f"## {group['Label']['default']}" in text


def test_diagram_command_writes_only_the_diagram(tmp_path: Path, capsys) -> None:
    assert cli.main(["diagram", "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["ARCHITECTURE.md"]
    assert "```mermaid\nflowchart LR" in (tmp_path / "ARCHITECTURE.md").read_text()
    assert "wrote" in capsys.readouterr().out
