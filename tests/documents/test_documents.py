"""The generated documents: the Mermaid diagram and the parameter reference."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from generator import cli
from generator.documents.diagram import (
    ARCHITECTURE_SVG,
    GROUPS,
    MERMAID_MAX_EDGES,
    MERMAID_MAX_TEXT,
    PictureError,
    _without_font_warnings,
    architecture_markdown,
    boxes,
    dot,
    drawn_from,
    edges,
    marked,
    mermaid,
    picture,
    svg,
)
from generator.documents.parameters import parameters_markdown
from generator.template.config import USER_NAME_MAX
from generator.template.intrinsics import mentions
from tests.helpers import template_dict

TEMPLATE = template_dict()
ROOT = Path(__file__).resolve().parents[2]


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
    (classes,) = [line for line in lines if line.startswith("  class ")]
    dashed = classes.removeprefix("  class ").removesuffix(" conditional").split(",")
    assert {"nat3", "key", "private3", "people", "guards", "cleanup"} <= set(dashed)
    # always there (the VPC with its group): drawn solid in the dashed group
    assert not {"bucket", "runtime", "vpc", "private1"} & set(dashed)
    assert "  style network_group stroke-dasharray: 5 5" in lines
    (guards,) = [line for line in lines if line.strip().startswith("guards[")]
    assert "when CreateApplication = true" in guards
    (cleanup,) = [line for line in lines if line.strip().startswith("cleanup[")]
    assert "when (CreateStudio = true or CreateApplication = true)" in cleanup
    (function,) = [line for line in lines if line.strip().startswith("function[")]
    assert (
        "or CreateStudio = true or CreateApplication = true or" in function
    ), "an Or inside an Or reads as one list"
    (igw,) = [line for line in lines if line.strip().startswith("igw[")]
    assert "when NatGateways ≠ none" in igw


def test_an_arrow_that_holds_for_some_values_is_dashed_and_says_when() -> None:
    chart = mermaid(TEMPLATE)
    assert (
        'private2 -.->|"internet through, when NatGateways ≠ one-per-az"| nat1' in chart
    )
    # NAT gateway 2 exists only one-per-az, when subnet 2 always uses it
    assert "private2 -->|internet through| nat2" in chart
    assert "private1 -->|internet through| nat1" in chart
    assert "key -->|encrypts| bucket" in chart, "the key's own condition is enough"


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
    from generator.template.composer import build_template, max_developers
    from generator.template.config import Options

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
    sub = {"Fn::Sub": "x-${A.Arn}-${AWS::Region}-${B}-${!Literal}"}
    assert {name for name, _ in mentions(sub)} == {"A", "AWS::Region", "B"}
    branches = {"Fn::If": ["C", {"Ref": "A"}, {"Ref": "B"}]}
    assert set(mentions(branches)) == {
        ("C", ()),
        ("A", (("C", True),)),
        ("B", (("C", False),)),
    }
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
    assert (
        "`service-default` (the bucket uses SSE-S3, S3 managed keys, not the "
        "`aws/s3` KMS key" in encryption
    )
    assert "`aws-managed` (the earlier name of `service-default`" in encryption
    assert "Replaces the EMR Studio" in encryption
    assert (
        "Refused on every path: changing Encryption key (EncryptionKey) from "
        "customer-managed to another value" in encryption
    )
    assert "change guard fails such an update" in encryption
    roles = text.split("(`AdminRoleNames`)")[1].split("\n### ")[0]
    assert "A comma-separated list." in roles and "Names (not ARNs)" in roles
    azs = text.split("(`NumberOfAZs`)")[1].split("\n### ")[0]
    assert "Refused on every path: lowering Number of Availability Zones" in azs
    release = text.split("(`ReleaseLabel`)")[1].split("\n### ")[0]
    assert "The application is stopped first" in release
    retention = text.split("(`LogRetentionDays`)")[1].split("\n### ")[0]
    assert "On an existing stack: Changed in place." in retention


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
    assert "| `EncryptionKey` = `customer-managed` (each of the key's first 2 " in costs
    assert "| $74.00 |" in costs, "the key's $1 on top of the default $73"
    assert "worker disk beyond 20 GB" in costs and "$0.000111 per GB-hour" in costs


def test_diagram_command_writes_only_the_pictures(tmp_path: Path, capsys) -> None:
    assert cli.main(["diagram", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ARCHITECTURE.md", "ARCHITECTURE.svg"]
    assert "```mermaid\nflowchart LR" in (tmp_path / "ARCHITECTURE.md").read_text()
    assert "wrote" in capsys.readouterr().out


# --- the same picture as SVG -----------------------------------------------------

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}


def drawn(template: dict) -> ElementTree.Element:
    return ElementTree.fromstring(svg(dot(template)).encode("utf-8"))


def classes(root: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [g for g in root.iter(f"{{{SVG_NS['svg']}}}g") if g.get("class") == name]


def texts(element: ElementTree.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{{{SVG_NS['svg']}}}text"))


def test_svg_draws_every_group_box_and_arrow_of_the_picture() -> None:
    root = drawn(TEMPLATE)
    model = picture(TEMPLATE)
    clusters = classes(root, "cluster")
    assert len(clusters) == len(model.groups) == len(GROUPS)
    for cluster, group in zip(clusters, model.groups, strict=True):
        assert group.title in texts(cluster)
    nodes = {n.find("svg:title", SVG_NS).text: n for n in classes(root, "node")}
    boxes_drawn = {n.key: n for g in model.groups for n in g.nodes}
    assert set(nodes) == set(boxes_drawn)
    for key, node in boxes_drawn.items():
        said = texts(nodes[key])
        assert node.lines[0] in said, key
        dashed = any(p.get("stroke-dasharray") for p in nodes[key].iter())
        assert dashed == bool(node.when), key
    assert "when NatGateways = one-per-az and" in texts(nodes["nat3"])
    edges_drawn = classes(root, "edge")
    assert len(edges_drawn) == len(model.arrows)
    for edge in edges_drawn:
        a, b = edge.find("svg:title", SVG_NS).text.split("->")
        (when,) = [w for x, y, _label, w in model.arrows if (x, y) == (a, b)]
        dashed = any(p.get("stroke-dasharray") for p in edge.iter())
        assert dashed == bool(when), (a, b)
    said = {e.find("svg:title", SVG_NS).text: texts(e) for e in edges_drawn}
    assert said == {
        f"{a}->{b}": " ".join([label] + ([f"when {when}"] if when else []))
        for a, b, label, when in model.arrows
    }


def test_svg_names_its_source_and_does_not_grow_with_the_team() -> None:
    from generator.template.composer import build_template, max_developers
    from generator.template.config import Options

    names = tuple(f"{i:0{USER_NAME_MAX}d}" for i in range(max_developers()))
    largest = build_template(Options(developers=names)).to_dict()
    source = dot(largest)
    assert "admin + " + str(len(names)) + " developers" in texts(drawn(largest))
    assert drawn_from(svg(source)) == source
    assert abs(len(source) - len(dot(TEMPLATE))) < 10


def test_a_picture_of_the_same_source_is_kept_without_drawing(monkeypatch) -> None:
    source = dot(TEMPLATE)
    kept = marked('<?xml version="1.0"?>\n<svg><text>box</text></svg>\n', source)
    assert drawn_from(kept) == source
    monkeypatch.setitem(sys.modules, "pygraphviz", None)  # drawing fails
    assert svg(source, kept) is kept
    redraws = {
        "another source": marked(kept.split("<!--")[0] + "<svg></svg>\n", source + "#"),
        "cut short": kept[:-8],
        "edited by hand": kept.replace(">box<", ">bux<"),
        "not ours": "<svg/>",
    }
    for why, previous in redraws.items():
        with pytest.raises(PictureError, match="pygraphviz is needed to draw"):
            svg(source, previous)
        assert drawn_from(previous) != source, why


def test_build_keeps_the_folders_picture_and_redraws_a_stale_one(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    committed = (ROOT / "build" / ARCHITECTURE_SVG).read_text()
    (tmp_path / ARCHITECTURE_SVG).write_text(committed)
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    assert (tmp_path / ARCHITECTURE_SVG).read_text() == committed
    said = capsys.readouterr().out
    assert f"unchanged {tmp_path / ARCHITECTURE_SVG} " in said
    assert f"wrote {tmp_path / 'PARAMETERS.md'} " in said
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    assert "wrote" not in capsys.readouterr().out, "a second build changes nothing"
    (tmp_path / ARCHITECTURE_SVG).write_text("<svg/>")
    assert cli.main(["build", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("emrs-env build: error: pygraphviz is needed") and (
        "\n" not in err
    )
    assert (tmp_path / ARCHITECTURE_SVG).read_text() == "<svg/>", "nothing written"


def test_font_warnings_are_dropped_and_other_messages_kept(capfd) -> None:
    import os

    def draw() -> bytes:
        os.write(2, b'Fontconfig warning: "x.conf", line 6: unknown element\n')
        os.write(2, b"Warning: something Graphviz says\n")
        return b"<svg/>"

    assert _without_font_warnings(draw) == b"<svg/>"
    err = capfd.readouterr().err
    assert "Fontconfig" not in err and "Warning: something Graphviz says" in err

    def fail() -> bytes:
        os.write(2, b"Error: syntax error in line 3\n")
        raise ValueError("no picture")

    with pytest.raises(ValueError, match="no picture"):
        _without_font_warnings(fail)
    assert "Error: syntax error in line 3" in capfd.readouterr().err


# Properties whose change gives a resource a new ID ("Update requires: Replacement"
# in the CloudFormation resource reference): a Ref to the resource changes with them.
IDENTITY = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::EC2::VPC": ("CidrBlock",),
    "AWS::EC2::Subnet": ("CidrBlock", "VpcId", "AvailabilityZoneId"),
    "AWS::EC2::SecurityGroup": ("VpcId", "GroupDescription"),
}


def parameters_reaching(value: object, template: dict) -> set[str]:
    """Parameters a value changes with: its Refs, its conditions' Refs, and those
    of the properties that name the resources it refers to."""
    found: set[str] = set()
    resources, conditions = template["Resources"], template["Conditions"]
    for name, _context in mentions(value):
        if name in template["Parameters"]:
            found.add(name)
        elif name in resources:
            resource = resources[name]
            for prop in IDENTITY.get(resource["Type"], ()):
                found |= parameters_reaching(resource["Properties"].get(prop), template)
        elif name in conditions:
            found |= parameters_reaching(conditions[name], template)
    return found


def test_any_source_round_trips_through_a_well_formed_svg() -> None:
    from xml.dom import minidom

    source = "digraph g { a [label=<x---y &amp; <B>z</B>>]; b -> a; }\n"
    drawn_svg = svg(source)
    minidom.parseString(drawn_svg.encode("utf-8"))  # no "--" in a comment
    assert drawn_from(drawn_svg) == source
    with pytest.raises(PictureError, match="Graphviz could not draw"):
        svg("digraph {")


def test_odd_condition_values_keep_both_pictures_valid() -> None:
    import copy

    odd = copy.deepcopy(TEMPLATE)
    odd["Conditions"]["Odd"] = {"Fn::Equals": [{"Ref": "NamePrefix"}, 'a"b']}
    odd["Resources"]["CostBudget"]["Condition"] = "Odd"
    chart = mermaid(odd)
    budget = 'budget["Monthly cost budget<br/>(e-mail alerts)<br/><i>when '
    assert budget + "NamePrefix = a#quot;b" in chart
    assert drawn_from(svg(dot(odd))) == dot(odd)


def test_a_resource_no_module_places_stops_the_picture() -> None:
    """A resource no module's DRAWN names is not drawn in a guessed group: the
    build fails and says where to declare it."""
    import copy

    from generator.documents.diagram import UndrawnError

    unknown = copy.deepcopy(TEMPLATE)
    unknown["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic"}
    with pytest.raises(UndrawnError, match=r"Topic \(AWS::SNS::Topic\).*DRAWN"):
        mermaid(unknown)


def test_every_module_that_adds_resources_says_where_they_belong() -> None:
    """The composer's MODULES are exactly the modules that add resources; each
    declares its boxes and replaced-type words, with keys that are no keyword of
    Mermaid or DOT and groups the picture has."""
    from generator.template import composer

    adding = {
        path.stem
        for path in (ROOT / "generator" / "template").glob("*.py")
        if "add_resource(" in path.read_text(encoding="utf-8")
    }
    assert {m.__name__.rsplit(".", 1)[1] for m in composer.MODULES} == adding
    keywords = {"end", "graph", "subgraph", "node", "edge", "digraph", "strict",
                "style", "class", "click", "people"}  # fmt: skip
    keys = [d.key for m in composer.MODULES for d in m.DRAWN]
    assert len(keys) == len(set(keys))
    for module in composer.MODULES:
        assert isinstance(module.REPLACED, dict)
        for drawn in module.DRAWN:
            assert drawn.group in GROUPS, drawn
            assert drawn.key.lower() not in keywords, drawn


def test_edges_of_many_list_places_carry_one_short_label() -> None:
    """Seven Identity Center places made nine-line labels that sat away from their
    edges; the places of lists read as one clause."""
    from generator.documents.diagram import _any_of

    said = _any_of([f"IdentityCenter{k} item {i} given"
                    for k in ("AdminGroups", "DeveloperUsers", "AdminUsers")
                    for i in (1, 2)])  # fmt: skip
    assert said == "an IdentityCenter* list names someone"
    assert _any_of(["A item 1 given", "A item 2 given"]) == "A names someone"
    assert _any_of(["x = true", "y = 1 and z = 2"]) == "x = true or (y = 1 and z = 2)"
    picture = (ROOT / "build" / "ARCHITECTURE.md").read_text()
    labels = re.findall(r'-\.->\|"([^"]*)"\|', picture)
    assert labels and max(map(len, labels)) <= 80, max(labels, key=len)


def test_the_guide_says_what_reaches_beyond_the_stack() -> None:
    """Every statement of the people's and the runtime role's policies that names
    no resource of this stack is listed, with why; a new one cannot go unsaid."""
    from generator.documents.reach import beyond, markdown_table

    guide = (ROOT / "docs" / "template.md").read_text()
    begin, end = "<!-- reach: begin -->\n", "<!-- reach: end -->"
    assert guide.split(begin, 1)[1].split(end, 1)[0] == markdown_table(TEMPLATE)
    rows = {(who, sid) for who, sid, *_ in beyond(TEMPLATE)}
    assert ("administrator", "AllowServerlessActions") in rows
    assert ("administrator", "AllowServerlessActionsJobRuns") in rows
    # Glue reaches only the databases the stack names
    assert ("runtime role", "GlueCreateAndReadDataCatalog") not in rows
    # the stack's own bucket is named, so its statement is not listed
    assert ("runtime role", "FullAccessToS3Bucket") not in rows
    widened = json.loads(json.dumps(TEMPLATE))
    statements = widened["Resources"]["RuntimePolicy"]["Properties"]["PolicyDocument"]
    statements["Statement"].append(
        {
            "Sid": "Sneaky",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": "*",
        }
    )
    assert ("runtime role", "Sneaky") in {(w, s) for w, s, *_ in beyond(widened)}
