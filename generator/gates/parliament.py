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
    ("LaunchPolicy1", "RESOURCE_STAR", "s3:GetObject"):
    "the launch role reads product templates from buckets Service Catalog owns, "
    "which cannot be named; the statement requires the object tag "
    "servicecatalog:provisioning=true, as AWS documents for launch roles",
}  # fmt: skip
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
    copy of the Service Authorization Reference (resource schemas list them)."""
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
                if _newer_than_parliament(hit.issue, hit.detail):
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
