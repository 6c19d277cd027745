"""`emrs-env plan`: a change set, computed and printed, kept for review."""

from __future__ import annotations

import json
from typing import Any

from generator.aws.deploy import Deployment
from generator.aws.stack import change_rows, format_changes, warnings

# --detailed-exitcode, as terraform plan has it: 2 when the plan changes something.
EXIT_CHANGES = 2


def plan(
    deployment: Deployment, include_values: bool, as_json: bool, detailed: bool = False
) -> int:
    """Create the change set without executing it; print it and how to apply it.
    Exit 0; with `detailed`, 2 when there are changes."""
    prepared = deployment.prepare(include_values=include_values)
    name = deployment.name
    rows = change_rows(prepared.change_set) if prepared else []
    found = warnings(rows)
    apply = (
        deployment.aws.command("deploy", "--change-set", prepared.name)
        if prepared
        else ""
    )
    if as_json:
        report: dict[str, Any] = {
            "StackName": name,
            "ChangeSetName": prepared.name if prepared else None,
            "Action": prepared.kind if prepared else None,
            "Changes": [
                {
                    "Action": row.action,
                    "LogicalResourceId": row.logical_id,
                    "ResourceType": row.resource_type,
                    "Replacement": row.replacement,
                    "Paths": row.paths,
                    "Verb": row.verb,
                }
                for row in rows
            ],
            "Warnings": found,
            "Apply": apply or None,
        }
        deployment.say(json.dumps(report, indent=2))
        return EXIT_CHANGES if detailed and prepared else 0
    if prepared is None:
        deployment.say(f"No changes: stack {name} is up to date.")
        return 0
    deployment.say(
        f"Plan to {prepared.kind.lower()} stack {name}: change set {prepared.name}"
    )
    deployment.say(format_changes(rows, paths=True))
    for warning in found:
        deployment.say(f"warning: {warning}")
    deployment.say(f"The change set is kept. Apply exactly this plan with:\n  {apply}")
    if prepared.kind == "CREATE":
        deployment.say(
            f"(Until then stack {name} waits in REVIEW_IN_PROGRESS; deleting it "
            "discards the plan.)"
        )
    return EXIT_CHANGES if detailed else 0
