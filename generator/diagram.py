"""A Mermaid diagram of the template's resources, generated from the template itself."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

ARCHITECTURE_MD = "ARCHITECTURE.md"
CONCERNS = [
    "Storage",
    "Encryption",
    "Network",
    "Identity",
    "Credentials",
    "EMR Studio and application",
]
# The custom resources that stop the application and clean up after EMR.
LIFECYCLE_TYPES = (
    "Custom::StopApplicationBefore",
    "Custom::NetworkCleanup",
)
SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def concern(logical_id: str, resource_type: str) -> str:
    """The concern a resource belongs to, by its type and name."""
    if resource_type.startswith("AWS::KMS::"):
        return "Encryption"
    if resource_type.startswith("AWS::S3::"):
        return "Storage"
    if resource_type.startswith(
        ("AWS::EMR", "AWS::EC2::SecurityGroup", *LIFECYCLE_TYPES)
    ):
        return "EMR Studio and application"
    if logical_id.startswith(("FlowLog", "DefaultSecurityGroup")):
        return "Network"
    if resource_type.startswith("AWS::EC2::"):
        return "Network"
    if resource_type.startswith(
        ("AWS::SecretsManager::", "AWS::Lambda::", "Custom::ConsoleCredentials")
    ) or logical_id.startswith("CustomResource"):
        return "Credentials"
    return "Identity"


def references(value: Any, resources: set[str]) -> set[str]:
    """Logical IDs of resources a value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and inner in resources:
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else inner.split(".")[0]
                if target in resources:
                    found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {m for m in SUB_REF.findall(text) if m in resources}
                if isinstance(inner, list):
                    found |= references(inner[1], resources)
            else:
                found |= references(inner, resources)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner, resources)
    return found


def edges(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(from, to) pairs: a resource and each resource it refers to or depends on."""
    resources = template["Resources"]
    names = set(resources)
    pairs = set()
    for logical, res in resources.items():
        targets = references(res.get("Properties", {}), names)
        depends = res.get("DependsOn", [])
        targets |= set([depends] if isinstance(depends, str) else depends)
        pairs |= {(logical, t) for t in targets if t != logical}
    return sorted(pairs)


def mermaid(template: dict[str, Any]) -> str:
    """The flowchart: one subgraph per concern, arrows from Ref/GetAtt/DependsOn."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for logical, res in template["Resources"].items():
        groups[concern(logical, res["Type"])].append((logical, res["Type"]))
    lines = ["flowchart LR"]
    for index, name in enumerate(CONCERNS):
        if not groups.get(name):
            continue
        lines.append(f'  subgraph concern{index}["{name}"]')
        for logical, kind in sorted(groups[name]):
            short = kind.removeprefix("AWS::").replace("::", " ")
            lines.append(f'    {logical}["{logical}<br/><small>{short}</small>"]')
        lines.append("  end")
    lines += [f"  {source} --> {target}" for source, target in edges(template)]
    return "\n".join(lines)


def architecture_markdown(template: dict[str, Any]) -> str:
    """build/ARCHITECTURE.md: the diagram with a short legend."""
    count = len(template["Resources"])
    return "\n".join(
        [
            "# Architecture of the environment template",
            "",
            "Generated from `emr-serverless-interactive.yaml` by `make template` "
            "(or `emrs-env diagram`); do not edit. Each box is one of the template's "
            f"{count} resources, grouped by concern; an arrow points from a resource "
            "to one it refers to (`Ref`, `Fn::GetAtt`, `Fn::Sub`) or depends on. "
            "Conditional resources are included; see PARAMETERS.md for the choices "
            "that remove them.",
            "",
            "```mermaid",
            mermaid(template),
            "```",
            "",
        ]
    )
