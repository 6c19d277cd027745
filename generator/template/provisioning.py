"""What cfn-lint's bundled copies of AWS data say about IAM and resource types.

CloudFormation's resource provider schemas list, per handler, the IAM actions that
creating, updating and deleting a type needs; IAM's own action list (cfn-lint's
AdditionalSpecs/Policies.json) tells which of those names IAM still knows, and to
which resource types (and ARN formats) IAM scopes each of them. Reading them takes
a few dozen JSON files, so the build reads the table derived from them,
generator/template/provisioning_actions.json, which `make actions` refreshes and a test
keeps equal to a fresh derivation from the pinned cfn-lint.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

HANDLERS = ("create", "update", "delete", "read")
TABLE = Path(__file__).with_name("provisioning_actions.json")


@cache
def _cfnlint_data() -> Path:
    """cfn-lint's data folder, found without importing cfn-lint (slow to import)."""
    import importlib.util

    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise RuntimeError("cfn-lint is not installed; run 'make install'")
    return Path(spec.origin).parent / "data"


@cache
def _provider_index() -> dict[str, str]:
    providers = _cfnlint_data() / "schemas" / "providers" / "us-east-1.json"
    return json.loads(providers.read_text())


def type_permissions(resource_type: str) -> set[str]:
    """IAM actions CloudFormation needs to create, update and delete one type."""
    if resource_type.startswith("Custom::"):
        return set()
    index = _provider_index()
    if resource_type not in index:
        raise KeyError(f"no provider schema for {resource_type}")
    path = _cfnlint_data() / "schemas" / "resources" / f"{index[resource_type]}.json"
    schema = json.loads(path.read_text())
    handlers = schema.get("handlers", {})
    return {a for h in HANDLERS for a in handlers.get(h, {}).get("permissions", [])}


@cache
def _policies() -> dict[str, Any]:
    """cfn-lint's copy of the Service Authorization Reference, by service prefix."""
    return json.loads(
        (_cfnlint_data() / "AdditionalSpecs" / "Policies.json").read_text()
    )


@cache
def _iam_actions() -> dict[str, set[str]]:
    """IAM's action names by service prefix, lowercase (cfn-lint's copy)."""
    return {prefix: set(spec["Actions"]) for prefix, spec in _policies().items()}


def resource_types(action: str) -> list[str]:
    """The resource types IAM scopes an action to; none means Resource "*"."""
    prefix, _, name = action.partition(":")
    spec = _policies().get(prefix.lower(), {}).get("Actions", {}).get(name.lower())
    return sorted((spec or {}).get("Resources", []))


def arn_formats(prefix: str, resource_type: str) -> list[str]:
    """ARN formats of one resource type, with IAM's wildcard instead of regexes:
    every resource of that type in the account (and region, where ARNs have one)."""
    resources = _policies()[prefix.lower()].get("Resources", {})
    spec = next(v for k, v in resources.items() if k.lower() == resource_type.lower())
    return [
        f.replace(".*", "*").replace("${AccountId}", "${Account}")
        for f in spec["ARNFormats"]
    ]


def known_prefix(prefix: str) -> bool:
    """True when IAM knows the service prefix (cfn-lint's copy)."""
    return prefix.lower() in _iam_actions()


def is_iam_action(action: str) -> bool:
    """True when IAM knows the action (schemas still list a few retired names)."""
    prefix, _, name = action.partition(":")
    known = _iam_actions().get(prefix.lower(), set())
    if "*" in name:
        pattern = name.lower().replace("*", ".*")
        return any(re.fullmatch(pattern, k) for k in known)
    return name.lower() in known


def derive_table(cfn_types: Iterable[str]) -> dict[str, Any]:
    """The table of each type's provisioning actions that IAM knows, sorted, with
    the resource types and ARN formats IAM scopes those actions to."""
    from importlib.metadata import version as installed

    version = installed("cfn-lint")
    types = {
        t: sorted(a for a in type_permissions(t) if is_iam_action(a))
        for t in sorted(set(cfn_types))
        if not t.startswith("Custom::")
    }
    actions = sorted({a for found in types.values() for a in found})
    scopes = {a: resource_types(a) for a in actions}
    formats = {
        f"{a.partition(':')[0]}:{t}": arn_formats(a.partition(":")[0], t)
        for a, found in scopes.items()
        for t in found
    }
    return {
        "source": f"cfn-lint {version}: data/schemas/resources (handlers "
        f"{', '.join(HANDLERS)}), filtered by data/AdditionalSpecs/Policies.json",
        "refresh": "make actions",
        "types": types,
        # The resource types IAM scopes each action to ([]: only Resource "*"), and
        # each type's ARN formats (data/AdditionalSpecs/Policies.json).
        "resource_types": scopes,
        "arn_formats": dict(sorted(formats.items())),
    }


def table_text(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=1) + "\n"


def environment_types() -> list[str]:
    """The resource types of the environment template (the same for any config)."""
    from generator.template.composer import build_template
    from generator.template.config import Options

    resources = build_template(Options()).to_dict()["Resources"]
    return sorted({r["Type"] for r in resources.values()})


def main() -> int:
    """Rewrite the table from the installed cfn-lint (`make actions`)."""
    from generator.template.render import write_atomic

    write_atomic(TABLE, table_text(derive_table(environment_types())))
    print(f"wrote {TABLE.name} from {derive_table([])['source']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
