"""The stack's custom-resource function against moto, answering a local HTTP server."""

from __future__ import annotations

import json
import re
import string
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from custom_resources import stack_function as cc
from tests.scripted import Status

ACCOUNT = "123456789012"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/emrs/0a1b2c3d"
# The IAM path the template gives the stack's users (names.USER_PATH): the function
# acts only on users under it.
USER_PATH = "/emrs-env/us-east-1/emrs/"
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
        server.paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def cfn() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.bodies, server.paths, server.failures = [], [], 0
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
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
        iam.create_user(UserName=user, Path=USER_PATH)
        sm.create_secret(Name=f"emrs/{user}", SecretString='{"Pending": "x"}')
    # a same-named stack's user in another region (RegionalIamNames): not ours
    iam.create_user(UserName="elsewhere", Path="/emrs-env/eu-west-1/emrs/")
    sm.create_secret(Name="emrs/elsewhere", SecretString='{"Pending": "x"}')
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
    assert answer["Data"] == {}, "no template output reads the answer's data"
    value = secret(sm)
    assert set(value) == {"UserName", "Password", "ConsoleSignInUrl", "RequestId"}
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
    after = secret(sm)
    assert after.pop("RequestId") == "req-1" and before.pop("RequestId") == "req-0"
    assert after == before


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


def test_delete_when_the_user_is_already_gone(aws, cfn, monkeypatch) -> None:
    iam, _ = aws
    send(cfn, "Create", props())
    monkeypatch.setattr(cc, "ATTEMPTS", 1)  # do not wait for IAM to catch up
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
        (props("nobody", SecretId="emrs/ana"), "IAM user nobody does not exist"),
        # a user outside the stack's IAM path, such as another region's stack's
        (props("elsewhere"), "IAM user elsewhere is not one of this stack's users"),
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


def test_another_region_s_user_is_never_touched(aws, cfn) -> None:
    """The same stack name in two regions: each stack's users carry their region
    in their path, and the function refuses a user outside its own, on create,
    update and delete (a forged event for the other region's user changes
    nothing)."""
    iam, _ = aws
    iam.create_login_profile(UserName="elsewhere", Password="Kept-1-password!")
    created = send(cfn, "Create", props("elsewhere", key="true"))
    assert created["Status"] == "FAILED"
    assert "not one of this stack's users" in created["Reason"]
    gone = send(
        cfn, "Delete", props("elsewhere"), physical="console-credentials-elsewhere"
    )
    assert gone["Status"] == "SUCCESS"
    assert iam.get_login_profile(UserName="elsewhere")["LoginProfile"]
    assert iam.list_access_keys(UserName="elsewhere")["AccessKeyMetadata"] == []


def test_the_function_s_user_path_is_the_template_s() -> None:
    from generator.template.names import USER_PATH as TEMPLATE_PATH

    assert cc.stack_user_path(STACK) == TEMPLATE_PATH.replace(
        "${AWS::Region}", "us-east-1"
    ).replace("${AWS::StackName}", "emrs")
    for bad in ("s", "arn:aws:cloudformation:us-east-1:1:stack", "a:b:c:d:e:f/g"):
        with pytest.raises(cc.Failure, match="not a CloudFormation stack ARN"):
            cc.stack_user_path(bad)


def test_missing_secret_leaves_no_profile_or_key(aws, cfn) -> None:
    iam, _ = aws
    answer = send(cfn, "Create", props(key="true", SecretId="emrs/nope"))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "PutSecretValue failed: ResourceNotFoundException: "
        "Secrets Manager can't find the specified secret."
    )
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

    monkeypatch.setattr(cc, "credentials_create", broken)
    monkeypatch.setitem(cc.HANDLERS["Custom::ConsoleCredentials"], "Create", broken)
    answer = send(cfn, "Create", props())
    assert answer["Status"] == "FAILED" and answer["Reason"] == "Unexpected KeyError"


USER = {
    "Path": "/",
    "UserName": "ana",
    "UserId": "AIDAEXAMPLEANA0000000",
    "Arn": f"arn:aws:iam::{ACCOUNT}:user/ana",
    "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
}


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


def function_event(
    cfn: Any,
    kind: str,
    logical: str,
    resource_type: str,
    props: dict,
    old: dict | None = None,
    physical: str | None = None,
) -> dict:
    """A CloudFormation request to the stack function, answered to `cfn`."""
    event = {
        "RequestType": kind,
        "ResponseURL": cfn.url,
        "StackId": STACK,
        "RequestId": f"req-{len(cfn.bodies)}",
        "LogicalResourceId": logical,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": "x", **props},
    }
    if old is not None:
        event["OldResourceProperties"] = {"ServiceToken": "x", **old}
    if physical is not None:
        event["PhysicalResourceId"] = physical
    return event


def lockdown_event(
    cfn: Any, kind: str, group: str, physical: str | None = None
) -> dict:
    event = function_event(
        cfn, kind, "DefaultSecurityGroupRules", "Custom::DefaultSecurityGroup",
        {"GroupId": group}, physical=physical,
    )  # fmt: skip
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


# --- no untracked access keys, whatever fails ---------------------------------------


def refuse(client: Any, code: str, *operations: str) -> Any:
    """The real client, whose named operations (snake_case) AWS answers with the
    error `code`; botocore still builds and validates every request, and raises the
    modelled exception class. The rest go on to moto."""
    service_model = client.meta.service_model
    names = {xform_name(op): op for op in service_model.operation_names}
    unknown = sorted(set(operations) - set(names))
    assert not unknown, f"{service_model.service_name} has no operation {unknown}"

    def refused(model: Any, **_kwargs: Any) -> tuple[Status, dict]:
        return Status(400), {
            "Error": {"Code": code, "Message": f"{model.name} denied"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    service = service_model.service_id.hyphenize()
    for operation in operations:
        client.meta.events.register_first(
            f"before-call.{service}.{names[operation]}", refused
        )
    return client


def deny(monkeypatch, service: str, code: str, *operations: str) -> None:
    real = boto3.client

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        return refuse(made, code, *operations) if name == service else made

    monkeypatch.setattr(cc.boto3, "client", client)


@pytest.mark.parametrize("code", ["AccessDeniedException", "DecryptionFailure"])
@pytest.mark.parametrize("want_key", ["true", "false"])
def test_unreadable_secret_fails_and_leaves_the_recorded_key_only(
    aws, cfn, monkeypatch, code: str, want_key: str
) -> None:
    iam, sm = aws
    send(cfn, "Create", props(key="true"))
    before = secret(sm)
    deny(monkeypatch, "secretsmanager", code, "get_secret_value")
    answer = send(cfn, "Update", props(key=want_key, token="2"), props(key="true"),
                  physical="console-credentials-ana")  # fmt: skip
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(
        f"cannot read the stored credentials: GetSecretValue failed: {code}"
    )
    assert keys(iam) == [before["AccessKeyId"]] and secret(sm) == before
    monkeypatch.undo()
    # Delete trusts IAM, not the secret: every key goes, even unreadable ones.
    deny(monkeypatch, "secretsmanager", code, "get_secret_value")
    assert (
        send(cfn, "Delete", props(key="true"), physical="console-credentials-ana")[
            "Status"
        ]
        == "SUCCESS"
    )
    assert keys(iam) == [] and not has_profile(iam)


def test_placeholder_or_missing_secret_means_nothing_stored(aws) -> None:
    _, sm = aws
    assert cc.stored(sm, "emrs/ana")[0] == {}
    assert cc.stored(sm, "emrs/nobody") == ({}, None)
    sm.put_secret_value(SecretId="emrs/ana", SecretString="[1, 2]")
    with pytest.raises(cc.Failure, match="does not hold credentials JSON"):
        cc.stored(sm, "emrs/ana")
    sm.put_secret_value(SecretId="emrs/ana", SecretString="not json")
    with pytest.raises(cc.Failure):
        cc.stored(sm, "emrs/ana")


def test_update_deletes_keys_the_secret_does_not_record(aws, cfn) -> None:
    iam, sm = aws
    send(cfn, "Create", props(key="true"))
    stray = iam.create_access_key(UserName="ana")["AccessKey"]["AccessKeyId"]
    send(cfn, "Update", props(key="true", token="2"), props(key="true"),
         physical="console-credentials-ana")  # fmt: skip
    recorded = secret(sm)["AccessKeyId"]
    assert keys(iam) == [recorded] and recorded != stray


def test_a_recorded_key_deleted_outside_is_replaced(aws, cfn) -> None:
    iam, sm = aws
    send(cfn, "Create", props(key="true"))
    old = secret(sm)["AccessKeyId"]
    iam.delete_access_key(UserName="ana", AccessKeyId=old)
    send(cfn, "Update", props(key="true", token="2"), props(key="true"),
         physical="console-credentials-ana")  # fmt: skip
    new = secret(sm)["AccessKeyId"]
    assert new != old and keys(iam) == [new]


def test_delete_removes_keys_nobody_recorded(aws, cfn) -> None:
    iam, _ = aws
    send(cfn, "Create", props())
    iam.create_access_key(UserName="ana")
    send(cfn, "Delete", props(), physical="console-credentials-ana")
    assert keys(iam) == [] and not has_profile(iam)


def same_request(cfn: Any, request_id: str, properties: dict) -> dict:
    event = {
        "RequestType": "Create",
        "ResponseURL": cfn.url,
        "StackId": STACK,
        "RequestId": request_id,
        "LogicalResourceId": "AnaCredentials",
        "ResourceType": "Custom::ConsoleCredentials",
        "ResourceProperties": properties,
    }
    cc.handler(event, Context())
    return cfn.bodies[-1]


def test_the_same_request_run_twice_does_the_work_once(aws, cfn) -> None:
    iam, sm = aws
    first = same_request(cfn, "req-once", props(key="true"))
    stored = secret(sm)
    second = same_request(cfn, "req-once", props(key="true"))
    assert first["Status"] == second["Status"] == "SUCCESS"
    assert first["Data"] == second["Data"]
    assert secret(sm) == stored and keys(iam) == [stored["AccessKeyId"]]


def test_a_run_that_died_before_storing_leaves_no_second_key(aws, cfn) -> None:
    iam, sm = aws
    # The first run made a key and a profile, then Lambda stopped it.
    iam.create_access_key(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Aa1!" * 8)
    answer = same_request(cfn, "req-again", props(key="true"))
    assert answer["Status"] == "SUCCESS"
    assert keys(iam) == [secret(sm)["AccessKeyId"]]


def test_failed_store_deletes_the_key_it_made(aws, cfn, monkeypatch) -> None:
    iam, _ = aws
    deny(monkeypatch, "secretsmanager", "AccessDeniedException", "put_secret_value")
    answer = send(cfn, "Create", props(key="true"))
    assert answer["Status"] == "FAILED"
    assert "PutSecretValue failed: AccessDeniedException" in answer["Reason"]
    assert keys(iam) == [] and not has_profile(iam)


# --- rotation as IAM sees it ------------------------------------------------------


def recording(monkeypatch, operation: str) -> list[dict]:
    requested: list[dict] = []
    real = boto3.client

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        made.meta.events.register(
            f"provide-client-params.iam.{operation}",
            lambda params, **_: requested.append(dict(params)),
        )
        return made

    monkeypatch.setattr(cc.boto3, "client", client)
    return requested


def test_rotation_gives_iam_the_stored_password(aws, cfn, monkeypatch) -> None:
    _, sm = aws
    send(cfn, "Create", props())
    before = secret(sm)["Password"]
    updates = recording(monkeypatch, "UpdateLoginProfile")
    send(cfn, "Update", props(token="2"), props(), physical="console-credentials-ana")
    after = secret(sm)["Password"]
    assert after != before
    (update,) = updates
    assert update == {
        "UserName": "ana",
        "Password": after,
        "PasswordResetRequired": True,
    }
    send(cfn, "Update", props(token="2"), props(token="2"),
         physical="console-credentials-ana")  # fmt: skip
    assert len(updates) == 1, "no rotation without a new token"


def test_update_failing_after_the_new_password_keeps_the_login(
    aws, cfn, monkeypatch
) -> None:
    iam, _ = aws
    send(cfn, "Create", props())
    deny(monkeypatch, "secretsmanager", "AccessDeniedException", "put_secret_value")
    answer = send(cfn, "Update", props(token="2"), props(),
                  physical="console-credentials-ana")  # fmt: skip
    assert answer["Status"] == "FAILED"
    assert has_profile(iam), "an existing login profile is never deleted on failure"


def test_passwords_are_shuffled(aws) -> None:
    iam, _ = aws
    firsts = {cc.new_password(iam)[0] in string.ascii_uppercase for _ in range(40)}
    assert firsts == {True, False}
    assert {len(cc.new_password(iam)) for _ in range(5)} == {24}


# --- registry, diagnosis and permissions ------------------------------------------


def test_unknown_resource_type_fails_and_its_delete_succeeds(aws, cfn) -> None:
    event = {
        "RequestType": "Create",
        "ResponseURL": cfn.url,
        "StackId": STACK,
        "RequestId": "req-x",
        "LogicalResourceId": "Odd",
        "ResourceType": "Custom::Unknown",
        "ResourceProperties": props(),
    }
    cc.handler(event, Context())
    answer = cfn.bodies[-1]
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "unknown resource type 'Custom::Unknown'"
    assert answer["PhysicalResourceId"] == "failed-Odd"
    iam, _ = aws
    assert not has_profile(iam), "never sent to the credentials code"
    cc.handler(event | {"RequestType": "Delete", "PhysicalResourceId": "failed-Odd"},
               Context())  # fmt: skip
    assert cfn.bodies[-1]["Status"] == "SUCCESS"


def test_failed_create_answers_the_users_physical_id(aws, cfn, monkeypatch) -> None:
    deny(monkeypatch, "secretsmanager", "AccessDeniedException", "put_secret_value")
    answer = send(cfn, "Create", props())
    assert answer["PhysicalResourceId"] == "console-credentials-ana"
    bad = send(cfn, "Create", props(UserName="bad name"))
    assert bad["PhysicalResourceId"] == "failed-AnaCredentials"


def test_errors_are_logged_with_code_message_and_trace_without_account(
    aws, cfn, caplog, monkeypatch
) -> None:
    caplog.set_level("INFO")

    def broken(*_args: object) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": f"arn:aws:iam::{ACCOUNT}:x"}},
            "CreateLoginProfile",
        )

    monkeypatch.setitem(cc.HANDLERS["Custom::ConsoleCredentials"], "Create", broken)
    answer = send(cfn, "Create", props())
    assert answer["Reason"] == (
        "CreateLoginProfile failed: AccessDenied: arn:aws:iam::<account>:x"
    )
    assert ACCOUNT not in caplog.text and "AccessDenied" in caplog.text

    def crash(*_args: object) -> None:
        raise ZeroDivisionError(f"account {ACCOUNT}")

    monkeypatch.setitem(cc.HANDLERS["Custom::ConsoleCredentials"], "Create", crash)
    assert send(cfn, "Create", props())["Reason"] == "Unexpected ZeroDivisionError"
    record = json.loads(caplog.records[-2].getMessage())
    assert "Traceback" in record["trace"] and "crash" in record["trace"]
    assert ACCOUNT not in caplog.text


def test_deadline_guard_leaves_five_seconds(aws, cfn, monkeypatch) -> None:
    timers: list[float] = []
    real = cc.threading.Timer

    def timer(seconds: float, fn: Any) -> Any:
        timers.append(seconds)
        return real(seconds, fn)

    monkeypatch.setattr(cc.threading, "Timer", timer)
    send(cfn, "Create", props(), ctx=Context(60_000))
    assert 54.0 < timers[0] <= 55.0


def handler_calls() -> set[str]:
    """IAM actions of every AWS call the function's source makes (each action is
    named as its API operation, for these services), as tests/aws_calls.py finds
    them: direct calls, calls through call(), and paginators."""
    from pathlib import Path

    from tests.aws_calls import Models, calls_in_source

    models = Models()
    source = Path(cc.__file__).read_text()
    return {
        f"{c.service}:{models.operations(c.service)[c.method]}"
        for c in calls_in_source(source, "stack_function.py")
    }


def test_role_grants_exactly_the_calls_the_function_makes() -> None:
    from tests.helpers import clean, render

    result = render(
        {"EncryptionKey": "customer-managed", "MonthlyBudgetUsd": "500",
         "BudgetAlertEmail": "ops@example.com"},
        developers=("ana",),
    )  # fmt: skip
    role = result["Resources"]["CustomResourceRole"]["Properties"]
    statements = clean(role["Policies"][0]["PolicyDocument"])["Statement"]
    granted = {
        a
        for s in statements
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        if not a.startswith(("logs:", "kms:"))
    }
    # AWS Budgets authorizes CreateBudget and DeleteBudget with one action
    # (Service Authorization Reference, AWS Budgets: ModifyBudget)
    budgets = {"budgets:CreateBudget", "budgets:DeleteBudget"}
    called = handler_calls()
    assert budgets <= called
    assert granted == (called - budgets) | {"budgets:ModifyBudget"}


# --- answers: only what the template reads, one for every event ---------------------

TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def custom_attributes_read(template: dict) -> set[tuple[str, str]]:
    """(logical ID, attribute) of every GetAtt, in any form, on a Custom:: resource."""
    from generator.template.intrinsics import attributes

    kinds = {k: r["Type"] for k, r in template["Resources"].items()}
    found = set(attributes(template))
    return {(r, a) for r, a in found if kinds.get(r, "").startswith("Custom::")}


def test_the_template_reads_no_data_of_the_functions_answers() -> None:
    from tests.helpers import template_dict

    for developers in (None, ("ana", "raj")):
        assert custom_attributes_read(template_dict(developers)) == set()


def test_no_answer_carries_an_account_id(aws, cfn, monkeypatch) -> None:
    """StackId, CloudFormation's own ARN, is echoed as the protocol asks; nothing
    else in an answer (its Data, Reason or physical ID) holds a 12-digit number."""
    monkeypatch.setattr(cc, "ATTEMPTS", 1)
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)[
        "GroupId"
    ]
    creds = "Custom::ConsoleCredentials"
    cases = [
        ("Create", creds, props(key="true"), None, None),
        ("Update", creds, props(key="true", token="2"), props(key="true"),
         "console-credentials-ana"),
        ("Create", creds, props(CreateAccessKey=ACCOUNT), None, None),
        ("Create", creds, props("nobody", SecretId="emrs/raj"), None, None),
        ("Delete", creds, props(key="true"), None, "console-credentials-ana"),
        ("Create", "Custom::DefaultSecurityGroup", {"GroupId": group}, None, None),
        ("Create", "Custom::DefaultSecurityGroup", {"GroupId": "sg-0123456789abcdef0"},
         None, None),
        ("Create", "Custom::StopApplicationBeforeUpdate", {"StackResource": "App"},
         None, None),
        ("Create", "Custom::StopApplicationBeforeDelete", {"ApplicationId": "00f1"},
         None, None),
        ("Create", "Custom::NetworkCleanup", {"SecurityGroupIds": [group]}, None, None),
        ("Delete", "Custom::NetworkCleanup", {"SecurityGroupIds": [group]}, None,
         "network-interface-cleanup"),
        ("Create", "Custom::Unknown", {}, None, None),
    ]  # fmt: skip
    for kind, resource_type, new, old, physical in cases:
        event = function_event(cfn, kind, "R", resource_type, new, old, physical)
        cc.handler(event, Context())
    assert len(cfn.bodies) == len(cases)
    assert [b["Status"] for b in cfn.bodies].count("SUCCESS") == 8
    for body in cfn.bodies:
        assert body["StackId"] == STACK
        rest = json.dumps({k: v for k, v in body.items() if k != "StackId"})
        assert not TWELVE_DIGITS.search(rest), rest
        if body["Status"] == "SUCCESS":
            assert body["Data"] == {}


MALFORMED = [
    {"ResourceProperties": ["ana"]},
    {"ResourceProperties": "UserName=ana"},
    {"ResourceProperties": None},
    {"ResourceProperties": 7},
    {"OldResourceProperties": "x", "RequestType": "Update"},
    {"RequestType": None},
    {"RequestType": ["Create"]},
    {"ResourceType": ["Custom::ConsoleCredentials"]},
    {"ResourceType": None},
]
TYPES = [
    "Custom::ConsoleCredentials",
    "Custom::DefaultSecurityGroup",
    "Custom::StopApplicationBeforeUpdate",
    "Custom::StopApplicationBeforeDelete",
    "Custom::NetworkCleanup",
]


@pytest.mark.parametrize("resource_type", TYPES)
@pytest.mark.parametrize("kind", ["Create", "Delete"])
def test_every_malformed_event_gets_exactly_one_answer(
    aws, cfn, resource_type: str, kind: str
) -> None:
    for change in MALFORMED:
        physical = "p-1" if kind == "Delete" else None
        event = function_event(cfn, kind, "R", resource_type, props(), None, physical)
        event.update(change)
        if "ResourceProperties" in change and change["ResourceProperties"] is None:
            del event["ResourceProperties"]
        before = len(cfn.bodies)
        cc.handler(event, Context())
        assert len(cfn.bodies) == before + 1, f"exactly one answer to {change}"
        answer = cfn.bodies[-1]
        assert answer["Reason"], change
        if answer["Status"] == "FAILED":
            assert answer["PhysicalResourceId"], change


def test_malformed_events_fail_with_a_reason_and_their_deletes_succeed(
    aws, cfn
) -> None:
    def answer(kind: str, **change: Any) -> dict:
        event = function_event(cfn, kind, "Ana", "Custom::ConsoleCredentials", props())
        event.update(change)
        cc.handler(event, Context())
        return cfn.bodies[-1]

    failed = answer("Create", ResourceProperties=["ana"])
    assert (failed["Status"], failed["Reason"]) == (
        "FAILED", "ResourceProperties must be an object"
    )  # fmt: skip
    assert failed["PhysicalResourceId"] == "failed-Ana"
    gone = answer("Delete", ResourceProperties="x", PhysicalResourceId="failed-Ana")
    assert gone["Status"] == "SUCCESS"
    odd = answer("Create", RequestType=None)
    assert odd["Reason"] == "unknown request type None"
    assert odd["PhysicalResourceId"] == "console-credentials-ana"
    typed = answer("Create", ResourceType=["x"])
    assert typed["Reason"] == "unknown resource type ['x']"


def test_a_renamed_user_gets_the_password_its_new_secret_stores(
    aws, cfn, monkeypatch
) -> None:
    """Update that changes UserName: a new user, whose secret may hold a password
    from an earlier resource; IAM must end with exactly the stored password."""
    iam, sm = aws
    send(cfn, "Create", props("ana"))
    sm.put_secret_value(SecretId="emrs/raj", SecretString=json.dumps(
        {"UserName": "raj", "Password": "Earlier-password-1!", "RequestId": "r-old"}
    ))  # fmt: skip
    given: list[str] = []
    real = boto3.client

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        for operation in ("CreateLoginProfile", "UpdateLoginProfile"):
            made.meta.events.register(
                f"provide-client-params.iam.{operation}",
                lambda params, **_: given.append(params["Password"]),
            )
        return made

    monkeypatch.setattr(cc.boto3, "client", client)
    answer = send(cfn, "Update", props("raj"), props("ana"),
                  physical="console-credentials-ana")  # fmt: skip
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "console-credentials-raj"
    assert has_profile(iam, "raj")
    assert given and given[-1] == secret(sm, "raj")["Password"]
