"""The generated policies keep parity with the seed guide, statement by statement.

Same Sid, Effect and actions; resources equal or narrower; the seed's conditions
kept. Every deviation is listed here with its reason, and nothing else may differ.
"""

from __future__ import annotations

import fnmatch

import pytest

from tests.helpers import ACCOUNT, as_list, policy_documents, render
from tests.seed_policies import SEED

REGION = "us-west-2"  # the region the seed's developer policy hard-codes

# Generated statements that carry part of a seed statement, and why.
SPLIT = {
    "ReadAccessForAthenaExamples": (
        "FullAccessToS3Bucket",
        "the public Athena examples bucket is only read, so it gets no write actions",
    ),
    "AllowServerlessActionsAccountWide": (
        "AllowServerlessActions",
        "ListApplications takes no resource ARN; the rest are scoped to this "
        "stack's application by its Name tag",
    ),
    "AllowStudioandWorkspaceActionsAccountWide": (
        "AllowStudioandWorkspaceActions",
        "CreateEditor, ListEditors, CreateStudio and ListStudios take no resource "
        "ARN; the rest are scoped to this account's studios and workspaces",
    ),
    "AllowEMRStudioBasicActionsAccountWide": (
        "AllowEMRStudioBasicActions",
        "CreateEditor, ListEditors and ListStudios take no resource ARN",
    ),
    "AllowServerlessActionsJobRuns": (
        "AllowServerlessActions",
        "job runs carry their own tags, not their application's (EMR Serverless "
        "User Guide, 'Tagging your resources'): scoped by ARN to job runs",
    ),
    "AllowServerlessActionsCreate": (
        "AllowServerlessActions",
        "CreateApplication takes no resource; only with this stack's Name tag as a "
        "request tag, so what it creates stays reachable",
    ),
    "AllowS3ListAndGetPermissionsAccountWide": (
        "AllowS3ListAndGetPermissions",
        "ListAllMyBuckets needs all buckets; reads are scoped to the notebook bucket",
    ),
}
# Statements beyond the seed, and why.
ADDED = {
    "ReadDeveloperCredentials": "the administrator hands developers the credentials "
    "the seed shared as a CSV file",
    "AllowLivyEndpoints": "AWS requires AccessLivyEndpoints for the Livy endpoint "
    "(only when EnableLivyEndpoint is true)",
    "UseEnvironmentKey": "the customer-managed key encrypts the bucket and secrets "
    "(only when EncryptionKey is customer-managed)",
}
EVERYTHING_ON = {"EnableLivyEndpoint": "true", "EncryptionKey": "customer-managed"}
# Statements whose resource is "*" where the seed names an ARN, and why.
RESOURCE_STAR = {
    "AllowS3ListAndGetPermissionsAccountWide": "s3:ListAllMyBuckets takes no "
    "resource (Service Authorization Reference): '*' grants exactly what the seed's "
    "arn:aws:s3:::* does",
}
# Conditions the generated policies add (narrowing), and why.
ADDED_CONDITIONS = {
    "AllowPassingRuntimeRoleForRunningEMRServerlessJob": "iam:PassedToService",
    "AllowPassingServiceRoleForWorkspaceCreation": "iam:PassedToService",
    "AllowEMRServerlessServiceLinkedRoleCreation": "iam:AWSServiceName",
    "AllowEC2ENICreationWithEMRServerlessTags": "aws:CalledViaLast",
    "AllowServerlessActions": "aws:ResourceTag/Name",
    "AllowServerlessActionsCreate": "aws:RequestTag/Name",
}


def seed_pattern(resource: str) -> str:
    """A seed resource as an fnmatch pattern for the rendered account."""
    return resource.replace("<account-id>", ACCOUNT).replace("[", "[[]")


def narrower(resource: str, seed_resources: list[str]) -> bool:
    """True when every ARN the generated resource names is also a seed ARN."""
    return any(fnmatch.fnmatchcase(resource, seed_pattern(s)) for s in seed_resources)


def actions(statements: list[dict]) -> set[str]:
    return {a.lower() for s in statements for a in as_list(s["Action"])}


@pytest.fixture(scope="module")
def generated() -> dict[str, dict]:
    return policy_documents(render(region=REGION))


@pytest.mark.parametrize("policy_name", sorted(SEED))
def test_every_seed_statement_is_kept(policy_name: str, generated: dict) -> None:
    statements = generated[policy_name]["Statement"]
    for seed in SEED[policy_name]:
        sid = seed["Sid"]
        group = [
            s
            for s in statements
            if s["Sid"] == sid or SPLIT.get(s["Sid"], ("",))[0] == sid
        ]
        assert group, f"{policy_name}: seed statement {sid} is missing"
        assert actions(group) == actions([seed]), f"{policy_name}/{sid}: actions"
        for stmt in group:
            assert stmt["Effect"] == seed["Effect"] == "Allow"
            for resource in as_list(stmt["Resource"]):
                if resource == "*" and stmt["Sid"] in RESOURCE_STAR:
                    continue
                assert narrower(resource, as_list(seed["Resource"])), (
                    f"{policy_name}/{stmt['Sid']}: {resource} is broader than "
                    f"{seed['Resource']}"
                )
            for operator, pairs in seed.get("Condition", {}).items():
                assert stmt["Condition"][operator] == pairs, f"{sid}: condition"
            added = set(stmt.get("Condition", {}).get("StringEquals", {}))
            added |= set(stmt.get("Condition", {}).get("StringLike", {}))
            added -= {k for v in seed.get("Condition", {}).values() for k in v}
            allowed = {ADDED_CONDITIONS.get(stmt["Sid"]), ADDED_CONDITIONS.get(sid)}
            assert added <= allowed - {None}, (sid, added)


@pytest.mark.parametrize("policy_name", sorted(SEED))
def test_no_unlisted_statement(policy_name: str) -> None:
    seed_sids = {s["Sid"] for s in SEED[policy_name]}
    everything = policy_documents(render(EVERYTHING_ON, region=REGION))
    for stmt in everything[policy_name]["Statement"]:
        assert stmt["Sid"] in seed_sids | set(SPLIT) | set(ADDED), stmt["Sid"]


def test_additions_are_conditional(generated: dict) -> None:
    everything = policy_documents(render(EVERYTHING_ON, region=REGION))
    sids = {s["Sid"] for doc in generated.values() for s in doc["Statement"]}
    all_sids = {s["Sid"] for doc in everything.values() for s in doc["Statement"]}
    assert "AllowLivyEndpoints" not in sids and "UseEnvironmentKey" not in sids
    assert {"AllowLivyEndpoints", "UseEnvironmentKey"} <= all_sids
    off = policy_documents(render({"CreateIamUsers": "false"}, region=REGION))
    admin = off["emrs-interactive-app-admin-policy"]["Statement"]
    assert "ReadDeveloperCredentials" not in {s["Sid"] for s in admin}


def test_split_statements_only_carry_seed_actions(generated: dict) -> None:
    for policy_name, statements in generated.items():
        if policy_name not in SEED:
            continue
        seeds = {s["Sid"]: s for s in SEED[policy_name]}
        for stmt in statements["Statement"]:
            if stmt["Sid"] in SPLIT:
                origin = seeds[SPLIT[stmt["Sid"]][0]]
                assert actions([stmt]) <= actions([origin])


def test_pass_role_names_the_stack_roles_only(generated: dict) -> None:
    for name in (
        "emrs-interactive-app-admin-policy",
        "emrs-interactive-app-dev-policy",
    ):
        for stmt in generated[name]["Statement"]:
            if "iam:PassRole" in as_list(stmt["Action"]):
                assert "iam:PassedToService" in stmt["Condition"]["StringEquals"]
                for resource in as_list(stmt["Resource"]):
                    assert resource.startswith(f"arn:aws:iam::{ACCOUNT}:role/emr-")


def test_presigned_url_follows_the_stack_region() -> None:
    policy = policy_documents(render(region="eu-west-1"))[
        "emrs-interactive-app-dev-policy"
    ]
    (stmt,) = [
        s for s in policy["Statement"] if s["Sid"] == "AllowCreateStudioPresignedUrl"
    ]
    assert stmt["Resource"] == [
        f"arn:aws:elasticmapreduce:eu-west-1:{ACCOUNT}:studio/*"
    ]


def test_name_prefix_reaches_policy_names() -> None:
    names = set(policy_documents(render({"NamePrefix": "dev-"})))
    assert {f"dev-{n}" for n in SEED} <= names


def test_narrower_rejects_broader_resources() -> None:
    assert not narrower("*", ["arn:aws:s3:::*"])
    assert not narrower(
        "arn:aws:s3:::other-bucket", ["arn:aws:s3:::emrs-<account-id>*"]
    )
    assert narrower(
        f"arn:aws:s3:::emrs-{ACCOUNT}-x/*", ["arn:aws:s3:::emrs-<account-id>*"]
    )
