"""A template's condition variants: parameter values that, together, take both
branches of every condition, each rendered as AWS deploys it. checkov returns no
result for its IAM checks on a policy whose Statement holds Fn::If, and a policy
resolved as written reads each Fn::If as its longer branch, so checkov and
cloudsplaining read these renderings as well as the template."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.scenarios import GATES, used_by
from generator.template.intrinsics import Conditions, parameter_values, render

# The cases people deploy, from the one table of scenarios, first; a template
# without one of these parameters skips that case.
NAMED = used_by(GATES)
# A value for a free-text parameter that a condition compares, with the values
# that must come with it (Rules refuse subnets without their VPC and the reverse).
SAMPLES = {
    name: {k: v for k, v in NAMED["existing VPC, Livy, no Studio"].items()
           if k.startswith("Existing")}
    for name in ("ExistingVpcId", "ExistingPrivateSubnetIds")
} | {
    "AdminRoleNames": {"AdminRoleNames": "platform-admins"},
    "DeveloperRoleNames": {"DeveloperRoleNames": "data-developers,analysts"},
    "BucketName": {"BucketName": "example-notebooks"},
    "GlueDatabases": {"GlueDatabases": "sales,raw_events,ml,finance"},
    "PermissionsBoundary": {
        "PermissionsBoundary": "arn:aws:iam::111122223333:policy/emrs-boundary"
    },
    "FederatedRoleNamePattern": {"FederatedRoleNamePattern": "data-*"},
} | {
    name: NAMED["IAM Identity Center"]
    for name in NAMED["IAM Identity Center"]
    if name.startswith("IdentityCenter")
} | {
    f"PrincipalArn{n}": {f"PrincipalArn{n}": "arn:aws:iam::111122223333:role/Teams"}
    for n in (1, 2, 3)
}  # fmt: skip
MAX_CHANGES = 3  # parameters changed from one variant to reach a missing branch


@dataclass(frozen=True)
class Variant:
    """Parameter values, by name, and the template rendered for them."""

    name: str
    values: dict[str, str]
    template: dict[str, Any]


def branches(template: dict[str, Any], values: dict[str, str]) -> set[tuple]:
    """(condition, holds) of every condition of the template for these values."""
    conditions = Conditions(template, _with_defaults(template, values))
    return {(name, conditions.holds(name)) for name in template.get("Conditions", {})}


def variants(template: dict[str, Any]) -> list[Variant]:
    """The named variants that fit the template, then, while a condition branch is
    missing, the variant a few parameter changes away that reaches the most missing
    branches; none for a template without conditions."""
    if not template.get("Conditions"):
        return []
    names = set(template.get("Parameters", {}))
    chosen = {n: v for n, v in NAMED.items() if set(v) <= names}
    reached = set().union(*(branches(template, v) for v in chosen.values()))
    wanted = {(c, b) for c in template["Conditions"] for b in (True, False)}
    while wanted - reached:
        found = _nearest(template, chosen, wanted - reached)
        if found is None:
            break  # a branch no value reaches: cfn-lint's business, not ours
        name, values, gain = found
        chosen[name] = values
        reached |= gain
    return [Variant(n, v, render(template, v)) for n, v in chosen.items()]


def _nearest(
    template: dict[str, Any], chosen: dict[str, dict], missing: set[tuple]
) -> tuple[str, dict, set] | None:
    """The fewest changes to one chosen variant that reach missing branches, the
    most of them, then grown one change at a time while that reaches more; None
    when no change reaches any."""
    options = _options(template)
    for size in range(1, MAX_CHANGES + 1):
        best: tuple[dict, dict, set] | None = None
        for values in chosen.values():
            for changes in _changes(options, values, size):
                gain = branches(template, values | changes) & missing
                if gain and (best is None or len(gain) > len(best[2])):
                    best = (values, changes, gain)
        if best is not None:
            break
    else:
        return None
    values, changes, gain = best
    grown = True
    while grown:
        grown = False
        for more in _changes(options, values | changes, 1):
            more_gain = branches(template, values | changes | more) & missing
            if more_gain > gain:
                changes, gain, grown = changes | more, more_gain, True
    base = next(n for n, v in chosen.items() if v is values)
    said = ", ".join(f"{k}={v}" for k, v in changes.items())
    return f"{base} + {said}", values | changes, gain


def _changes(
    options: dict[str, list[dict]], values: dict[str, str], size: int
) -> Iterator[dict[str, str]]:
    for names in itertools.combinations(options, size):
        for picks in itertools.product(*(options[n] for n in names)):
            changes: dict[str, str] = {}
            for pick in picks:
                changes |= pick
            if any(values.get(k) != v for k, v in changes.items()):
                yield changes


def _options(template: dict[str, Any]) -> dict[str, list[dict]]:
    """The values worth trying for each parameter a condition reads: its allowed
    values, or its default and a sample (with the values that come with it)."""
    parameters = template.get("Parameters", {})
    options = {}
    for name in sorted(_refs(template.get("Conditions", {})) & set(parameters)):
        spec = parameters[name]
        if "AllowedValues" in spec:
            options[name] = [{name: str(v)} for v in spec["AllowedValues"]]
        else:
            default = str(spec.get("Default", ""))
            sample = SAMPLES.get(name, {name: "" if default else "example"})
            options[name] = [{name: default}, sample]
    return options


def _refs(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*map(_refs, value)) if value else set()
    if isinstance(value, dict):
        found = {value["Ref"]} if isinstance(value.get("Ref"), str) else set()
        return found.union(*map(_refs, value.values()))
    return set()


def _with_defaults(template: dict[str, Any], values: dict[str, str]) -> dict:
    return parameter_values(template, **values)


def covered(template: dict[str, Any], found: Iterable[Variant]) -> set[tuple]:
    """The condition branches the variants reach."""
    return set().union(*(branches(template, v.values) for v in found))
