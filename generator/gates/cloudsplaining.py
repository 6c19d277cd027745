"""cloudsplaining's high-severity risks in every identity policy, offline.

Each policy is read as written (intrinsic functions resolved at their longest, as
parliament reads it) and in each condition variant (generator/gates/variants.py),
where every Fn::If takes the branch AWS would take. cloudsplaining judges only what a
statement allows on Resource "*": an action scoped to named ARNs is not a risk in its
model, and the ARN-blind mode (flag_resource_arn_statements) would report every IAM
action of the custom-resource function, which acts on the stack's own users only.
A Condition does not hide a statement here (flag_conditional_statements): a
condition can test any key, so a grant on Resource "*" is judged with or without
one. Privilege escalation, resource exposure and credentials exposure are the
categories cloudsplaining rates high; each is one finding line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.gates import Report, ScannerError, load
from generator.words import count

HIGH = ("PrivilegeEscalation", "ResourceExposure", "CredentialsExposure")
SHOWN_ACTIONS = 8  # actions named in one exposure line; the rest are counted


def policies(template: dict[str, Any]) -> tuple[list[tuple[str, dict]], int, str]:
    """Every distinct identity policy, by resource, as written and in the condition
    variants; how many variants; why none could be rendered."""
    from generator.gates.parliament import identity_policies
    from generator.gates.variants import variants

    found = identity_policies(template)
    try:
        rendered = variants(template)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        rendered, problem = [], f"cannot render its condition variants: {exc!r}"
    else:
        problem = ""
    for variant in rendered:
        found += identity_policies(variant.template)
    unique = {json.dumps([logical, doc], sort_keys=True): (logical, doc)
              for logical, doc in found}  # fmt: skip
    return list(unique.values()), len(rendered), problem


def risks(logical: str, results: dict[str, Any]) -> list[str]:
    """One line per privilege-escalation method, one per exposure category."""
    lines = []
    for category in HIGH:
        found = (results.get(category) or {}).get("findings") or []
        if category == "PrivilegeEscalation":
            lines += [
                f"{category} {logical}: {f['type']} ({', '.join(f['actions'])})"
                for f in found
            ]
        elif found:
            actions = sorted(set(found))
            shown = ", ".join(actions[:SHOWN_ACTIONS])
            more = len(actions) - SHOWN_ACTIONS
            tail = f" and {more} more" if more > 0 else ""
            lines.append(f"{category} {logical}: {shown}{tail}")
    return lines


def scan(paths: Sequence[Path]) -> list[Report]:
    """One report per template."""
    try:
        from cloudsplaining.command.scan_policy_file import scan_policy
        from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG
    except ImportError as exc:
        raise ScannerError(
            "cloudsplaining is not installed; run 'make install'"
        ) from exc
    reports = []
    for path in paths:
        found, variants, problem = policies(load(path))
        findings: list[str] = []
        for logical, doc in found:
            results = scan_policy(
                doc, DEFAULT_EXCLUSIONS_CONFIG, flag_conditional_statements=True
            )
            findings += [r for r in risks(logical, results) if r not in findings]
        findings += [problem] if problem else []
        detail = (
            f"{count(len(found), 'policy', 'policies')} as written and in "
            f"{count(variants, 'condition variant')}, {count(len(findings), 'finding')}"
            if found
            else "no identity policies to check"
        )
        reports.append(Report("cloudsplaining", path, findings, detail))
    return reports
