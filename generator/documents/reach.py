"""What the people's and the runtime role's policies still reach beyond this stack.

Read from the built template: every Allow statement of the administrator, developer
and runtime policies whose resources are not named by this stack (a bare "*", or a
pattern over every resource of a type in the account and region). docs/template.md
shows the table; a test keeps it equal to the template.
"""

from __future__ import annotations

import re
from typing import Any

POLICIES = {
    "AdminPolicy": "administrator",
    "DeveloperPolicy": "developer",
    "RuntimePolicy": "runtime role",
}
# A pattern over every resource of a type: an ARN whose resource part is a type
# followed only by a wildcard (studio/*, /applications/*, secret:emrs/*, ...).
EVERY = re.compile(r":(?:[\w:/${}.*-]*?/)?\*$|^\*$|:\*\.[\w.]+(/\*)?$")
WHY = {
    "*": "IAM takes no resource for these actions (List*, Describe*, Get* of "
    "account settings), or the guide grants them account-wide",
    "condition": "every resource of the type, narrowed only by the statement's "
    "condition on {keys}",
    "samples": "AWS's public sample data, read only",
    "pattern": "every resource of the type in the account and region, as the "
    "guide grants it; no tag condition narrows it yet",
    "job runs": "a job run carries its own tags, not its application's (EMR "
    "Serverless User Guide, 'Tagging your resources'), so no tag of the stack "
    "can narrow it",
    "workspaces": "EMR Studio creates workspaces without the stack's tags, and "
    "these statements mix Studio and workspace actions as the guide does",
}
SAMPLE_BUCKETS = ("elasticmapreduce", "athena-examples")


def _why(statement: dict[str, Any], wide: list[str]) -> str:
    if wide == ["*"] and not statement.get("Condition"):
        return WHY["*"]
    if all(":s3:::" in w and any(b in w for b in SAMPLE_BUCKETS) for w in wide):
        return WHY["samples"]
    if all("/jobruns/" in w for w in wide):
        return WHY["job runs"]
    if any(":elasticmapreduce:" in w and "editor/" in w for w in wide):
        return WHY["workspaces"]
    condition = statement.get("Condition")
    if condition:
        keys = sorted({k for test in condition.values() for k in test})
        return WHY["condition"].format(keys=", ".join(keys))
    return WHY["pattern"]


def _statements(document: Any) -> list[dict[str, Any]]:
    from generator.template.policies import statements_of

    return [s for s in statements_of(document) if s["Effect"] == "Allow" and "Sid" in s]


def _text(resource: Any) -> str:
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return resource if isinstance(resource, str) else ""


def beyond(template: dict[str, Any]) -> list[tuple[str, str, int, str, str]]:
    """(policy, Sid, number of actions, resources, why) of each statement that
    reaches beyond the stack."""
    rows = []
    for logical, who in POLICIES.items():
        resource = template.get("Resources", {}).get(logical)
        if resource is None:
            continue
        for statement in _statements(resource["Properties"]["PolicyDocument"]):
            resources = statement.get("Resource", [])
            resources = resources if isinstance(resources, list) else [resources]
            wide = [_text(r) for r in resources if EVERY.search(_text(r))]
            if not wide:
                continue
            actions = statement.get("Action", [])
            count = len(actions) if isinstance(actions, list) else 1
            shown = ", ".join(sorted({w.rsplit(":", 1)[-1] or "*" for w in wide}))
            rows.append((who, statement["Sid"], count, shown, _why(statement, wide)))
    return rows


def markdown_table(template: dict[str, Any]) -> str:
    """docs/template.md's table of what reaches beyond the stack."""
    lines = [
        "| policy | statement | actions | resources | why |",
        "|---|---|---|---|---|",
    ]
    for who, sid, count, shown, why in beyond(template):
        lines.append(f"| {who} | `{sid}` | {count} | `{shown}` | {why} |")
    return "\n".join(lines) + "\n"
