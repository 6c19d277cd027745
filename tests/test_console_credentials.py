"""The credentials handler against moto, answering a real local HTTP server."""

from __future__ import annotations

import json
import string
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from custom_resources import console_credentials as cc

ACCOUNT = "123456789012"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/emrs/0a1b2c3d"
SYMBOLS = set(cc.SYMBOLS)


class Recorder(BaseHTTPRequestHandler):
    """Plays CloudFormation's pre-signed response URL."""

    def do_PUT(self) -> None:  # noqa: N802 - the http.server hook name
        server: Any = self.server
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if server.failures > 0:
            server.failures -= 1
            self.send_response(500)
            self.end_headers()
            return
        server.bodies.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def cfn() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.bodies, server.failures = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/response"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def aws(mocked_aws: None) -> tuple[Any, Any]:
    """moto with two IAM users and their (placeholder) secrets."""
    iam, sm = boto3.client("iam"), boto3.client("secretsmanager")
    for user in ("ana", "raj"):
        iam.create_user(UserName=user)
        sm.create_secret(Name=f"emrs/{user}", SecretString='{"Pending": "x"}')
    return iam, sm


class Context:
    def __init__(self, millis: int = 60_000) -> None:
        self.deadline = time.monotonic() + millis / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def props(
    user: str = "ana", key: str = "false", token: str = "1", **extra: str
) -> dict:
    base = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "UserName": user,
        "SecretId": f"emrs/{user}",
        "CreateAccessKey": key,
        "RotationToken": token,
    }
    return base | extra


def send(
    cfn: Any, kind: str, new: dict, old: dict | None = None, physical=None, ctx=None
):
    event = {
        "RequestType": kind,
        "ResponseURL": cfn.url,
        "StackId": STACK,
        "RequestId": f"req-{len(cfn.bodies)}",
        "LogicalResourceId": "AnaCredentials",
        "ResourceType": "Custom::ConsoleCredentials",
        "ResourceProperties": new,
    }
    if old is not None:
        event["OldResourceProperties"] = old
    if physical is not None:
        event["PhysicalResourceId"] = physical
    before = len(cfn.bodies)
    cc.handler(event, ctx or Context())
    assert len(cfn.bodies) == before + 1, "exactly one answer per event"
    return cfn.bodies[-1]


def secret(sm: Any, user: str = "ana") -> dict:
    return json.loads(sm.get_secret_value(SecretId=f"emrs/{user}")["SecretString"])


def has_profile(iam: Any, user: str = "ana") -> bool:
    try:
        iam.get_login_profile(UserName=user)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False
    return True


def keys(iam: Any, user: str = "ana") -> list[str]:
    meta = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [k["AccessKeyId"] for k in meta]


def assert_strong(password: str, length: int = 24) -> None:
    assert len(password) >= length
    assert set(password) & set(string.ascii_uppercase)
    assert set(password) & set(string.ascii_lowercase)
    assert set(password) & set(string.digits)
    assert set(password) & SYMBOLS


def test_create_without_access_key(aws, cfn, caplog, monkeypatch) -> None:
    iam, sm = aws
    caplog.set_level("INFO")
    requested: list[dict] = []
    real_client = boto3.client

    def recording_client(name: str, **kwargs: Any) -> Any:
        client = real_client(name, **kwargs)
        client.meta.events.register(
            "provide-client-params.iam.CreateLoginProfile",
            lambda params, **_: requested.append(dict(params)),
        )
        return client

    monkeypatch.setattr(cc.boto3, "client", recording_client)
    answer = send(cfn, "Create", props())
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "console-credentials-ana"
    assert answer["NoEcho"] is True
    url = f"https://{ACCOUNT}.signin.aws.amazon.com/console"
    assert answer["Data"] == {
        "SecretArn": sm.describe_secret(SecretId="emrs/ana")["ARN"],
        "UserName": "ana",
        "ConsoleSignInUrl": url,
    }
    value = secret(sm)
    assert set(value) == {"UserName", "Password", "ConsoleSignInUrl"}
    assert value["UserName"] == "ana" and value["ConsoleSignInUrl"] == url
    assert_strong(value["Password"])
    assert has_profile(iam) and keys(iam) == []
    (request,) = requested  # moto does not keep the flag; check what was asked
    assert request["PasswordResetRequired"] is True and request["UserName"] == "ana"
    assert value["Password"] not in caplog.text
    assert value["Password"] not in json.dumps(cfn.bodies)
    assert all(
        json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "root"
    )


def test_create_with_access_key(aws, cfn, caplog) -> None:
    iam, sm = aws
    caplog.set_level("INFO")
    assert send(cfn, "Create", props(key="true"))["Status"] == "SUCCESS"
    value = secret(sm)
    assert keys(iam) == [value["AccessKeyId"]]
    assert value["SecretAccessKey"] not in caplog.text
    assert value["SecretAccessKey"] not in json.dumps(cfn.bodies)


def test_password_policy_with_symbols_and_32_characters(aws, cfn) -> None:
    iam, sm = aws
    iam.update_account_password_policy(
        MinimumPasswordLength=32,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    assert send(cfn, "Create", props())["Status"] == "SUCCESS"
    assert_strong(secret(sm)["Password"], length=32)


def test_rotation_token_sets_a_new_password_and_keeps_the_key(aws, cfn) -> None:
    iam, sm = aws
    send(cfn, "Create", props(key="true"))
    before = secret(sm)
    answer = send(cfn, "Update", props(key="true", token="2"), props(key="true"),
                  physical="console-credentials-ana")  # fmt: skip
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "console-credentials-ana"
    after = secret(sm)
    assert after["Password"] != before["Password"]
    assert after["AccessKeyId"] == before["AccessKeyId"] and keys(iam) == [
        before["AccessKeyId"]
    ]


def test_update_without_changes_keeps_the_password(aws, cfn) -> None:
    _, sm = aws
    send(cfn, "Create", props())
    before = secret(sm)
    send(cfn, "Update", props(), props(), physical="console-credentials-ana")
    assert secret(sm) == before


def test_toggling_the_access_key(aws, cfn) -> None:
    iam, sm = aws
    send(cfn, "Create", props())
    send(cfn, "Update", props(key="true"), props(), physical="console-credentials-ana")
    value = secret(sm)
    assert keys(iam) == [value["AccessKeyId"]]
    answer = send(
        cfn, "Update", props(key="false"), props(key="true"),
        physical="console-credentials-ana",
    )  # fmt: skip
    assert answer["Status"] == "SUCCESS"
    assert keys(iam) == [] and "AccessKeyId" not in secret(sm)
    assert secret(sm)["Password"] == value["Password"]


def test_changed_user_name_is_a_replacement(aws, cfn) -> None:
    iam, sm = aws
    send(cfn, "Create", props("ana"))
    answer = send(
        cfn, "Update", props("raj"), props("ana"), physical="console-credentials-ana"
    )
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "console-credentials-raj"
    assert has_profile(iam, "raj") and secret(sm, "raj")["UserName"] == "raj"
    # CloudFormation then deletes the old physical resource with the old properties.
    send(cfn, "Delete", props("ana"), physical="console-credentials-ana")
    assert not has_profile(iam, "ana") and has_profile(iam, "raj")


def test_delete_removes_profile_and_key(aws, cfn) -> None:
    iam, _ = aws
    send(cfn, "Create", props(key="true"))
    answer = send(cfn, "Delete", props(key="true"), physical="console-credentials-ana")
    assert answer["Status"] == "SUCCESS"
    assert not has_profile(iam) and keys(iam) == []
    again = send(cfn, "Delete", props(key="true"), physical="console-credentials-ana")
    assert again["Status"] == "SUCCESS"


def test_delete_after_failed_create(aws, cfn) -> None:
    failed = send(cfn, "Create", props(CreateAccessKey="maybe"))
    assert failed["Status"] == "FAILED"
    answer = send(cfn, "Delete", props(CreateAccessKey="maybe"),
                  physical=failed["PhysicalResourceId"])  # fmt: skip
    assert answer["Status"] == "SUCCESS"
    missing = send(cfn, "Create", {"ServiceToken": "x"})
    gone = send(
        cfn, "Delete", {"ServiceToken": "x"}, physical=missing["PhysicalResourceId"]
    )
    assert gone["Status"] == "SUCCESS"


def test_delete_when_the_user_is_already_gone(aws, cfn) -> None:
    iam, _ = aws
    send(cfn, "Create", props())
    iam.delete_login_profile(UserName="ana")
    iam.delete_user(UserName="ana")
    answer = send(cfn, "Delete", props(), physical="console-credentials-ana")
    assert answer["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"SecretId": "emrs/ana"}, "UserName is required"),
        (props(UserName="bad name"), "UserName is not a valid IAM user name"),
        ({"UserName": "ana"}, "SecretId is required"),
        (props(CreateAccessKey="yes"), "CreateAccessKey must be 'true' or 'false'"),
        (props("nobody"), "CreateLoginProfile failed: NoSuchEntity"),
    ],
)
def test_bad_properties_fail_with_a_reason(
    aws, cfn, properties, reason, monkeypatch
) -> None:
    monkeypatch.setattr(cc, "ATTEMPTS", 1)  # do not wait for IAM to catch up
    answer = send(cfn, "Create", properties)
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(reason), answer["Reason"]
    assert answer["Data"] == {}


def test_missing_secret_leaves_no_profile_or_key(aws, cfn) -> None:
    iam, _ = aws
    answer = send(cfn, "Create", props(key="true", SecretId="emrs/nope"))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "PutSecretValue failed: ResourceNotFoundException"
    assert not has_profile(iam) and keys(iam) == []


def test_response_url_failing_twice(aws, cfn) -> None:
    cfn.failures = 2
    assert send(cfn, "Create", props())["Status"] == "SUCCESS"
    assert cfn.failures == 0


def test_deadline_guard_answers_before_the_timeout(aws, cfn, monkeypatch) -> None:
    iam, _ = aws
    slow = cc.new_password

    def slow_password(client: Any) -> str:
        time.sleep(1.0)
        return slow(client)

    monkeypatch.setattr(cc, "new_password", slow_password)
    started = time.monotonic()
    answer = send(
        cfn, "Create", props(), ctx=Context(int((cc.GUARD_SECONDS + 0.2) * 1000))
    )
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "Timed out before the work finished"
    assert answer["PhysicalResourceId"] == "console-credentials-ana"
    assert time.monotonic() - started < 5
    # The late SUCCESS was not sent; the Delete CloudFormation sends next cleans up.
    send(cfn, "Delete", props(), physical="console-credentials-ana")
    assert not has_profile(iam)


def test_unexpected_exception_is_answered(aws, cfn, monkeypatch) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(cc, "handle", broken)
    answer = send(cfn, "Create", props())
    assert answer["Status"] == "FAILED" and answer["Reason"] == "Unexpected KeyError"


def test_throttling_is_retried_with_backoff() -> None:
    calls, sleeps = [], []

    def flaky(**kwargs: str) -> str:
        calls.append(kwargs)
        if len(calls) < 3:
            raise ClientError({"Error": {"Code": "Throttling"}}, "GetUser")
        return "ok"

    assert cc.call(flaky, sleep=sleeps.append, UserName="ana") == "ok"
    assert len(calls) == 3 and sleeps == [0.25, 0.5]

    def denied() -> None:
        calls.append({})
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "GetUser")

    with pytest.raises(ClientError):
        cc.call(denied, sleep=sleeps.append)
    assert len(calls) == 4 and len(sleeps) == 2, "other errors are not retried"


@pytest.mark.parametrize(
    ("partition", "domain"),
    [
        ("aws", "signin.aws.amazon.com"),
        ("aws-cn", "signin.amazonaws.cn"),
        ("aws-us-gov", "signin.amazonaws-us-gov.com"),
    ],
)
def test_sign_in_url_is_partition_correct(aws, partition: str, domain: str) -> None:
    iam, _ = aws
    arn = f"arn:{partition}:cloudformation:r:{ACCOUNT}:stack/s/1"
    assert cc.sign_in_url(arn, iam) == f"https://{ACCOUNT}.{domain}/console"
    iam.create_account_alias(AccountAlias="analytics")
    assert cc.sign_in_url(arn, iam) == f"https://analytics.{domain}/console"


def lockdown_event(
    cfn: Any, kind: str, group: str, physical: str | None = None
) -> dict:
    event = {
        "RequestType": kind,
        "ResponseURL": cfn.url,
        "StackId": STACK,
        "RequestId": f"req-{len(cfn.bodies)}",
        "LogicalResourceId": "DefaultSecurityGroupRules",
        "ResourceType": "Custom::DefaultSecurityGroup",
        "ResourceProperties": {"ServiceToken": "x", "GroupId": group},
    }
    if physical:
        event["PhysicalResourceId"] = physical
    cc.handler(event, Context())
    return cfn.bodies[-1]


def test_default_security_group_loses_every_rule(aws, cfn) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    (group,) = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    assert group["IpPermissions"] or group["IpPermissionsEgress"]
    answer = lockdown_event(cfn, "Create", group["GroupId"])
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == f"default-security-group-{group['GroupId']}"
    (after,) = ec2.describe_security_groups(GroupIds=[group["GroupId"]])[
        "SecurityGroups"
    ]
    assert after["IpPermissions"] == [] and after["IpPermissionsEgress"] == []
    again = lockdown_event(
        cfn, "Update", group["GroupId"], answer["PhysicalResourceId"]
    )
    assert again["Status"] == "SUCCESS"
    gone = lockdown_event(cfn, "Delete", group["GroupId"], answer["PhysicalResourceId"])
    assert gone["Status"] == "SUCCESS"


def test_default_security_group_bad_id(aws, cfn) -> None:
    answer = lockdown_event(cfn, "Create", "not-a-group")
    assert answer["Status"] == "FAILED" and "GroupId" in answer["Reason"]
    deleted = lockdown_event(cfn, "Delete", "not-a-group", answer["PhysicalResourceId"])
    assert deleted["Status"] == "SUCCESS"
    missing = lockdown_event(cfn, "Create", "sg-0123456789abcdef0")
    assert missing["Status"] == "FAILED"
    assert missing["Reason"].startswith("DescribeSecurityGroups failed: InvalidGroup")
