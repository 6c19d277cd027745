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
and docs/updating.md's update table are written from `matrix()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from troposphere import If, Join, Ref, Sub

from generator.template import names
from generator.template.identity_center import MAPPED, repeated
from generator.template.intrinsics import Conditions, mentions
from generator.template.names import CUSTOMER_MANAGED, GLUE_SLOTS, C, P
from generator.template.parameters import STUDIO_MAX_SUBNETS, called

TABLE = Path(__file__).with_name("create_only_properties.json")
APPLICATION = "AWS::EMRServerless::Application"
STUDIO = "AWS::EMR::Studio"
SESSION_MAPPING = "AWS::EMR::StudioSessionMapping"


# Resource types people care about when they are replaced, in words.
@cache
def replaced_words() -> dict[str, str]:
    """How the matrix names each resource type an update replaces: what the
    modules that add them declare (REPLACED, generator.template.placement)."""
    from generator.template.composer import MODULES  # the composer imports this

    return {
        kind: words for module in MODULES for kind, words in module.REPLACED.items()
    }


# What the custom-resource function does with a change the schemas cannot tell.
NOTES = {
    P.ROTATION_TOKEN: "Gives every user a new console password.",
    P.MONTHLY_BUDGET: "Creates, replaces or deletes the stack's cost budget (the "
    "month's spend is counted anew from billing data).",
    P.BUDGET_EMAIL: "Replaces the cost budget, with its alerts to the new address.",
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
        for name, named in conditions.items():
            if name in found:
                continue
            if parameter in named or named & found:
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
        said = replaced_words().get(types[logical])
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
    """A transition refused on every path, with its source. The template's change
    guard carries it as a check: a test of the custom-resource function
    (custom_resources/stack_function.py, `refuses`) applied to a value and a scope
    that the template computes from the parameters."""

    name: str  # the check's name in the guard's properties
    parameters: tuple[str, ...]  # the parameters whose change it refuses
    when: str  # in words, for people: what is refused
    reason: str
    way_out: str
    source: str
    test: str  # changed | dropped | shrinks | moved
    value: Any  # what the test compares, "" where nothing is guarded
    scope: Any = ""  # compared only while this stays the same
    limit: str = ""  # "fits": how many items the list may hold, LOW-HIGH

    def refusal(self) -> str:
        """The one-line refusal: what, why, and the way out."""
        return f"{self.when} is refused: {self.reason}; {self.way_out}"


def _studio_scope() -> Join:
    """What replaces the EMR Studio when it changes (its create-only VpcId,
    ServiceRole, IdcInstanceArn and EncryptionKeyArn): a replaced Studio is not
    updated, so what only UpdateStudio refuses is not refused then."""
    return Join(
        "|",
        [
            If(C.CREATE_VPC, "new", Ref(P.EXISTING_VPC)),
            names.iam_name(names.STUDIO_ROLE),
            If(C.IDENTITY_CENTER, Ref(P.IDC_INSTANCE), ""),
            If(C.CMK, CUSTOMER_MANAGED, ""),
        ],
    )


def _with_studio(value: Any) -> If:
    return If(C.CREATE_STUDIO, value, "")


def _bucket_value() -> If:
    """The bucket's name as the parameters choose it (the account, region and
    stack parts never change within a stack)."""
    prefix = f"${{{P.NAME_PREFIX}}}"
    return If(
        C.DEFAULT_BUCKET_NAME,
        If(
            C.UNIQUE_BUCKET_NAME,
            Sub(prefix + names.UNIQUE_BUCKET_BASE),
            Sub(prefix + names.BUCKET_BASE),
        ),
        Ref(P.BUCKET_NAME),
    )


def _identities_value() -> If:
    """Each Identity Center list as 'TYPE:name,name', joined by '|' in MAPPED's
    order, the places of the session mappings."""
    lists = [
        Join("", [f"{m.identity_type}:", Join(",", Ref(m.parameter))]) for m in MAPPED
    ]
    return If(C.IDENTITY_CENTER, Join("|", lists), "")


SUBNETS_ONLY_GROW = (
    "an EMR Studio's subnets can only grow (UpdateStudio refuses a list that "
    "drops a subnet), so the update would fail"
)
UPDATE_STUDIO = "EMR API Reference, UpdateStudio (SubnetIds)"

RULES = (
    Rule(
        P.VPC_CIDR,
        (P.VPC_CIDR,),
        f"Changing {called(P.VPC_CIDR)} while the stack creates the VPC",
        "the VPC would be replaced, but its internet gateway attachment and NAT "
        "gateways are create-only (VpcId) and hold the old VPC, so the update "
        "would fail",
        "keep the CIDR block; for another range, deploy a new stack (destroy keeps the "
        "notebook bucket, which deploy --adopt-retained takes back)",
        "AWS::EC2::VPCGatewayAttachment and AWS::EC2::NatGateway provider schemas "
        "(createOnlyProperties VpcId); aws-cdk issues 16869 and 18434",
        "changed",
        If(C.CREATE_VPC, Ref(P.VPC_CIDR), ""),
    ),
    Rule(
        P.ENCRYPTION_KEY,
        (P.ENCRYPTION_KEY,),
        f"Changing {called(P.ENCRYPTION_KEY)} from customer-managed to another value",
        "every notebook stays encrypted with the kept key while the users' and the "
        "runtime role's grants on it go, so nobody could read them",
        "keep customer-managed; to leave the key, first copy the notebooks with "
        "SSE-S3 encryption into another bucket",
        "S3 User Guide, 'Using server-side encryption with AWS KMS keys'; KMS "
        "Developer Guide, 'Key policies'",
        "dropped",
        If(C.CMK, CUSTOMER_MANAGED, ""),
    ),
    Rule(
        "NotebookBucket",
        (P.BUCKET_NAME, P.UNIQUE_BUCKET_NAME, P.NAME_PREFIX),
        f"Renaming the notebook bucket ({called(P.BUCKET_NAME)}, "
        f"{called(P.UNIQUE_BUCKET_NAME)}, or {called(P.NAME_PREFIX)} with the "
        "default bucket name) while there is an EMR Studio",
        "the workspaces keep their files in the old bucket, which is kept, while "
        "the Studio, the roles and the users' policies move to a new, empty one",
        "keep the bucket's name; to move the notebooks, deploy a new stack with "
        "the new name and copy them over with 'aws s3 sync'",
        "EMR Management Guide, 'Create an EMR Studio' (the workspace storage "
        "location is the Studio's DefaultS3Location)",
        "changed",
        _with_studio(_bucket_value()),
    ),
    Rule(
        P.NUMBER_OF_AZS,
        (P.NUMBER_OF_AZS,),
        f"Lowering {called(P.NUMBER_OF_AZS)} while there is an EMR Studio in the "
        "VPC the stack creates",
        SUBNETS_ONLY_GROW,
        "keep 3; or set Create EMR Studio (CreateStudio) to false first (which "
        "deletes the Studio), then lower the number",
        UPDATE_STUDIO,
        "shrinks",
        _with_studio(If(C.CREATE_VPC, If(C.THREE_AZS, "1,2,3", "1,2"), "")),
        _studio_scope(),
    ),
    Rule(
        P.EXISTING_SUBNETS,
        (P.EXISTING_SUBNETS,),
        f"Removing a subnet from {called(P.EXISTING_SUBNETS)} while there is an "
        "EMR Studio",
        SUBNETS_ONLY_GROW,
        "keep every subnet and add new ones; or set Create EMR Studio "
        "(CreateStudio) to false first",
        UPDATE_STUDIO,
        "shrinks",
        _with_studio(If(C.CREATE_VPC, "", Join(",", Ref(P.EXISTING_SUBNETS)))),
        _studio_scope(),
    ),
    Rule(
        "IdentityCenterNames",
        tuple(m.parameter for m in MAPPED),
        "Moving an Identity Center name to another place (in its list or to "
        "another list) while the Studio stays",
        "each place is its own session mapping, and CloudFormation creates a "
        "place's new mapping before it deletes the old place's, so the moved "
        "name would be mapped twice and the update would fail",
        "first update without the names that would move, then with the new list",
        "CloudFormation User Guide, 'Update behaviors of stack resources' "
        "(Replacement); AWS::EMR::StudioSessionMapping provider schema "
        "(createOnlyProperties IdentityName)",
        "moved",
        _identities_value(),
        _studio_scope(),
    ),
)


def _fits(parameter: str, low: int, high: int, noun: str, reason: str) -> Rule:
    """A list that must hold low to high items when used: CloudFormation Rules
    cannot count list items, so the guard counts them on create and update."""
    from generator.words import count

    what = (
        f"fewer than {low} or more than {high} {noun}s"
        if low > 1
        else f"more than {count(high, noun)}"
    )
    return Rule(
        f"{parameter}Fit",
        (parameter,),
        f"Listing {what} in {called(parameter)}",
        reason,
        f"list {low} to {high}" if low > 1 else f"list at most {high}",
        "CloudFormation User Guide, 'Rules' (no function counts list items)",
        "fits",
        Join(",", Ref(parameter)),
        limit=f"{low}-{high}",
    )


LIMITS = (
    _fits(
        P.EXISTING_SUBNETS, 2, STUDIO_MAX_SUBNETS, "subnet",
        "EMR Studio takes at most five subnets (EMR API Reference, a Studio's "
        "SubnetIds), "
        "and one subnet leaves no second AZ",
    ),
    _fits(
        P.GLUE_DATABASES, 1, GLUE_SLOTS, "database",
        "the runtime role's policy has a place for each, since IAM takes one ARN "
        "per database",
    ),
    *(
        _fits(
            m.parameter, 1, m.slots, "name",
            f"the list has {m.slots} place{'s' if m.slots > 1 else ''}, each a "
            "session mapping, so a name past them would map nobody",
        )
        for m in MAPPED
    ),
)  # fmt: skip


def guard_checks() -> dict[str, dict[str, Any]]:
    """The change guard's Checks property: every rule as the function reads it."""
    return {
        rule.name: {
            "Test": rule.test,
            "Scope": rule.scope,
            "Value": rule.value,
            "Refusal": rule.refusal(),
            **({"Limit": rule.limit} if rule.limit else {}),
        }
        for rule in (*RULES, *LIMITS)
    }


def refusal(
    template: dict[str, Any], old: dict[str, str], new: dict[str, str]
) -> Refused | None:
    """Why going from the deployed values to the new ones is refused, or None: the
    template's change guard judged here as the function judges it in AWS, plus
    names given twice (which no update can take)."""
    from custom_resources.stack_function import judge
    from generator.template.intrinsics import parameter_values
    from generator.template.names import R

    twice = repeated(new)
    if twice:
        return Refused(f"refused: {twice}")
    guard = template.get("Resources", {}).get(R.CHANGE_GUARD)
    if guard is None:
        return None  # not the environment template
    before = Conditions(template, parameter_values(template, **old))
    after = Conditions(template, parameter_values(template, **new))
    if not (before.present(R.CHANGE_GUARD) and after.present(R.CHANGE_GUARD)):
        return None
    checks = guard["Properties"]["Checks"]
    found = judge(before.resolve(checks), after.resolve(checks))
    return None if found is None else Refused(found)


def transition(
    template: dict[str, Any], name: str, old: dict[str, str], new: dict[str, str]
) -> Change:
    """What changing one parameter from the old values to the new ones does: the
    matrix's change, kept to the resources whose condition flips, whose
    create-only properties resolve differently (or refer to a replaced resource),
    or whose other properties do. Adding a subnet to a list keeps a Studio, whose
    SubnetIds are not create-only."""
    from dataclasses import replace

    from generator.template.intrinsics import parameter_values

    change = change_of(template, name)
    before = Conditions(template, parameter_values(template, **old))
    after = Conditions(template, parameter_values(template, **new))
    resources, only = template.get("Resources", {}), create_only()

    def differs(value: Any, replaced: set[str]) -> bool:
        referred = {n for n, _ in mentions(value)} & replaced
        return bool(referred) or before.resolve(value) != after.resolve(value)

    both = {
        logical
        for logical in {*change.updated, *change.replaced}
        if before.present(logical) and after.present(logical)
    }
    replaced: set[str] = set()
    grown = True
    while grown:
        grown = False
        for logical in sorted(both & set(change.replaced) - replaced):
            props = resources[logical].get("Properties", {})
            keys = only.get(resources[logical]["Type"], frozenset()) & set(props)
            if any(differs(props[key], replaced) for key in keys):
                replaced.add(logical)
                grown = True
    updated = {
        logical
        for logical in both - replaced
        if differs(resources[logical].get("Properties", {}), replaced)
    }
    toggled = [x for x in change.toggled if before.present(x) != after.present(x)]
    application = {k for k, t in change.types.items() if t == APPLICATION}
    return replace(
        change,
        updated=tuple(sorted(updated)),
        replaced=tuple(sorted(replaced)),
        toggled=tuple(toggled),
        stops_application=bool(application & (updated | replaced)),
    )


def effects(
    template: dict[str, Any], old: dict[str, str], new: dict[str, str]
) -> list[str]:
    """What the transition does, one sentence per changed parameter."""
    found = []
    parameters = template.get("Parameters", {})
    for name in sorted(new):
        if name not in old or name not in parameters or old[name] == new[name]:
            continue
        said = transition(template, name, old, old | {name: new[name]}).words()
        found.append(f"{name} {old[name]!r} to {new[name]!r}: {said}")
    return found


def markdown_table(template: dict[str, Any]) -> str:
    """docs/updating.md's update table: each parameter and what a change does."""
    table = matrix(template)
    lines = ["| parameter | what a change does |", "|---|---|"]
    for name, change in table.items():
        said = change.words()
        for found in (r for r in RULES if name in r.parameters):
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
