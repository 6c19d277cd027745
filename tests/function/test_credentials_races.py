"""Console credentials when runs overlap or AWS calls fail ambiguously.

Lambda may deliver one event more than once, and the copies may run at once
(Lambda Developer Guide, "Invoking a Lambda function asynchronously"). A call may
succeed at AWS and still fail at the client (botocore's ReadTimeoutError after the
request was served). Either way the function must leave IAM holding exactly the
access key and password the secret's current version records. moto plays IAM and
Secrets Manager (it keeps the login password, so the tests read it there); botocore
event handlers on the real clients play the time-outs. Copies that overlap are
played at scale, with faults, in test_credentials_harness.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto.iam.models import iam_backends
from moto.secretsmanager.models import SecretsManagerBackend

from custom_resources import stack_function as cc
from tests.function import test_stack_function as base
from tests.function.test_stack_function import (
    ACCOUNT,
    USER_PATH,
    props,
    refuse,
)

cfn, aws = base.cfn, base.aws  # the response server and moto, fixtures here too


def password_in_iam(user: str) -> str | None:
    """The login password moto's IAM holds for the user (None: no login profile)."""
    return iam_backends[ACCOUNT]["global"].users[user].password


def recorded(sm: Any, user: str) -> dict:
    return json.loads(sm.get_secret_value(SecretId=f"emrs/{user}")["SecretString"])


def keys(iam: Any, user: str) -> list[str]:
    meta = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [k["AccessKeyId"] for k in meta]


def assert_in_step(iam: Any, sm: Any, user: str) -> dict:
    """IAM holds exactly the key (none or one) and the password the secret records."""
    value = recorded(sm, user)
    assert keys(iam, user) == [value[k] for k in ("AccessKeyId",) if k in value]
    assert password_in_iam(user) == value.get("Password")
    return value


@pytest.fixture
def atomic_secret_versions(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PutSecretValue and UpdateSecretVersionStage move AWSCURRENT and AWSPREVIOUS
    in one step, and the latter only when AWSCURRENT is still on the version named
    in RemoveFromVersionId (Secrets Manager API Reference, PutSecretValue and
    UpdateSecretVersionStage); moto checks and relabels in several, which threads
    can interleave. One lock makes moto's reads and writes of a secret atomic, as
    AWS's are; every call still goes through the real botocore client and moto."""
    lock = threading.Lock()
    for name in ("put_secret_value", "get_secret_value", "update_secret_version_stage"):
        real = getattr(SecretsManagerBackend, name)  # after mocked_aws relabels

        def locked(self: Any, *args: Any, _real: Callable = real, **kwargs: Any):
            with lock:
                return _real(self, *args, **kwargs)

        monkeypatch.setattr(SecretsManagerBackend, name, locked)


def settled_user(iam: Any, sm: Any, user: str) -> None:
    """A user whose key and password the secret records, as a Create leaves them."""
    iam.create_user(UserName=user, Path=USER_PATH)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    iam.create_login_profile(UserName=user, Password="Old-password-1!" * 2)
    value = {"UserName": user, "Password": "Old-password-1!" * 2, "RequestId": "r0",
             "AccessKeyId": key["AccessKeyId"],
             "SecretAccessKey": key["SecretAccessKey"]}  # fmt: skip
    sm.create_secret(Name=f"emrs/{user}", SecretString=json.dumps(value))


def time_out_after(client: Any, operation: str, when: Callable[[dict], bool]) -> None:
    """The first call of the operation that `when` picks reaches moto and succeeds
    there, then the client raises botocore's ReadTimeoutError, as when AWS's answer
    never arrives. botocore emits after-call outside its retry loop, so the error
    reaches the caller as it would once botocore gave up retrying."""
    service = client.meta.service_model.service_id.hyphenize()
    asked: list[dict] = []
    client.meta.events.register(
        f"provide-client-params.{service}.{operation}",
        lambda params, **_: asked.append(dict(params)),
    )
    lost: list[dict] = []

    def lose(**_kwargs: Any) -> None:
        if not lost and when(asked[-1]):
            lost.append(asked[-1])
            raise ReadTimeoutError(endpoint_url="https://aws.example/")

    client.meta.events.register(f"after-call.{service}.{operation}", lose)


def key_in(params: dict) -> bool:
    return "AccessKeyId" in json.loads(params["SecretString"])


@pytest.mark.parametrize(
    ("operation", "when"),
    [
        ("PutSecretValue", key_in),
        ("UpdateSecretVersionStage", lambda _params: True),
    ],
)
def test_a_lost_secret_write_is_repeated_and_the_run_succeeds(
    aws, cfn, monkeypatch, operation, when
) -> None:
    """Both writes of `store` are safe to repeat: PutSecretValue with the same
    ClientRequestToken makes no second version, and a repeated move of AWSCURRENT
    finds it already on the run's version. So a lost answer costs one more call."""
    iam, sm = aws
    real = boto3.client

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        if name == "secretsmanager":
            time_out_after(made, operation, when)
        return made

    monkeypatch.setattr(cc.boto3, "client", client)
    answer = base.send(cfn, "Create", props(key="true"))
    assert answer["Status"] == "SUCCESS", answer.get("Reason")
    assert_in_step(iam, sm, "ana")
    versions = sm.list_secret_version_ids(SecretId="emrs/ana")["Versions"]
    held = [
        sm.get_secret_value(SecretId="emrs/ana", VersionId=v["VersionId"])
        for v in versions
    ]
    contents = [v["SecretString"] for v in held]
    assert len(set(contents)) == len(contents), "a repeated write made a version"


@pytest.mark.parametrize(
    ("service", "operation", "when"),
    [
        ("iam", "CreateAccessKey", lambda _params: True),
        ("iam", "CreateLoginProfile", lambda _params: True),
    ],
)
@pytest.mark.parametrize("cleanup_fails", [False, True])
def test_an_ambiguous_failure_is_reconciled_and_reported_first(
    aws, cfn, monkeypatch, service, operation, when, cleanup_fails: bool
) -> None:
    iam, sm = aws
    real = boto3.client

    def client(name: str, **kwargs: Any) -> Any:
        made = real(name, **kwargs)
        if name == service:
            time_out_after(made, operation, when)
        if cleanup_fails and name == "iam":
            refuse(made, "AccessDenied", "delete_access_key", "delete_login_profile")
        return made

    monkeypatch.setattr(cc.boto3, "client", client)
    answer = base.send(cfn, "Create", props(key="true"))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        'AWS call failed: Read timeout on endpoint URL: "https://aws.example/"'
    ), "the first failure, not the cleanup's"
    if not cleanup_fails or operation != "CreateAccessKey":
        assert_in_step(iam, sm, "ana")
    monkeypatch.undo()
    # The Delete CloudFormation sends next leaves nothing behind.
    base.send(cfn, "Delete", props(key="true"), physical=answer["PhysicalResourceId"])
    assert keys(iam, "ana") == [] and password_in_iam("ana") is None


def test_a_key_another_run_is_about_to_record_is_retired_not_lost(aws) -> None:
    """Run B has made a key and is about to record it; run A, settling the same
    user, finds the key unrecorded. A marks it Retired in a version it writes and
    deletes it only then, so B's write, based on the version before, fails: B
    never records a key that is gone."""
    iam, sm = aws
    settled_user(iam, sm, "b1")
    secret = "emrs/b1"
    before, base = cc.stored(sm, secret)
    made = iam.create_access_key(UserName="b1")["AccessKey"]  # B's, unrecorded
    props_ = {"user": "b1", "secret": secret, "key": True, "token": "1"}
    cc.settle(iam, sm, props_, {"UserName": "b1"}, cc.Run())  # run A
    assert made["AccessKeyId"] not in keys(iam, "b1")
    assert assert_in_step(iam, sm, "b1")["AccessKeyId"] == before["AccessKeyId"]
    fields = {f: made[f] for f in cc.KEY_FIELDS}
    assert cc.store(sm, secret, before | fields, base) is False  # run B
    assert assert_in_step(iam, sm, "b1")["AccessKeyId"] == before["AccessKeyId"]
    assert "Retired" not in recorded(sm, "b1"), "the mark goes with the key"
