"""parliament on every identity policy, with its intrinsic functions resolved."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from generator.gates import Report, ScannerError, load
from generator.words import count

# parliament findings that are not defects, by (resource, issue, action), and why.
PARLIAMENT_IGNORED = {
    ("StudioWorkspaceNetworkPolicy", "RESOURCE_MISMATCH", "ec2:CreateNetworkInterface"):
    "CreateNetworkInterface is split over two statements on purpose: the new "
    "interface must carry the EMR tag in the request, the subnet and security "
    "group must already carry it; parliament expects every resource type of the "
    "action in each statement",
    **{
        ("LaunchPolicy4", "RESOURCE_MISMATCH", f"kms:{action}Alias"):
        "an alias action needs the alias and its key: the key is granted in the "
        "statement of keys a product tagged, the alias in the one of its names"
        for action in ("Create", "Delete", "Update")
    },
    ("LaunchPolicy2", "RESOURCE_STAR", "kms:TagResource"):
    "CreateKey with tags needs TagResource before the key exists, so it cannot "
    "be named; the statement requires the product's stack tag as a request tag",
    ("LaunchPolicy1", "RESOURCE_STAR", "s3:GetObject"):
    "the launch role reads product templates from buckets Service Catalog owns, "
    "which cannot be named; the statement requires the object tag "
    "servicecatalog:provisioning=true, as AWS documents for launch roles",
}  # fmt: skip
# Permissions boundaries: they cap, and grant nothing, so a boundary's actions on
# Resource "*" (the environment's actions wherever its principals' own policies
# point them) are not a grant to every resource.
BOUNDARIES = {"ProductBoundary"}
IDENTITY_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")


def identity_policies(template: dict) -> list[tuple[str, dict]]:
    """Every identity policy of a template, resolved at its longest, by resource."""
    from generator.template.limits import Resolver

    resolver = Resolver(template)
    found = []
    for logical, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            docs = [props["PolicyDocument"]]
        elif resource["Type"] in IDENTITY_TYPES:
            docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
        else:
            continue
        found += [(logical, resolver.resolve(doc)) for doc in docs]
    return found


def _newer_than_parliament(issue: str, detail: object) -> bool:
    """An action or service newer than parliament's database, known to cfn-lint's
    copy of the Service Authorization Reference (resource schemas list them); or
    iam:PermissionsBoundary on an IAM action the Service Authorization Reference
    lists it for since parliament's database was made."""
    if issue == "UNKNOWN_CONDITION_FOR_ACTION" and isinstance(detail, str):
        from generator.template.portfolio import BOUNDARY_KEYED_SINCE

        return (
            "iam:PermissionsBoundary" in detail
            and detail.split()[-1].lower() in BOUNDARY_KEYED_SINCE
        )
    if issue not in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX") or not isinstance(detail, str):
        return False
    from generator.template.provisioning import is_iam_action, known_prefix

    name = detail.split()[-1]
    return is_iam_action(name) if issue == "UNKNOWN_ACTION" else known_prefix(name)


def scan(paths: Sequence[Path]) -> list[Report]:
    """One report per template; `noted` holds the findings passed over, as
    (resource, issue, action)."""
    try:
        from parliament import analyze_policy_string
    except ImportError as exc:
        raise ScannerError("parliament is not installed; run 'make install'") from exc
    reports = []
    for path in paths:
        findings, ignored, checked = [], [], 0
        for logical, doc in identity_policies(load(path)):
            checked += 1
            for hit in analyze_policy_string(json.dumps(doc)).findings:
                if _newer_than_parliament(hit.issue, hit.detail) or (
                    logical in BOUNDARIES and hit.issue == "RESOURCE_STAR"
                ):
                    ignored.append((logical, hit.issue, str(hit.detail).split()[-1]))
                    continue
                details = hit.detail if isinstance(hit.detail, list) else [hit.detail]
                actions = {d.get("action", "") if isinstance(d, dict) else str(d)
                           for d in details}  # fmt: skip
                keys = {(logical, hit.issue, a) for a in actions or {""}}
                if keys <= set(PARLIAMENT_IGNORED):
                    ignored += sorted(keys)
                else:
                    findings.append(f"{hit.issue} {logical}: {str(hit.detail)[:200]}")
        detail = (
            f"{count(checked, 'policy', 'policies')}, "
            f"{count(len(findings), 'finding')}, {len(ignored)} ignored"
            if checked
            else "no identity policies to check"
        )
        reports.append(Report("parliament", path, findings, detail, ignored))
    return reports
