"""The template side of the credentials custom resource."""

from __future__ import annotations

import pytest

from generator.template.function import (
    HANDLER_SOURCE,
    RUNTIME,
    STACK_ID_TAG,
    TIMEOUT_SECONDS,
)
from generator.template.policies import statements_of
from tests.helpers import (
    ACCOUNT,
    as_list,
    clean,
    of_type,
    render,
    resolve_arns,
    template_dict,
)

DEVS = ("ana", "raj")


def rendered(params: dict[str, str] | None = None) -> dict:
    return render(params, developers=DEVS)


def test_inlined_code_is_the_module_source() -> None:
    (function,) = of_type(rendered(), "AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Code"]["ZipFile"] == HANDLER_SOURCE.read_text(encoding="utf-8")
    assert props["Runtime"] == RUNTIME and props["Handler"] == "index.handler"
    # Long enough to stop the application (tests/function/test_lifecycle.py); Lambda's
    # maximum is 900 seconds.
    assert props["MemorySize"] == 128 and props["Timeout"] == TIMEOUT_SECONDS <= 900
    # Reserved concurrency fails in new accounts (deploy-readiness tests).
    assert "ReservedConcurrentExecutions" not in props
    assert props["LoggingConfig"] == {"LogGroup": "CustomResourceLogGroup"}


def test_one_secret_and_one_credentials_resource_per_user() -> None:
    result = rendered({"NamePrefix": "qa-", "CreateAccessKeys": "true"})
    secrets = of_type(result, "AWS::SecretsManager::Secret")
    names = sorted(s["Properties"]["Name"] for s in secrets.values())
    assert names == [
        "qa-emrs/ana",
        "qa-emrs/emrs-interactive-app-admin-user",
        "qa-emrs/raj",
    ]
    creds = of_type(result, "Custom::ConsoleCredentials")
    users = of_type(result, "AWS::IAM::User")
    assert len(creds) == len(users) == 3
    for logical, res in creds.items():
        props = res["Properties"]
        user_logical = logical.removesuffix("Credentials")
        assert props["UserName"] == user_logical
        assert props["SecretId"] == f"{user_logical}Secret"
        assert props["CreateAccessKey"] == "true" and props["RotationToken"] == "1"
        assert props["ServiceToken"] == "CustomResourceFunction.Arn"
        assert 1 <= props["ServiceTimeout"] <= 3600
    for secret in secrets.values():
        assert "KmsKeyId" not in clean(secret["Properties"])


NO_EMR = {"CreateStudio": "false", "CreateApplication": "false"}


def test_no_credentials_machinery_without_users() -> None:
    result = rendered({"CreateIamUsers": "false"} | NO_EMR)
    for kind in ("AWS::SecretsManager::Secret", "Custom::ConsoleCredentials"):
        assert of_type(result, kind) == {}
    assert not any("Secret" in name for name in result["Outputs"])
    # The function stays for the default security group of the new VPC, without
    # any credentials permission.
    statements = function_statements(result)
    assert sorted(statements) == [
        "CloseDefaultSecurityGroup",
        "DescribeSecurityGroups",
        "WriteOwnLogs",
    ]
    existing = rendered(
        {
            "CreateIamUsers": "false",
            "ExistingVpcId": "vpc-0123abcd",
            "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
        }
        | NO_EMR
    )
    assert of_type(existing, "AWS::Lambda::Function") == {}
    assert of_type(existing, "AWS::Logs::LogGroup") == {}


def function_statements(result: dict) -> dict[str, dict]:
    role = result["Resources"]["CustomResourceRole"]["Properties"]
    doc = resolve_arns(result, clean(role["Policies"][0]["PolicyDocument"]))
    return {s["Sid"]: s for s in doc["Statement"]}


def test_function_role_is_least_privilege() -> None:
    result = rendered({"NamePrefix": "qa-"})
    statements = function_statements(result)
    # Scoped by the stack's user path and the secrets' prefix: one ARN each, for
    # any number of users.
    manage = statements["ManageConsoleCredentials"]
    assert manage["Resource"] == [
        f"arn:aws:iam::{ACCOUNT}:user/emrs-env/us-east-1/my-cloud-radar-stack/*"
    ]
    for user in of_type(result, "AWS::IAM::User").values():
        assert user["Properties"]["Path"] == "/emrs-env/us-east-1/my-cloud-radar-stack/"
    assert all(a.startswith("iam:") for a in manage["Action"])
    assert not any("Delete" in a and "User" in a for a in manage["Action"])
    assert statements["StoreCredentials"]["Resource"] == [
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:qa-emrs/*"
    ]
    assert "Condition" in statements["StoreCredentials"]  # the stack's own secrets
    assert statements["WriteOwnLogs"]["Resource"] == ["CustomResourceLogGroup.Arn"]
    assert statements["ReadPasswordPolicy"]["Action"] == [
        "iam:GetAccountPasswordPolicy"
    ]
    assert "UseEnvironmentKey" not in statements
    with_key = function_statements(rendered({"EncryptionKey": "customer-managed"}))
    assert with_key["UseEnvironmentKey"]["Resource"] == ["EnvironmentKey.Arn"]
    for statement in statements.values():
        assert "*" not in " ".join(as_list(statement["Action"]))


def test_admin_reads_only_developer_secrets() -> None:
    result = rendered()
    (admin,) = [
        p
        for p in of_type(result, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == "emrs-interactive-app-admin-policy"
    ]
    statements = clean(admin["Properties"]["PolicyDocument"])["Statement"]
    (read,) = [s for s in statements if s["Sid"] == "ReadDeveloperCredentials"]
    assert read["Resource"] == [
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:emrs/*"
    ]


def test_credentials_outputs() -> None:
    outputs = rendered()["Outputs"]
    assert outputs["ConsoleSignInUrl"]["Value"] == (
        f"https://{ACCOUNT}.signin.aws.amazon.com/console"
    )
    link_name = "CredentialsSecretsUrl"
    link = outputs[link_name]
    assert link["Value"] == (
        "https://us-east-1.console.aws.amazon.com/secretsmanager/listsecrets"
        "?region=us-east-1"
    )
    assert (
        "named <NamePrefix>emrs/<user name as the build config gives it"
        in (link["Description"])
        and "(3 secrets)" in link["Description"]
    )
    assert not [name for name in outputs if "Secret" in name and name != link_name]
    for name, output in outputs.items():
        assert "Password" not in str(output["Value"]), name


def test_groups_let_users_change_their_own_password() -> None:
    for group in of_type(rendered(), "AWS::IAM::Group").values():
        (policy,) = group["Properties"]["Policies"]
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        change = statements["ChangeOwnPassword"]
        assert change["Resource"] == [
            f"arn:aws:iam::{ACCOUNT}:user/emrs-env/us-east-1/my-cloud-radar-stack/"
            "${aws:username}"
        ]


def raw_function_statements() -> dict[str, dict]:
    """The function role's statements as written (cloud-radar renders the stack ID
    as an empty string)."""
    role = template_dict(DEVS)["Resources"]["CustomResourceRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    return {stmt["Sid"]: stmt for stmt in statements_of({"Statement": statements})}


def test_function_reads_and_writes_only_its_own_stacks_secrets() -> None:
    """The name prefix alone covers every stack with the same NamePrefix (and any
    secret someone names emrs/...): the secret must carry this stack's ID."""
    store = raw_function_statements()["StoreCredentials"]
    assert store["Action"] == [
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ]
    assert store["Condition"] == {
        "StringEquals": {f"aws:ResourceTag/{STACK_ID_TAG}": {"Ref": "AWS::StackId"}}
    }
    secrets = of_type(template_dict(DEVS), "AWS::SecretsManager::Secret")
    assert len(secrets) == 3
    for secret in secrets.values():
        assert secret["Properties"]["Tags"] == [
            {"Key": STACK_ID_TAG, "Value": {"Ref": "AWS::StackId"}}
        ]


def test_function_deletes_interfaces_only_in_the_environments_subnets() -> None:
    """An existing VPC may be shared: ec2:Vpc alone lets the function delete other
    teams' detached interfaces. No condition key names an interface's security
    groups; ec2:Subnet narrows to the private subnets the Studio and application
    use."""
    sid = "DeleteDetachedNetworkInterfaces"
    new = function_statements(rendered({"NumberOfAZs": "3"}))[sid]
    assert new["Action"] == ["ec2:DeleteNetworkInterface"]
    assert new["Resource"] == [f"arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/*"]
    assert new["Condition"] == {
        "ArnEquals": {"ec2:Vpc": f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/Vpc"},
        "ArnLike": {
            "ec2:Subnet": [
                f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/PrivateSubnet{i}"
                for i in (1, 2, 3)
            ]
        },
    }
    two = function_statements(rendered())[sid]["Condition"]["ArnLike"]
    assert len(two["ec2:Subnet"]) == 2
    existing = function_statements(
        rendered(
            {
                "ExistingVpcId": "vpc-0123abcd",
                "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
            }
        )
    )[sid]
    assert existing["Condition"]["ArnLike"]["ec2:Subnet"] == [
        "arn:*:ec2:*:*:subnet/subnet-0123abcd",
        "arn:*:ec2:*:*:subnet/subnet-4567abcd",
    ]


def test_cancelling_job_runs_has_no_application_tag_condition() -> None:
    """EMR Serverless authorizes CancelJobRun on the job run, and an application's
    tags do not propagate to its job runs (EMR Serverless User Guide, "Tagging your
    resources"): the Name condition StopApplication carries would deny cancelling
    every run, and the application could not be stopped."""
    statements = raw_function_statements()
    assert (
        "aws:ResourceTag/Name"
        in statements["StopStackApplication"]["Condition"]["StringEquals"]
    )
    cancel = statements["CancelStackApplicationRuns"]
    assert "Condition" not in cancel
    assert cancel["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:emr-serverless:${AWS::Region}:"
            "${AWS::AccountId}:/applications/*/jobruns/*"
        }
    ]


def test_function_role_sits_under_the_stacks_path() -> None:
    """So that a Service Catalog launch role can manage it (role/emrs-env/SC-*/...)
    without reaching the roles of other provisioned products."""
    role = rendered()["Resources"]["CustomResourceRole"]["Properties"]
    assert role["Path"] == "/emrs-env/us-east-1/my-cloud-radar-stack/"


@pytest.mark.parametrize(
    ("action", "user", "allowed"),
    [
        ("iam:CreateAccessKey", "user/emrs-env/us-east-1/my-cloud-radar-stack/ana",
         True),
        ("iam:GetUser", "user/emrs-env/us-east-1/my-cloud-radar-stack/ana", True),
        # the same stack name in another region: its users are not this stack's
        ("iam:CreateAccessKey", "user/emrs-env/eu-west-1/my-cloud-radar-stack/ana",
         False),
        ("iam:UpdateLoginProfile",
         "user/emrs-env/eu-west-1/my-cloud-radar-stack/ana", False),
        # a stack of an earlier version's path, and any other user
        ("iam:CreateLoginProfile", "user/emrs-env/my-cloud-radar-stack/ana", False),
        ("iam:CreateAccessKey", "user/break-glass", False),
        ("iam:GetUser", "user/emrs-env/us-east-1/other-stack/ana", False),
    ],
)  # fmt: skip
def test_the_function_role_is_probed_outside_its_stack(
    action: str, user: str, allowed: bool
) -> None:
    """Concrete requests, evaluated by the project's IAM evaluator against the
    function role's rendered policy: only this stack's users, in this region."""
    from tests.iam_eval import ALLOWED, Principal, decide

    result = rendered()
    role = result["Resources"]["CustomResourceRole"]["Properties"]
    policy = resolve_arns(result, clean(role["Policies"][0]["PolicyDocument"]))
    function = Principal(f"arn:aws:iam::{ACCOUNT}:role/emrs-env/fn", (policy,))
    said = decide(function, action, f"arn:aws:iam::{ACCOUNT}:{user}")
    assert (said.result == ALLOWED) is allowed, said


@pytest.mark.parametrize(
    ("action", "secret", "stack_id", "allowed"),
    [
        ("secretsmanager:UpdateSecretVersionStage", "emrs/ana-AbCdEf", "own", True),
        ("secretsmanager:PutSecretValue", "emrs/ana-AbCdEf", "own", True),
        # another stack's secret of the same name prefix: its tag says so
        ("secretsmanager:UpdateSecretVersionStage", "emrs/ana-AbCdEf", "other",
         False),
        ("secretsmanager:PutSecretValue", "emrs/ana-AbCdEf", "other", False),
        # any other secret of this account
        ("secretsmanager:UpdateSecretVersionStage", "prod/db-AbCdEf", "own", False),
        ("secretsmanager:DeleteSecret", "emrs/ana-AbCdEf", "own", False),
    ],
)  # fmt: skip
def test_the_function_role_reaches_only_its_stacks_secrets(
    action: str, secret: str, stack_id: str, allowed: bool
) -> None:
    """The compare-and-swap writes (PutSecretValue, UpdateSecretVersionStage)
    probed with concrete requests: only secrets tagged with this stack's ID."""
    from tests.helpers import STACK_ID
    from tests.iam_eval import ALLOWED, Principal, decide

    result = rendered()
    role = result["Resources"]["CustomResourceRole"]["Properties"]
    policy = resolve_arns(result, clean(role["Policies"][0]["PolicyDocument"]))
    function = Principal(f"arn:aws:iam::{ACCOUNT}:role/emrs-env/fn", (policy,))
    tag = STACK_ID if stack_id == "own" else STACK_ID.replace("0f3a9c12", "7d00e4b1")
    said = decide(
        function,
        action,
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{secret}",
        {f"aws:ResourceTag/{STACK_ID_TAG}": tag},
    )
    assert (said.result == ALLOWED) is allowed, said
