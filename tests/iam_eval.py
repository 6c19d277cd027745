"""A small IAM policy evaluator: exactly what the template's policies use.

Modelled on the IAM User Guide, 'Policy evaluation logic' (same-account requests:
an explicit deny in any policy wins; otherwise an allow in an identity-based or
a resource-based policy allows; otherwise the request is implicitly denied),
'IAM JSON policy elements: Condition operators' (string, ARN and Boolean
operators, the ...IfExists suffix, several values of one key are ORed, keys and
operators are ANDed, a missing key makes a condition false) and 'Action',
'NotAction', 'Resource', 'NotResource' (actions match case-insensitively,
resources case-sensitively, `*` and `?` are wildcards, an ARN's segments match
one by one). KMS keys follow the KMS Developer Guide, 'Key policies': nobody
uses a key unless its key policy allows it; a statement for the account's root
principal hands the decision to IAM policies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

ALLOWED, IMPLICIT_DENY, EXPLICIT_DENY = "allowed", "implicitDeny", "explicitDeny"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@cache
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    )
    return re.compile(f"^{body}$", (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` one character."""
    return bool(_wildcard(pattern, ignore_case).match(value))


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike: the six colon-separated segments match one by one."""
    want, have = pattern.split(":", 5), value.split(":", 5)
    if len(want) != 6 or len(have) != 6:
        return False
    return all(like(w, h) for w, h in zip(want, have, strict=True))


def _bool(value: str) -> str:
    return str(value).lower()


OPERATORS = {
    "StringEquals": lambda want, have: want == have,
    "StringLike": lambda want, have: like(want, have),
    "ArnEquals": arn_like,
    "ArnLike": arn_like,
    "Bool": lambda want, have: _bool(want) == _bool(have),
}


NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def condition_holds(block: dict[str, Any], context: dict[str, Any]) -> bool:
    """Every operator and key of a Condition block holds for the context. A
    negated operator holds when the key is missing or matches none of the values
    ('Condition operators': "...Not..." operators with a missing key are true)."""
    for operator, keys in block.items():
        base = operator.removesuffix("IfExists")
        negated = base in NEGATED
        base = NEGATED.get(base, base)
        if base not in OPERATORS:
            raise NotImplementedError(f"condition operator {operator}")
        compare = OPERATORS[base]
        for key, wanted in keys.items():
            # Condition keys are case-insensitive; values are not.
            found = {k.lower(): v for k, v in context.items()}.get(key.lower())
            if found is None:
                if operator.endswith("IfExists") or negated:
                    continue
                return False
            haves = _as_list(found)
            matched = any(
                compare(str(w), str(h)) for w in _as_list(wanted) for h in haves
            )
            if matched == negated:
                return False
    return True


def _matches_action(stmt: dict[str, Any], action: str) -> bool:
    if "NotAction" in stmt:
        return not any(like(p, action, True) for p in _as_list(stmt["NotAction"]))
    return any(like(p, action, True) for p in _as_list(stmt.get("Action", [])))


def _matches_resource(stmt: dict[str, Any], resource: str) -> bool:
    if "NotResource" in stmt:
        return not any(like(p, resource) for p in _as_list(stmt["NotResource"]))
    return any(like(p, resource) for p in _as_list(stmt.get("Resource", [])))


def _principals(stmt: dict[str, Any]) -> list[str] | None:
    """The AWS principals a resource-policy statement names (None: everyone)."""
    principal = stmt.get("Principal")
    if principal == "*" or (
        isinstance(principal, dict) and principal.get("AWS") == "*"
    ):
        return None
    if isinstance(principal, dict):
        return [str(p) for p in _as_list(principal.get("AWS", []))]
    return []


@dataclass(frozen=True)
class Principal:
    """Who makes the request: its ARN and its identity-based policies."""

    arn: str
    policies: tuple[dict[str, Any], ...]
    # Session policies of an assumed-role session: what the identity policies allow
    # only where these allow it too ('Policy evaluation logic', session policies).
    session: tuple[dict[str, Any], ...] = ()
    # The permissions boundary: identity policies allow only what it allows too
    # ('Policy evaluation logic', permissions boundaries).
    boundary: tuple[dict[str, Any], ...] = ()

    @property
    def root(self) -> str:
        """The ARN of the principal's account."""
        partition, account = self.arn.split(":")[1], self.arn.split(":")[4]
        return f"arn:{partition}:iam::{account}:root"


@dataclass(frozen=True)
class Decision:
    """The result and the statement that decided it (Sid or '')."""

    result: str
    statement: str = ""


def _applies(
    stmt: dict[str, Any], action: str, resource: str, context: dict[str, Any]
) -> bool:
    return (
        _matches_action(stmt, action)
        and _matches_resource(stmt, resource)
        and condition_holds(stmt.get("Condition", {}), context)
    )


def decide(
    principal: Principal,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
    resource_policy: dict[str, Any] | None = None,
    key_policy: bool = False,
) -> Decision:
    """IAM's decision for one same-account request."""
    context = context or {}
    identity = [
        s for doc in principal.policies for s in _as_list(doc.get("Statement", []))
    ]
    on_resource: list[tuple[dict[str, Any], bool]] = []  # (statement, root only)
    for stmt in _as_list((resource_policy or {}).get("Statement", [])):
        named = _principals(stmt)
        if named is None or principal.arn in named:
            on_resource.append((stmt, False))
        elif principal.root in named:
            on_resource.append((stmt, True))
    session = [
        s for doc in principal.session for s in _as_list(doc.get("Statement", []))
    ]
    boundary = [
        s for doc in principal.boundary for s in _as_list(doc.get("Statement", []))
    ]
    for stmt in identity + session + boundary + [s for s, _ in on_resource]:
        if stmt["Effect"] == "Deny" and _applies(stmt, action, resource, context):
            return Decision(EXPLICIT_DENY, stmt.get("Sid", ""))
    if principal.boundary and not any(
        s["Effect"] == "Allow" and _applies(s, action, resource, context)
        for s in boundary
    ):
        return Decision(IMPLICIT_DENY)  # outside the permissions boundary
    if principal.session and not any(
        s["Effect"] == "Allow" and _applies(s, action, resource, context)
        for s in session
    ):
        return Decision(IMPLICIT_DENY)  # outside the session policy
    allowing = [
        (s, root)
        for s, root in on_resource
        if s["Effect"] == "Allow" and _applies(s, action, resource, context)
    ]
    by_identity = next(
        (
            s
            for s in identity
            if s["Effect"] == "Allow" and _applies(s, action, resource, context)
        ),
        None,
    )
    direct = next((s for s, root in allowing if not root), None)
    if direct is not None:
        return Decision(ALLOWED, direct.get("Sid", ""))
    # A statement for the account root delegates to IAM policies; a key is usable
    # only when its key policy has such a statement (or names the principal).
    if by_identity is not None and (allowing or not key_policy):
        return Decision(ALLOWED, by_identity.get("Sid", ""))
    return Decision(IMPLICIT_DENY)
