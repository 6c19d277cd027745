"""The offline IAM evaluator against IAM's documented evaluation rules.

Sources: IAM User Guide, 'Policy evaluation logic', 'IAM JSON policy elements:
Condition operators', 'NotAction', 'NotResource'; KMS Developer Guide, 'Key
policies'. Each case below is one rule of those pages.
"""

from __future__ import annotations

import pytest

from tests.iam_eval import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Principal,
    arn_like,
    condition_holds,
    decide,
    like,
)

ROLE = "arn:aws:iam::111122223333:role/worker"
BUCKET = "arn:aws:s3:::notes"


def who(*statements: dict) -> Principal:
    return Principal(ROLE, ({"Statement": list(statements)},))


def allow(action: str | list, resource: str | list = "*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list, resource: str | list = "*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_nothing_allowed_is_an_implicit_deny() -> None:
    assert decide(who(), "s3:GetObject", f"{BUCKET}/a").result == IMPLICIT_DENY


def test_explicit_deny_wins_over_any_allow() -> None:
    principal = who(
        allow("s3:*", "*", Sid="All"), deny("s3:GetObject", f"{BUCKET}/*", Sid="No")
    )
    decision = decide(principal, "s3:GetObject", f"{BUCKET}/a")
    assert (decision.result, decision.statement) == (EXPLICIT_DENY, "No")
    assert decide(principal, "s3:PutObject", f"{BUCKET}/a").result == ALLOWED


def test_a_deny_in_the_resource_policy_wins_over_the_identity_policy() -> None:
    bucket_policy = {"Statement": [{**deny("s3:*", f"{BUCKET}/*"), "Principal": "*"}]}
    principal = who(allow("s3:GetObject", f"{BUCKET}/*"))
    got = decide(principal, "s3:GetObject", f"{BUCKET}/a", {}, bucket_policy)
    assert got.result == EXPLICIT_DENY


def test_either_identity_or_resource_policy_allows_in_one_account() -> None:
    bucket_policy = {
        "Statement": [
            {**allow("s3:GetObject", f"{BUCKET}/*"), "Principal": {"AWS": ROLE}}
        ]
    }
    assert decide(who(), "s3:GetObject", f"{BUCKET}/a", {}, bucket_policy).result == (
        ALLOWED
    )
    other = {
        "Statement": [{**bucket_policy["Statement"][0], "Principal": {"AWS": "x"}}]
    }
    assert decide(who(), "s3:GetObject", f"{BUCKET}/a", {}, other).result == (
        IMPLICIT_DENY
    )


def test_actions_match_case_insensitively_resources_case_sensitively() -> None:
    principal = who(allow("S3:getobject", f"{BUCKET}/Data/*"))
    assert decide(principal, "s3:GetObject", f"{BUCKET}/Data/x").result == ALLOWED
    assert decide(principal, "s3:GetObject", f"{BUCKET}/data/x").result == (
        IMPLICIT_DENY
    )


@pytest.mark.parametrize(
    ("pattern", "value", "ok"),
    [
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("a?c", "abc", True),
        ("a?c", "abbc", False),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::b/x", False),
        ("a.c", "abc", False),  # '.' is literal, not a regular expression
    ],
)
def test_wildcards(pattern: str, value: str, ok: bool) -> None:
    assert like(pattern, value) is ok


def test_not_action_and_not_resource() -> None:
    principal = who(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{BUCKET}/*"},
    )
    assert decide(principal, "s3:GetObject", f"{BUCKET}/a").result == ALLOWED
    assert decide(principal, "iam:PassRole", ROLE).result == IMPLICIT_DENY
    assert decide(principal, "s3:GetObject", "arn:aws:s3:::x/a").result == (
        EXPLICIT_DENY
    )


def test_arn_like_matches_segment_by_segment() -> None:
    assert arn_like("arn:aws:logs:eu-west-1:1:*", "arn:aws:logs:eu-west-1:1:g:x")
    assert not arn_like("arn:aws:logs:*:1:*", "arn:aws-cn:logs:r:1:g")
    assert not arn_like("arn:aws:logs:*:1:*", "not-an-arn")


def test_missing_key_fails_a_condition_unless_if_exists() -> None:
    block = {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}
    assert not condition_holds(block, {})
    assert condition_holds({"StringEqualsIfExists": block["StringEquals"]}, {})
    assert not condition_holds(
        {"StringEqualsIfExists": block["StringEquals"]},
        {"iam:PassedToService": "s3.amazonaws.com"},
    )


def test_values_are_ored_keys_and_operators_anded() -> None:
    block = {
        "StringEquals": {"k:a": ["1", "2"], "k:b": "x"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    full = {"k:a": "2", "k:b": "x", "aws:SecureTransport": "true"}
    assert condition_holds(block, full)
    assert not condition_holds(block, {**full, "k:b": "y"})
    assert not condition_holds(block, {**full, "aws:SecureTransport": "false"})
    assert not condition_holds(block, {**full, "k:a": "3"})


def test_string_equals_is_exact_and_string_like_takes_wildcards() -> None:
    assert not condition_holds({"StringEquals": {"k:a": "ab*"}}, {"k:a": "abc"})
    assert condition_holds({"StringLike": {"k:a": "ab*"}}, {"k:a": "abc"})
    assert not condition_holds({"StringEquals": {"k:a": "ABC"}}, {"k:a": "abc"})


def test_condition_key_names_are_case_insensitive() -> None:
    assert condition_holds(
        {"Bool": {"aws:securetransport": "TRUE"}}, {"aws:SecureTransport": "true"}
    )


def test_an_operator_the_evaluator_does_not_model_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="NumericLessThan"):
        condition_holds({"NumericLessThan": {"k:a": "1"}}, {"k:a": "0"})


KEY = "arn:aws:kms:eu-west-1:111122223333:key/k"
ROOT = "arn:aws:iam::111122223333:root"


def test_a_key_needs_its_key_policy_even_when_iam_allows() -> None:
    principal = who(allow("kms:Decrypt", KEY))
    empty = {"Statement": []}
    assert decide(principal, "kms:Decrypt", KEY, {}, empty, key_policy=True).result == (
        IMPLICIT_DENY
    )


def test_a_root_statement_in_the_key_policy_delegates_to_iam() -> None:
    via_s3 = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    key = {
        "Statement": [
            {
                **allow("kms:Decrypt", "*"),
                "Principal": {"AWS": ROOT},
                "Condition": via_s3,
            }
        ]
    }
    ctx = {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    assert decide(who(), "kms:Decrypt", KEY, ctx, key, key_policy=True).result == (
        IMPLICIT_DENY
    )
    allowed = who(allow("kms:Decrypt", KEY))
    assert decide(allowed, "kms:Decrypt", KEY, ctx, key, key_policy=True).result == (
        ALLOWED
    )
    assert decide(allowed, "kms:Decrypt", KEY, {}, key, key_policy=True).result == (
        IMPLICIT_DENY
    )


def test_a_key_policy_naming_the_principal_allows_without_iam() -> None:
    key = {"Statement": [{**allow("kms:Decrypt", "*"), "Principal": {"AWS": [ROLE]}}]}
    assert decide(who(), "kms:Decrypt", KEY, {}, key, key_policy=True).result == ALLOWED
