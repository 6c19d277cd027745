"""`emrs-env verify`: the simulator path against botocore's Stubber, the deployed
state against moto.

Response shapes follow the IAM API Reference, 'SimulatePrincipalPolicy'
(EvaluationResults with EvalActionName, EvalDecision allowed / implicitDeny /
explicitDeny, MatchedStatements, MissingContextValues, IsTruncated/Marker).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from generator.aws import verify
from generator.aws.session import Aws
from generator.cli import main
from generator.documents import journeys
from generator.documents.journeys import Facts, Request
from generator.errors import CommandError
from generator.template.names import P, R

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/emr-serverless-runtime-role"
FACTS = Facts(
    partition="aws",
    region="us-east-1",
    account=ACCOUNT,
    bucket="notes",
    prefix="",
    runtime_role=ROLE,
    studio_role=f"arn:aws:iam::{ACCOUNT}:role/emr-studio-service-role",
)
BUCKET_POLICY = json.dumps({"Statement": []})


def stack(**principals: dict[str, str]) -> verify.Stack:
    people = {p: {} for p in journeys.PERSONAS}
    people.update(principals)
    return verify.Stack(FACTS, people, {}, {}, BUCKET_POLICY, "")


def result(action: str, decision: str, **extra: object) -> dict:
    return {"EvalActionName": action, "EvalDecision": decision, **extra}


@pytest.fixture
def iam(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("iam", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_allowed_and_the_bucket_policy_is_passed_with_its_owner(iam) -> None:
    client, stub = iam
    request = Request(
        ("s3:GetObject",), "arn:aws:s3:::notes/a", {"aws:SecureTransport": "true"}
    )
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [result("s3:GetObject", "allowed")]},
        {
            "PolicySourceArn": ROLE,
            "ActionNames": ["s3:GetObject"],
            "ResourceArns": ["arn:aws:s3:::notes/a"],
            "ContextEntries": [
                {
                    "ContextKeyName": "aws:SecureTransport",
                    "ContextKeyValues": ["true"],
                    "ContextKeyType": "boolean",
                }
            ],
            "ResourcePolicy": BUCKET_POLICY,
            "ResourceOwner": f"arn:aws:iam::{ACCOUNT}:root",
        },
    )
    assert verify.simulate(client, ROLE, request, stack()) == {
        "s3:GetObject": ("allowed", "")
    }


def test_implicit_and_explicit_deny_say_why_and_pages_are_followed(iam) -> None:
    client, stub = iam
    request = Request(("s3:PutObject", "s3:DeleteObject"), "arn:aws:s3:::other/a")
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                result(
                    "s3:PutObject",
                    "implicitDeny",
                    MissingContextValues=["aws:SecureTransport"],
                )
            ],
            "IsTruncated": True,
            "Marker": "m1",
        },
        {
            "PolicySourceArn": ROLE,
            "ActionNames": ANY,
            "ResourceArns": ANY,
            "ContextEntries": [],
        },
    )
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                result(
                    "s3:DeleteObject",
                    "explicitDeny",
                    MatchedStatements=[{"SourcePolicyId": "deny-writes"}],
                )
            ],
            "IsTruncated": False,
        },
        {
            "PolicySourceArn": ROLE,
            "ActionNames": ANY,
            "ResourceArns": ANY,
            "ContextEntries": [],
            "Marker": "m1",
        },
    )
    got = verify.simulate(client, ROLE, request, stack())
    assert got == {
        "s3:PutObject": (
            "implicitDeny",
            "no statement allows it (missing context: aws:SecureTransport)",
        ),
        "s3:DeleteObject": ("explicitDeny", "denied by deny-writes"),
    }


def _aws_with(client) -> Aws:
    aws = Aws("us-east-1", None, "emrs")
    aws._clients["iam"] = client
    return aws


def test_a_step_that_is_not_as_expected_fails_with_the_reason(iam) -> None:
    client, stub = iam
    step = next(s for s in journeys.STEPS if s.name == "write outside the bucket")
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [result("s3:PutObject", "allowed")]},
    )
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [result("s3:PutObject", "implicitDeny")]},
    )
    only = stack(**{journeys.RUNTIME: {"RuntimeRole": ROLE}})
    steps = [s for s in journeys.applicable(FACTS) if s == step]
    assert len(steps) == 1
    original = journeys.applicable
    try:
        verify.journeys.applicable = lambda facts: steps  # type: ignore[assignment]
        (first,) = verify.run_journeys(_aws_with(client), only)
        (second,) = verify.run_journeys(_aws_with(client), only)
    finally:
        verify.journeys.applicable = original  # type: ignore[assignment]
    assert (first.ok, first.result, first.detail) == (
        False,
        "allowed",
        "s3:PutObject is allowed",
    )
    assert second.ok and second.result == "denied"
    table = verify.render([first, second], as_json=False)
    assert "<- s3:PutObject is allowed" in table
    assert "1 of 2 as expected; 1 not" in table
    assert json.loads(verify.render([first, second], as_json=True))["ok"] is False


def test_throttling_ends_in_one_line(iam) -> None:
    client, stub = iam
    stub.add_client_error(
        "simulate_principal_policy", "Throttling", "Rate exceeded", 400
    )
    aws = _aws_with(client)
    with pytest.raises(CommandError) as caught, aws.reporting():
        verify.simulate(client, ROLE, Request(("s3:GetObject",), "*"), stack())
    assert str(caught.value) == (
        "SimulatePrincipalPolicy failed in us-east-1 for stack emrs: Throttling: "
        "Rate exceeded"
    )


def test_context_entries_are_typed() -> None:
    request = Request(
        ("kms:Decrypt",),
        "k",
        {"aws:SecureTransport": "true", "kms:ViaService": ("a", "b")},
    )
    assert verify.context_entries(request) == [
        {
            "ContextKeyName": "aws:SecureTransport",
            "ContextKeyValues": ["true"],
            "ContextKeyType": "boolean",
        },
        {
            "ContextKeyName": "kms:ViaService",
            "ContextKeyValues": ["a", "b"],
            "ContextKeyType": "stringList",
        },
    ]


# --- deployed state, against moto -------------------------------------------------


def test_secrets_route_tables_and_nat_layout(mocked_aws) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    good = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    bad = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[good],
    )
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    full = sm.create_secret(
        Name="emrs/a",
        SecretString=json.dumps(
            {"UserName": "a", "Password": "x-SECRET-x", "ConsoleSignInUrl": "u"}
        ),
    )["ARN"]
    partial = sm.create_secret(Name="emrs/b", SecretString='{"UserName": "b"}')["ARN"]
    resources = {
        "AdminUserSecret": ("AWS::SecretsManager::Secret", full),
        "DeveloperBSecret": ("AWS::SecretsManager::Secret", partial),
        "PrivateRouteTable1": ("AWS::EC2::RouteTable", good),
        "PrivateRouteTable2": ("AWS::EC2::RouteTable", bad),
        R.PUBLIC_ROUTE_TABLE: ("AWS::EC2::RouteTable", "rtb-public"),
    }
    state = verify.Stack(
        FACTS,
        {},
        resources,
        {P.NAT_GATEWAYS: "single", P.NUMBER_OF_AZS: "2"},
        BUCKET_POLICY,
        "",
    )
    checks = {c.step: c for c in verify.check_state(Aws("us-east-1"), state)}
    assert checks["secret of AdminUser has its keys"].ok
    missing = checks["secret of DeveloperB has its keys"]
    assert not missing.ok and missing.detail == "missing ConsoleSignInUrl, Password"
    assert checks[f"route table {good} reaches S3 through the gateway endpoint"].ok
    assert not checks[f"route table {bad} reaches S3 through the gateway endpoint"].ok
    nat = checks["NAT gateways match single"]
    assert not nat.ok and nat.detail == "0 available, 1 expected"
    printed = verify.render(list(checks.values()), as_json=True)
    assert "x-SECRET-x" not in printed and ACCOUNT not in printed


def test_a_missing_stack_is_one_line(mocked_aws, capsys) -> None:
    code = main(["verify", "--stack-name", "nope", "--region", "us-east-1"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("emrs-env verify: error: stack nope does not exist")
    assert "\n" not in err


def test_a_stack_that_is_not_this_environment_is_a_failed_check(
    mocked_aws, capsys
) -> None:
    import boto3

    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="other", TemplateBody="Resources:\n  T: {Type: AWS::SNS::Topic}\n"
    )
    code = main(["verify", "--stack-name", "other", "--region", "us-east-1"])
    captured = capsys.readouterr()
    assert code == 1 and captured.err == "", "a failed check, not an abort"
    assert "stack is an emrs-env environment" in captured.out
    assert "it is not an emrs-env environment" in captured.out
    assert "0 of 1 as expected; 1 not" in captured.out


# The least stack read_stack takes for the environment: both roles and the bucket.
ROLES_AND_BUCKET = f"""Resources:
  {R.RUNTIME_ROLE}:
    Type: AWS::IAM::Role
    Properties: {{AssumeRolePolicyDocument: {{Statement: []}}}}
  {R.STUDIO_ROLE}:
    Type: AWS::IAM::Role
    Properties: {{AssumeRolePolicyDocument: {{Statement: []}}}}
  {R.BUCKET}: {{Type: AWS::S3::Bucket}}
"""


@pytest.mark.parametrize(
    ("delete_bucket", "detail"),
    [
        (False, "has no bucket policy; update the stack to restore it"),
        (True, "does not exist; it was deleted outside the stack"),
    ],
)
def test_a_bucket_without_its_policy_is_a_failed_check(
    mocked_aws, monkeypatch, capsys, delete_bucket: bool, detail: str
) -> None:
    """GetBucketPolicy's NoSuchBucketPolicy and NoSuchBucket (moto answers both)
    are the bucket check failing, not an abort; the simulator (which moto lacks)
    and the state checks are covered above."""
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="emrs", TemplateBody=ROLES_AND_BUCKET)
    bucket = cfn.describe_stack_resource(StackName="emrs", LogicalResourceId=R.BUCKET)[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    if delete_bucket:
        boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket=bucket)
    monkeypatch.setattr(verify, "run_journeys", lambda _aws, _stack: [])
    monkeypatch.setattr(verify, "check_state", lambda _aws, _stack: [])
    code = main(["verify", "--stack-name", "emrs", "--region", "us-east-1", "--json"])
    captured = capsys.readouterr()
    assert code == 1 and captured.err == "", "a failed check, not an abort"
    report = json.loads(captured.out)
    [check] = report["results"]
    assert check["step"] == "bucket has its TLS-only policy" and not check["ok"]
    assert check["detail"] == f"bucket {bucket} {detail}"
    assert ACCOUNT not in captured.out


def test_a_missing_bucket_policy_reads_as_none(mocked_aws) -> None:
    import boto3

    from generator.aws.session import Aws

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="notes")
    policy, why = verify._bucket_policy(Aws("us-east-1", None, "emrs"), "notes")
    assert policy == "" and "has no bucket policy" in why


def test_identity_center_session_policy_is_simulated_as_the_boundary(iam) -> None:
    """The user role's session is narrowed by its mapping's session policy; the
    simulator takes that policy as the permissions boundary."""
    client, stub = iam
    user_role = f"arn:aws:iam::{ACCOUNT}:role/emr-studio-user-role"
    session = json.dumps({"Version": "2012-10-17", "Statement": []})
    request = Request(("elasticmapreduce:DeleteStudio",), "arn:aws:x")
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                result("elasticmapreduce:DeleteStudio", "implicitDeny")
            ]
        },
        {
            "PolicySourceArn": user_role,
            "ActionNames": ["elasticmapreduce:DeleteStudio"],
            "ResourceArns": ["arn:aws:x"],
            "ContextEntries": [],
            "PermissionsBoundaryPolicyInputList": [session],
        },
    )
    got = verify.simulate(client, user_role, request, stack(), session)
    assert got["elasticmapreduce:DeleteStudio"][0] == "implicitDeny"


def test_identity_center_mappings_and_sign_in_mode_are_checked() -> None:
    from datetime import UTC, datetime

    from tests.scripted import scripted

    created = datetime(2026, 1, 1, tzinfo=UTC)
    admin = f"arn:aws:iam::{ACCOUNT}:policy/emrs-interactive-app-admin-policy"
    dev = f"arn:aws:iam::{ACCOUNT}:policy/emrs-interactive-app-dev-policy"
    emr = scripted(
        "emr",
        describe_studio=[{"Studio": {
            "AuthMode": "SSO", "Url": "https://es-1.emrstudio-prod.us-east-1.amazonaws"
            ".com", "SubnetIds": ["subnet-1", "subnet-2"],
            "UserRole": f"arn:aws:iam::{ACCOUNT}:role/emr-studio-user-role"}}],
        list_studio_session_mappings=[{"SessionMappings": [
            {"StudioId": "es-1", "IdentityName": "Admins", "IdentityType": "GROUP",
             "SessionPolicyArn": admin, "CreationTime": created},
            {"StudioId": "es-1", "IdentityName": "Engineers", "IdentityType": "GROUP",
             "SessionPolicyArn": admin, "CreationTime": created},
        ]}],
    )  # fmt: skip
    aws = Aws("us-east-1")
    aws._clients["emr"] = emr
    resources = {
        R.STUDIO: ("AWS::EMR::Studio", "es-1"),
        R.STUDIO_USER_ROLE: ("AWS::IAM::Role", "emr-studio-user-role"),
        R.ADMIN_POLICY: ("AWS::IAM::ManagedPolicy", admin),
        R.DEV_POLICY: ("AWS::IAM::ManagedPolicy", dev),
    }
    params = {
        P.IDC_ADMIN_GROUPS: "Admins",
        P.IDC_DEV_GROUPS: "Engineers,Analysts",
    }
    state = verify.Stack(FACTS, {}, resources, params, BUCKET_POLICY, "")
    checks = {c.step: c for c in verify.check_state(aws, state)}
    assert checks["Studio sign-in mode"].ok
    assert checks["Studio assumes the user role"].ok
    assert checks["group Admins mapped to the administrator policy"].ok
    # mapped, but to the wrong policy; and not mapped at all
    assert not checks["group Engineers mapped to the developer policy"].ok
    analysts = checks["group Analysts mapped to the developer policy"]
    assert not analysts.ok and analysts.detail == "not mapped"
    assert emr.script.called("list_studio_session_mappings") == [{"StudioId": "es-1"}]
