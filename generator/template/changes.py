"""The change matrix: what changing each parameter does to a stack that exists.

Derived from the built template and the resource provider schemas: a parameter
reaches the resources whose properties mention it (directly, or through a
condition built on it); a resource whose reached property is create-only
(`createOnlyProperties`, recorded in create_only_properties.json from the schemas
cfn-lint ships, re-derived by `make actions`) is replaced, and so is every resource
whose create-only property refers to a replaced one; a resource whose Condition is
built on the parameter is created or deleted. A change that reaches the
application stops it first (the stop-before-update resource, template/lifecycle.py).

On top of what the schemas say, the transitions AWS refuses, or that lose access,
are refused before any change set, each with the page or bug report it comes from
and the way out. `plan` and `deploy` read `refusal()` and `effects()`; PARAMETERS.md
and README's update table are written from `matrix()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.template.identity_center import MAPPED, moved, repeated
from generator.template.intrinsics import Conditions, mentions
from generator.template.names import CUSTOMER_MANAGED, P

TABLE = Path(__file__).with_name("create_only_properties.json")
APPLICATION = "AWS::EMRServerless::Application"
STUDIO = "AWS::EMR::Studio"
SESSION_MAPPING = "AWS::EMR::StudioSessionMapping"
# Resource types people care about when they are replaced, in words.
REPLACED_WORDS = {
    STUDIO: "the EMR Studio (workspaces stay with the old Studio, which is deleted; "
    "their files stay in the bucket)",
    APPLICATION: "the application",
    "AWS::EC2::VPC": "the VPC",
    "AWS::S3::Bucket": "the bucket (the old one is kept with its notebooks)",
    "AWS::IAM::Role": "roles",
    "AWS::IAM::User": "IAM users (each gets a new password)",
    "AWS::IAM::ManagedPolicy": "managed policies",
    "AWS::IAM::Group": "groups",
    "AWS::EC2::Subnet": "subnets",
    "AWS::EC2::SecurityGroup": "security groups",
    "AWS::SecretsManager::Secret": "credentials secrets",
    SESSION_MAPPING: "the Identity Center session mappings of the names that change",
}

# What the custom-resource function does with a change the schemas cannot tell.
NOTES = {
    P.ROTATION_TOKEN: "Gives every user a new console password.",
    P.CREATE_ACCESS_KEYS: "Creates, or deletes, each user's access key (kept in "
    "their credentials secret).",
}


class Refused(ValueError):
    """A transition AWS refuses or that loses access; the message is one line:
    what, why, and the way out."""


@cache
def create_only() -> dict[str, frozenset[str]]:
    """Each resource type's create-only top-level properties (recorded table)."""
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    return {kind: frozenset(props) for kind, props in table["types"].items()}


def _conditions_on(template: dict[str, Any], parameter: str) -> set[str]:
    """The conditions whose value depends on the parameter, transitively."""
    conditions = _index(template)[_CONDITIONS]
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, names in conditions.items():
            if name in found:
                continue
            if parameter in names or names & found:
                found.add(name)
                changed = True
    return found


def _index(template: dict[str, Any]) -> dict[str, dict[str, frozenset[str]]]:
    """Each resource's top-level properties with the names each mentions, and
    under _CONDITIONS each condition with the names it mentions, read once per
    template (every parameter's change reads them: 40 ms a build when read per
    parameter, under 2 ms once)."""
    cached = _INDEXED.get(id(template))
    if cached is not None and cached[0] is template:
        return cached[1]
    index = {
        logical: {
            key: frozenset(name for name, _ in mentions(value))
            for key, value in resource.get("Properties", {}).items()
        }
        for logical, resource in template.get("Resources", {}).items()
    }
    index[_CONDITIONS] = {
        name: frozenset(n for n, _ in mentions(body))
        for name, body in template.get("Conditions", {}).items()
    }
    _INDEXED.clear()
    _INDEXED[id(template)] = (template, index)
    return index


_INDEXED: dict[int, tuple[dict[str, Any], dict[str, dict[str, frozenset[str]]]]] = {}
_CONDITIONS = " conditions"  # no logical ID has a space


def _reached(
    template: dict[str, Any], logical: str, names: set[str]
) -> tuple[set[str], bool]:
    """The top-level properties of a resource that mention any of the names, and
    whether its own Condition is one of them."""
    props = {key for key, named in _index(template)[logical].items() if named & names}
    condition = template["Resources"][logical].get("Condition")
    return props, condition in names


@dataclass(frozen=True)
class Change:
    """What changing one parameter does: resources updated in place, replaced,
    created or deleted, and whether the application is stopped first."""

    parameter: str
    updated: tuple[str, ...]
    replaced: tuple[str, ...]
    toggled: tuple[str, ...]
    stops_application: bool
    types: dict[str, str]

    @property
    def nothing(self) -> bool:
        return not (self.updated or self.replaced or self.toggled)

    def words(self) -> str:
        """The change in one or two sentences, for people."""
        if self.nothing and self.parameter not in NOTES:
            return "Changes nothing in AWS."
        parts = []
        replaced = _kinds(self.replaced, self.types)
        if replaced:
            parts.append("Replaces " + _join(replaced) + ".")
        toggled = _kinds(self.toggled, self.types)
        if toggled:
            parts.append("Creates or deletes " + _join(toggled) + ".")
        if (self.updated or self.nothing) and not parts and self.parameter not in NOTES:
            parts.append("Changed in place.")
        if self.parameter in NOTES:
            parts.append(NOTES[self.parameter])
        if self.stops_application:
            parts.append(
                "The application is stopped first, which ends running notebook "
                "sessions."
            )
        return " ".join(parts)


def _kinds(logicals: Iterable[str], types: dict[str, str]) -> list[str]:
    logicals = list(logicals)
    kinds = {types[logical] for logical in logicals}
    seen: list[str] = []
    for logical in logicals:
        if types[logical] == SESSION_MAPPING and STUDIO in kinds:
            continue  # a new Studio gets its mappings anew; said once, as the Studio
        said = REPLACED_WORDS.get(types[logical])
        if said and said not in seen:
            seen.append(said)
    return seen


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def change_of(template: dict[str, Any], parameter: str) -> Change:
    """What changing the parameter does, from the template and the schemas."""
    resources = template.get("Resources", {})
    names = {parameter} | _conditions_on(template, parameter)
    only = create_only()
    types = {logical: res["Type"] for logical, res in resources.items()}
    updated, replaced, toggled = set(), set(), set()
    for logical, res in resources.items():
        if res["Type"].startswith("Custom::"):
            continue  # the lifecycle guards follow the resources they watch
        props, conditional = _reached(template, logical, names)
        if conditional:
            toggled.add(logical)
        if props & only.get(res["Type"], frozenset()):
            replaced.add(logical)
        elif props:
            updated.add(logical)
    grown = True
    while grown:  # a create-only reference to a replaced resource replaces it too
        grown = False
        for logical, res in resources.items():
            if logical in replaced or res["Type"].startswith("Custom::"):
                continue
            props, _ = _reached(template, logical, replaced)
            if props & only.get(res["Type"], frozenset()):
                replaced.add(logical)
                updated.discard(logical)
                grown = True
            elif props:  # another reference takes the new one's ID in place
                updated.add(logical)
    application = {k for k, t in types.items() if t == APPLICATION}
    stops = bool(application & (updated | replaced))
    return Change(
        parameter,
        tuple(sorted(updated)),
        tuple(sorted(replaced)),
        tuple(sorted(toggled - replaced)),
        stops,
        types,
    )


def matrix(template: dict[str, Any]) -> dict[str, Change]:
    """Every parameter's change, by parameter."""
    return {name: change_of(template, name) for name in template.get("Parameters", {})}


# --- what AWS refuses, or what loses access --------------------------------------


@dataclass(frozen=True)
class Rule:
    """A transition refused before any change set, with its source."""

    parameter: str
    when: str  # in words, for PARAMETERS.md
    reason: str
    way_out: str
    source: str


RULES = (
    Rule(
        P.VPC_CIDR,
        "any change while the stack creates the VPC",
        "the VPC would be replaced, but its internet gateway attachment and NAT "
        "gateways are create-only (VpcId) and hold the old VPC, so the update fails "
        "and rolls back",
        "keep VpcCidr; for another range, deploy a new stack (destroy keeps the "
        "notebook bucket, which deploy --adopt-retained takes back)",
        "AWS::EC2::VPCGatewayAttachment and AWS::EC2::NatGateway provider schemas "
        "(createOnlyProperties VpcId); aws-cdk issues 16869 and 18434",
    ),
    Rule(
        P.ENCRYPTION_KEY,
        "customer-managed to service-default or aws-managed",
        "every notebook stays encrypted with the kept key while the users' and the "
        "runtime role's grants on it go, so nobody could read them",
        "keep customer-managed; to leave the key, first copy the notebooks with "
        "SSE-S3 encryption into another bucket",
        "S3 User Guide, 'Using server-side encryption with AWS KMS keys'; KMS "
        "Developer Guide, 'Key policies'",
    ),
    Rule(
        P.NUMBER_OF_AZS,
        "3 to 2 while the stack has an EMR Studio",
        "an EMR Studio's subnets can only grow (UpdateStudio refuses a list that "
        "drops a subnet), so the update fails and rolls back",
        "keep 3; or set CreateStudio to false first (which deletes the Studio), "
        "then change NumberOfAZs",
        "EMR API Reference, UpdateStudio (SubnetIds)",
    ),
    Rule(
        P.EXISTING_SUBNETS,
        "removing a subnet while the stack has an EMR Studio",
        "an EMR Studio's subnets can only grow (UpdateStudio refuses a list that "
        "drops a subnet), so the update fails and rolls back",
        "keep every subnet and add new ones; or set CreateStudio to false first",
        "EMR API Reference, UpdateStudio (SubnetIds)",
    ),
    *(
        Rule(
            mapped.parameter,
            "a name that stays moving to another place, in its list or from "
            "another list",
            "each place is its own session mapping, and CloudFormation creates a "
            "place's new mapping before it deletes the old place's, so the moved "
            "name would be mapped twice and the update fails and rolls back",
            "first update without the names that would move, then with the new list",
            "CloudFormation User Guide, 'Update behaviors of stack resources' "
            "(Replacement); AWS::EMR::StudioSessionMapping provider schema "
            "(createOnlyProperties IdentityName)",
        )
        for mapped in MAPPED
    ),
)


def _holds(template: dict[str, Any], values: dict[str, str], condition: str) -> bool:
    from generator.template.intrinsics import parameter_values

    return Conditions(template, parameter_values(template, **values)).holds(condition)


def refusal(
    template: dict[str, Any], old: dict[str, str], new: dict[str, str]
) -> Refused | None:
    """Why AWS would refuse, or access would be lost by, going from the deployed
    values to the new ones; None when the transition is allowed."""
    from generator.template.names import C

    def changed(name: str) -> bool:
        masked = "****" in (old.get(name), new.get(name))  # NoEcho values
        return name in old and name in new and old[name] != new[name] and not masked

    def rule(parameter: str) -> Refused:
        found = next(r for r in RULES if r.parameter == parameter)
        return Refused(
            f"{parameter} {old[parameter]!r} to {new[parameter]!r} is refused: "
            f"{found.reason}; {found.way_out}"
        )

    if not {C.CREATE_STUDIO, C.CREATE_VPC} <= set(template.get("Conditions", {})):
        return None  # not the environment template
    studio = _holds(template, old, C.CREATE_STUDIO)
    if changed(P.VPC_CIDR) and _holds(template, old, C.CREATE_VPC):
        return rule(P.VPC_CIDR)
    if (
        changed(P.ENCRYPTION_KEY)
        and old[P.ENCRYPTION_KEY] == CUSTOMER_MANAGED
        and new[P.ENCRYPTION_KEY] != CUSTOMER_MANAGED
    ):
        return rule(P.ENCRYPTION_KEY)
    fewer = changed(P.NUMBER_OF_AZS) and int(new[P.NUMBER_OF_AZS]) < int(
        old[P.NUMBER_OF_AZS]
    )
    if fewer and studio and _holds(template, old, C.CREATE_VPC):
        return rule(P.NUMBER_OF_AZS)
    twice = repeated(new)
    if twice:
        return Refused(f"refused: {twice}")
    same_studio = not changed(P.IDC_INSTANCE) and _holds(
        template, old, C.IDENTITY_CENTER
    )
    into = moved(old, new) if same_studio else None
    if into is not None and into in old and into in new:
        return rule(into)
    if changed(P.EXISTING_SUBNETS) and studio:
        before = {s.strip() for s in old[P.EXISTING_SUBNETS].split(",") if s.strip()}
        after = {s.strip() for s in new[P.EXISTING_SUBNETS].split(",") if s.strip()}
        if before - after:
            return rule(P.EXISTING_SUBNETS)
    return None


def _only_through_conditions(template: dict[str, Any], name: str) -> bool:
    """Whether no resource property names the parameter itself (it acts only
    through the conditions built on it)."""
    return not any(
        name in {n for n, _ in mentions(res.get("Properties", {}))}
        for res in template.get("Resources", {}).values()
    )


def _flips(
    template: dict[str, Any], name: str, old: dict[str, str], new: dict[str, str]
) -> bool:
    """Whether any condition built on the parameter changes value."""
    from generator.template.intrinsics import parameter_values

    before = Conditions(template, parameter_values(template, **old))
    after = Conditions(template, parameter_values(template, **new))
    return any(
        before.holds(c) != after.holds(c) for c in _conditions_on(template, name)
    )


def effects(
    template: dict[str, Any], old: dict[str, str], new: dict[str, str]
) -> list[str]:
    """What the transition does, one sentence per changed parameter."""
    table = matrix(template)
    found = []
    for name in sorted(new):
        if name not in old or name not in table or old[name] == new[name]:
            continue
        said = table[name].words()
        if _only_through_conditions(template, name) and not _flips(
            template, name, {**old}, {**new}
        ):
            said = "Changes nothing in AWS."
        found.append(f"{name} {old[name]!r} to {new[name]!r}: {said}")
    return found


def markdown_table(template: dict[str, Any]) -> str:
    """README's update table: each parameter and what changing it does."""
    table = matrix(template)
    lines = ["| parameter | what a change does |", "|---|---|"]
    for name, change in table.items():
        said = change.words()
        for found in (r for r in RULES if r.parameter == name):
            said += f" Refused: {found.when} ({found.reason})."
        lines.append(f"| `{name}` | {said} |")
    return "\n".join(lines) + "\n"


# --- the recorded table -----------------------------------------------------------


def derive_table(resource_types: Iterable[str]) -> dict[str, Any]:
    """createOnlyProperties (top level) of each type, from cfn-lint's schemas."""
    from generator.template import provisioning as schemas

    index = schemas._provider_index()
    types = {}
    for kind in sorted(set(resource_types)):
        if kind.startswith("Custom::"):
            continue
        path = schemas._cfnlint_data() / "schemas" / "resources" / f"{index[kind]}.json"
        schema = json.loads(path.read_text())
        props = {
            p.removeprefix("/properties/").split("/")[0]
            for p in schema.get("createOnlyProperties", [])
        }
        types[kind] = sorted(props)
    import cfnlint.version

    return {"source": f"cfn-lint {cfnlint.version.__version__}", "types": types}


def main() -> int:
    """Rewrite the table from the installed cfn-lint (`make actions`)."""
    import sys

    from generator.template.provisioning import environment_types
    from generator.template.render import write_atomic

    table = derive_table(environment_types())
    write_atomic(TABLE, json.dumps(table, indent=1) + "\n")
    print(f"wrote {TABLE.name} from {table['source']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
