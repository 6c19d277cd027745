"""The template side of the credentials custom resource."""

from __future__ import annotations

from generator.template.function import HANDLER_SOURCE, RUNTIME, TIMEOUT_SECONDS
from tests.helpers import ACCOUNT, as_list, clean, of_type, render, resolve_arns

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
        f"arn:aws:iam::{ACCOUNT}:user/emrs-env/my-cloud-radar-stack/*"
    ]
    for user in of_type(result, "AWS::IAM::User").values():
        assert user["Properties"]["Path"] == "/emrs-env/my-cloud-radar-stack/"
    assert all(a.startswith("iam:") for a in manage["Action"])
    assert not any("Delete" in a and "User" in a for a in manage["Action"])
    assert statements["StoreCredentials"]["Resource"] == [
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:qa-emrs/*"
    ]
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
    assert outputs["DeveloperAnaSecretArn"]["Value"] == "DeveloperAnaSecret"
    link = outputs["DeveloperAnaSecretConsoleUrl"]["Value"]
    assert link == (
        "https://us-east-1.console.aws.amazon.com/secretsmanager/secret"
        "?name=emrs/ana&region=us-east-1"
    )
    for name, output in outputs.items():
        assert "Password" not in str(output["Value"]), name


def test_groups_let_users_change_their_own_password() -> None:
    for group in of_type(rendered(), "AWS::IAM::Group").values():
        (policy,) = group["Properties"]["Policies"]
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        change = statements["ChangeOwnPassword"]
        assert change["Resource"] == [
            f"arn:aws:iam::{ACCOUNT}:user/emrs-env/my-cloud-radar-stack/"
            "${aws:username}"
        ]
