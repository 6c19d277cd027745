"""The import template: the retained resources of the environment template, alone.

Deleting the stack keeps the notebook bucket, its TLS-only policy and the
customer-managed key (DeletionPolicy Retain). A new stack takes them over through
CloudFormation's resource import ("Importing AWS resources into a CloudFormation stack",
CloudFormation User Guide): an IMPORT change set whose template holds only the
resources to import, each with a DeletionPolicy, and no other change; then an update
with the whole environment template. The import template is derived from the
environment template, so the two never drift: same logical IDs, same properties,
except what refers to resources that do not exist yet (the key policy's statements
for the stack's roles, the bucket's tag naming the change guard), which the
following update restores.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from generator.template.intrinsics import mentions
from generator.template.names import R

ADOPTABLE = (R.BUCKET, R.BUCKET_POLICY, R.KEY)
PSEUDO = re.compile(r"AWS::")


def references(value: Any) -> set[str]:
    """Names a value refers to: Ref, Fn::GetAtt, Fn::Sub and Fn::If conditions."""
    return {name for name, _ in mentions(value) if not PSEUDO.match(name)}


def _only_known(statements: list, known: set[str]) -> list:
    return [s for s in statements if references(s) <= known]


def import_template(
    full: dict[str, Any], without: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The import template for the adoptable resources of a built template, less
    those `without` names (a bucket kept by an earlier version has no policy)."""
    resources = {
        k: copy.deepcopy(full["Resources"][k]) for k in ADOPTABLE if k not in without
    }
    parameters, conditions = full.get("Parameters", {}), full.get("Conditions", {})
    known = set(resources) | set(parameters) | set(conditions)
    key = resources[R.KEY]["Properties"]
    key["KeyPolicy"]["Statement"] = _only_known(key["KeyPolicy"]["Statement"], known)
    bucket = resources[R.BUCKET]["Properties"]
    bucket["Tags"] = _only_known(bucket["Tags"], known)  # not the change guard's
    for logical, resource in resources.items():
        outside = references(resource) - known
        if outside:
            raise ValueError(
                f"{logical} refers to {sorted(outside)}; it cannot be imported"
            )
    needed_conditions: set[str] = set()
    pending = {r["Condition"] for r in resources.values() if "Condition" in r}
    pending |= references(list(resources.values())) & set(conditions)
    while pending:
        name = pending.pop()
        needed_conditions.add(name)
        pending |= (references(conditions[name]) & set(conditions)) - needed_conditions
    used = references(
        [list(resources.values()), [conditions[c] for c in needed_conditions]]
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "emrs-env: import the notebook bucket and key a deleted "
        "stack retained; then update the stack with the environment template.",
        "Parameters": {k: v for k, v in parameters.items() if k in used},
        "Conditions": {k: conditions[k] for k in sorted(needed_conditions)},
        "Resources": resources,
    }
