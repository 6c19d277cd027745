"""The custom-resource function's pieces on their own, against recording fakes: the
paths moto cannot reach (pagination, eventual consistency, missing fields) and the
log lines an operator diagnoses a failed stack with."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from custom_resources import stack_function as cc
from tests.function.test_stack_function import USER_PATH
from tests.scripted import error, scripted

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
# IAM access key IDs are 16 to 128 characters (the service model's minimum).
KEY_1, KEY_2, KEY_9 = "AKIAEXAMPLEKEY0001", "AKIAEXAMPLEKEY0002", "AKIAEXAMPLEKEY0009"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf"
VERSION = "v" * 32  # Secrets Manager version IDs are 32 to 64 characters
PROFILE = {"LoginProfile": {"UserName": "ana", "CreateDate": WHEN,
                            "PasswordResetRequired": True}}  # fmt: skip


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cc.time, "sleep", lambda _s: None)
    monkeypatch.setattr(cc.Clock, "guard_at", None)  # no event is running


def logged(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "root"]


# --- shared ---------------------------------------------------------------------------


def test_describe_names_operation_code_and_message_or_what_is_known() -> None:
    assert cc.describe(error("Throttling", "Rate exceeded", "GetUser")) == (
        "GetUser failed: Throttling: Rate exceeded"
    )
    assert cc.describe(error("Throttling", operation="")) == (
        "AWS call failed: Throttling"
    )
    bare = ClientError({}, "GetUser")
    bare.response = {}
    assert cc.describe(bare) == "GetUser failed: Unknown"
    assert cc.describe(error("X", "arn:aws:iam::123456789012:user/a")) == (
        "Op failed: X: arn:aws:iam::<account>:user/a"
    )


def test_the_functions_clients_retry_in_botocore_standard_mode(monkeypatch) -> None:
    made: list[tuple[str, dict]] = []

    def make(name: str, **kwargs: Any) -> Any:
        made.append((name, kwargs))
        return scripted(name, describe_security_groups=[{"SecurityGroups": [{}]}])

    monkeypatch.setattr(cc.boto3, "client", make)
    event = {"RequestType": "Create", "ResourceType": "Custom::DefaultSecurityGroup",
             "ResourceProperties": {"GroupId": "sg-0123abcd"}}  # fmt: skip
    assert cc.dispatch(event)[0] == "default-security-group-sg-0123abcd"
    ((name, kwargs),) = made
    assert name == "ec2" and list(kwargs) == ["config"]
    # botocore reads the config's max_attempts as retries (and rewrites it in place)
    real = boto3.session.Session(region_name="us-east-1").client("ec2", **kwargs)
    assert real.meta.config.retries == {"mode": "standard", "total_max_attempts": 6}


class Raw:
    """The raw body of a botocore response played by a hook."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.body


def iam_error(code: str) -> bytes:
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        "<Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    ).encode()


def test_botocore_alone_retries_throttling_and_call_only_its_retry_codes(
    mocked_aws: None,
) -> None:
    iam = cc.client("iam")
    answers = [iam_error("Throttling")] * 7 + [iam_error("NoSuchEntity")] * 6
    sent: list[str] = []

    def answer(request: Any, **_kwargs: Any) -> AWSResponse:
        sent.append(request.url)
        return AWSResponse(request.url, 400, {}, Raw(answers.pop(0)))

    iam.meta.events.register_first("before-send.iam.CreateLoginProfile", answer)
    slept: list[float] = []
    kwargs = {"UserName": "ana", "Password": "pw", "PasswordResetRequired": True}
    with pytest.raises(ClientError, match="Throttling"):
        cc.call(iam.create_login_profile, ("NoSuchEntity",), slept.append, **kwargs)
    assert len(sent) == 6 and slept == [], "one attempt of call(), six of botocore"
    with pytest.raises(ClientError, match="NoSuchEntity"):
        cc.call(iam.create_login_profile, ("NoSuchEntity",), slept.append, **kwargs)
    assert slept == [0.25, 0.5, 1.0, 2.0, 4.0], "a retry code: a bounded six tries"
    assert len(sent) == 13, "the first try's throttling retried by botocore once"
    assert answers == []


# --- credentials ----------------------------------------------------------------


def test_a_user_iam_has_not_propagated_yet_gets_its_password_on_retry() -> None:
    iam = scripted(
        "iam",
        create_login_profile=[error("NoSuchEntity"), error("NoSuchEntity"), PROFILE],
    )
    assert cc.set_password(iam, "ana", "pw") is True
    assert len(iam.script.called("create_login_profile")) == 3
    assert iam.script.called("create_login_profile")[-1] == {
        "UserName": "ana", "Password": "pw", "PasswordResetRequired": True
    }  # fmt: skip


def test_an_existing_login_profile_gets_the_new_password() -> None:
    iam = scripted(
        "iam",
        create_login_profile=[error("EntityAlreadyExists")],
        update_login_profile=[{}],
    )
    assert cc.set_password(iam, "ana", "pw") is False
    assert iam.script.called("update_login_profile") == [
        {"UserName": "ana", "Password": "pw", "PasswordResetRequired": True}
    ]


def test_access_keys_of_a_user_with_none_and_their_removal(caplog) -> None:
    caplog.set_level(logging.INFO)
    none = scripted("iam", list_access_keys=[{"AccessKeyMetadata": []}])
    assert cc.access_keys(none, "ana") == []
    iam = scripted(
        "iam",
        list_access_keys=[{"AccessKeyMetadata": [{"AccessKeyId": KEY_1},
                                                 {"AccessKeyId": KEY_2}]}],
        delete_access_key=[{}, error("NoSuchEntity")],
        delete_login_profile=[error("NoSuchEntity")],
    )  # fmt: skip
    cc.remove(iam, {"user": "ana"})
    assert iam.script.called("delete_access_key") == [
        {"UserName": "ana", "AccessKeyId": KEY_1},
        {"UserName": "ana", "AccessKeyId": KEY_2},
    ]
    assert iam.script.called("delete_login_profile") == [{"UserName": "ana"}]
    assert logged(caplog) == [
        {"event": "access-key-deleted", "user": "ana"},
        {"event": "access-key-deleted", "user": "ana"},
        {"event": "credentials-removed", "user": "ana"},
    ]


def delete_event(**extra: Any) -> dict:
    return {"RequestType": "Delete", "StackId": "s", **extra}


def test_deletes_without_properties_or_physical_id_answer_what_they_were_given() -> (
    None
):
    untouched = scripted("iam")
    assert cc.credentials_delete(delete_event(), lambda _n: untouched) == ("none", {})
    assert cc.credentials_delete(
        delete_event(PhysicalResourceId="failed-x"), lambda _n: untouched
    ) == ("failed-x", {})
    assert cc.credentials_failed_id(delete_event()) is None
    assert cc.keep_default_group(delete_event(), None) == ("none", {})
    assert cc.keep_default_group(delete_event(PhysicalResourceId="sg-1"), None) == (
        "sg-1", {}
    )  # fmt: skip
    assert cc.nothing_before_delete(delete_event(), None) == ("none", {})
    assert cc.nothing_before_delete(
        delete_event(PhysicalResourceId="stop-before-update-App"), None
    ) == ("stop-before-update-App", {})
    assert untouched.script.calls == []


# --- the default security group -----------------------------------------------------


def test_group_id_is_required_and_checked() -> None:
    message = "GroupId must be a security group ID such as sg-0123abcd"
    for props in ({}, {"GroupId": ""}, {"GroupId": "sg-1"}):
        with pytest.raises(cc.Failure) as raised:
            cc.group_of({"ResourceProperties": props})
        assert str(raised.value) == message
    with pytest.raises(cc.Failure, match="GroupId must be"):
        cc.group_of({})
    assert cc.group_of({"ResourceProperties": {"GroupId": "sg-0123abcd"}}) == (
        "sg-0123abcd"
    )


def test_closing_the_default_group_revokes_exactly_what_it_holds(caplog) -> None:
    caplog.set_level(logging.INFO)
    rule = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0123abcd"}]}
    out = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2 = scripted(
        "ec2",
        describe_security_groups=[
            {
                "SecurityGroups": [
                    {"IpPermissions": [rule], "IpPermissionsEgress": [out]}
                ]
            }
        ],
        revoke_security_group_ingress=[{}],
        revoke_security_group_egress=[{}],
    )
    event = {"RequestType": "Create", "ResourceProperties": {"GroupId": "sg-0123abcd"}}
    assert cc.close_default_group(event, lambda _n: ec2)[0] == (
        "default-security-group-sg-0123abcd"
    )
    assert ec2.script.called("revoke_security_group_ingress") == [
        {"GroupId": "sg-0123abcd", "IpPermissions": [rule]}
    ]
    assert ec2.script.called("revoke_security_group_egress") == [
        {"GroupId": "sg-0123abcd", "IpPermissions": [out]}
    ]
    assert logged(caplog)[-1] == {
        "event": "default-group-closed",
        "group": "sg-0123abcd",
    }
    empty = scripted("ec2", describe_security_groups=[{"SecurityGroups": [{}]}])
    cc.close_default_group(event, lambda _n: empty)
    assert empty.script.names() == ["describe_security_groups"]


# --- stopping the application -------------------------------------------------------


APP_ARN = "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00app"
ROLE = "arn:aws:iam::123456789012:role/emrs-run"


def runs(*ids: str, token: str | None = None) -> dict:
    """A ListJobRuns page of running job runs, as EMR Serverless lists them."""
    page: dict[str, Any] = {"jobRuns": [
        {"applicationId": "00app", "id": i, "arn": f"{APP_ARN}/jobruns/{i}",
         "createdBy": ROLE, "createdAt": WHEN, "updatedAt": WHEN,
         "executionRole": ROLE, "state": "RUNNING", "stateDetails": "running",
         "releaseLabel": "emr-7.13.0"}
        for i in ids
    ]}  # fmt: skip
    if token:
        page["nextToken"] = token
    return page


def cancelled(applicationId: str, jobRunId: str) -> dict:  # noqa: N803 - AWS's names
    """CancelJobRun's answer to its request."""
    return {"applicationId": applicationId, "jobRunId": jobRunId}


def test_cancel_runs_pages_filters_and_counts() -> None:
    emrs = scripted(
        "emr-serverless",
        list_job_runs=[runs("a", "b", token="t2"), runs("c")],
        cancel_job_run=[cancelled, error("ValidationException"), cancelled],
    )
    assert cc.cancel_runs(emrs, "00app") == 2, "a run that ended meanwhile is skipped"
    assert emrs.script.called("list_job_runs") == [
        {"applicationId": "00app", "states": cc.ACTIVE_RUNS},
        {"applicationId": "00app", "states": cc.ACTIVE_RUNS, "nextToken": "t2"},
    ]
    cancels = emrs.script.called("cancel_job_run")
    assert [c["jobRunId"] for c in cancels] == ["a", "b", "c"]
    assert set(cc.ACTIVE_RUNS) == {"SUBMITTED", "PENDING", "SCHEDULED", "RUNNING",
                                   "QUEUED"}  # fmt: skip


def test_cancel_runs_of_a_page_without_runs_or_an_application_gone() -> None:
    empty = scripted("emr-serverless", list_job_runs=[runs()])
    assert cc.cancel_runs(empty, "00app") == 0
    gone = scripted("emr-serverless",
                    list_job_runs=[error("ResourceNotFoundException")])  # fmt: skip
    assert cc.cancel_runs(gone, "00app") == 0
    denied = scripted("emr-serverless",
                      list_job_runs=[error("AccessDeniedException")])  # fmt: skip
    with pytest.raises(ClientError, match="AccessDenied"):
        cc.cancel_runs(denied, "00app")
    refusing = scripted("emr-serverless", list_job_runs=[runs("a")],
                        cancel_job_run=[error("AccessDeniedException")])  # fmt: skip
    with pytest.raises(ClientError, match="AccessDenied"):
        cc.cancel_runs(refusing, "00app")


def app(state: str) -> dict:
    """GetApplication's answer for an application in this state."""
    return {"application": {"applicationId": "00app", "arn": APP_ARN,
                            "releaseLabel": "emr-7.13.0", "type": "SPARK",
                            "state": state, "createdAt": WHEN,
                            "updatedAt": WHEN}}  # fmt: skip


def test_stop_and_wait_logs_what_it_does(caplog, monkeypatch) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(cc, "POLL_SECONDS", 0.0)
    emrs = scripted(
        "emr-serverless",
        get_application=[app("STARTED"), app("STARTED"), app("STOPPED")],
        list_job_runs=[runs("a")],
        cancel_job_run=[cancelled],
        stop_application=[error("ValidationException", "runs still ending"), {}],
    )
    assert cc.stop_and_wait(emrs, "00app", "update") == "STOPPED"
    events = logged(caplog)
    assert events[0] == {"event": "application-stop-refused", "application": "00app",
                         "reason": "StopApplication failed: ValidationException: "
                                   "runs still ending"}  # fmt: skip
    assert events[1] == {"event": "application-stopping", "application": "00app",
                         "cancelled": 1}  # fmt: skip
    assert events[-1] == {"event": "application-settled", "application": "00app",
                          "state": "STOPPED"}  # fmt: skip


def resource(physical: str) -> dict:
    """DescribeStackResource's answer for the application resource."""
    return {"StackResourceDetail": {
        "LogicalResourceId": "App", "PhysicalResourceId": physical,
        "ResourceType": "AWS::EMRServerless::Application",
        "LastUpdatedTimestamp": WHEN, "ResourceStatus": "CREATE_COMPLETE",
    }}  # fmt: skip


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (application, operation) of every stop_and_wait call, none made."""
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(
        cc, "stop_and_wait", lambda _e, app_id, op: calls.append((app_id, op))
    )
    return calls


def test_guard_targets_must_be_ids() -> None:
    with pytest.raises(cc.Failure) as raised:
        cc.update_guard_target({})
    assert str(raised.value) == "StackResource must be the application's logical ID"
    with pytest.raises(cc.Failure):
        cc.update_guard_target({"ResourceProperties": {"StackResource": "a-b"}})
    assert cc.update_guard_target(
        {"ResourceProperties": {"StackResource": "App1"}}
    ) == ("App1")
    with pytest.raises(cc.Failure) as raised:
        cc.delete_guard_target({})
    assert str(raised.value) == "ApplicationId must be an EMR Serverless application ID"
    with pytest.raises(cc.Failure):
        cc.delete_guard_target({"ResourceProperties": {"ApplicationId": "00A"}})
    assert cc.delete_guard_target(
        {"ResourceProperties": {"ApplicationId": "00f1"}}
    ) == ("00f1")


def stack_status(status: str) -> dict:
    return {"Stacks": [{"StackName": "s", "StackStatus": status,
                        "CreationTime": "2026-01-01T00:00:00Z"}]}  # fmt: skip


def test_stop_before_update_only_when_the_application_changes(stopped) -> None:
    cfn = scripted(
        "cloudformation",
        describe_stack_resource=[resource("00f1")],
        describe_stacks=[stack_status("UPDATE_IN_PROGRESS")],
    )
    made: list[str] = []

    def clients(name: str) -> Any:
        made.append(name)
        return cfn

    props = {"StackResource": "App", "Application": {"ReleaseLabel": "emr-7.13.0"}}
    old = {"StackResource": "App", "Application": {"ReleaseLabel": "emr-7.12.0"}}
    same = {"RequestType": "Update", "StackId": "s", "ResourceProperties": props,
            "OldResourceProperties": props}  # fmt: skip
    assert cc.stop_before_update(same, clients) == ("stop-before-update-App", {})
    assert made == [] and stopped == []
    create = {"RequestType": "Create", "StackId": "s", "ResourceProperties": props}
    assert cc.stop_before_update(create, clients)[0] == "stop-before-update-App"
    assert stopped == []
    changed = same | {"OldResourceProperties": old}
    assert cc.stop_before_update(changed, clients) == ("stop-before-update-App", {})
    assert stopped == [("00f1", "update")]
    assert cfn.script.called("describe_stack_resource") == [
        {"StackName": "s", "LogicalResourceId": "App"}
    ]


def application(state: str, release: str) -> dict:
    arn = "arn:aws:emr-serverless:us-east-1:123456789012:/applications/00f1"
    return {
        "application": {
            "applicationId": "00f1",
            "name": "emrs",
            "arn": arn,
            "type": "SPARK",
            "releaseLabel": release,
            "state": state,
            "createdAt": 0,
            "updatedAt": 0,
        }
    }


@pytest.mark.parametrize(
    ("live", "stops"), [("emr-7.12.0", False), ("emr-7.13.0", True)]
)
def test_a_rollback_stops_only_an_application_that_differs(
    stopped, live: str, stops: bool
) -> None:
    """Rolling back to 7.12.0: an application the failed update never reached is
    left running; one it changed is stopped so CloudFormation can change it back."""
    cfn = scripted(
        "cloudformation",
        describe_stack_resource=[resource("00f1")],
        describe_stacks=[stack_status("UPDATE_ROLLBACK_IN_PROGRESS")],
    )
    emrs = scripted("emr-serverless", get_application=[application("STARTED", live)])
    back = {"StackResource": "App", "Application": {"ReleaseLabel": "emr-7.12.0"}}
    failed = {"StackResource": "App", "Application": {"ReleaseLabel": "emr-7.13.0"}}
    event = {"RequestType": "Update", "StackId": "s", "ResourceProperties": back,
             "OldResourceProperties": failed}  # fmt: skip
    clients = {"cloudformation": cfn, "emr-serverless": emrs}.__getitem__
    assert cc.stop_before_update(event, clients) == ("stop-before-update-App", {})
    assert stopped == ([("00f1", "update")] if stops else [])


def test_a_rollback_never_answers_failed(monkeypatch, caplog) -> None:
    def will_not_stop(*_args: Any, **_kwargs: Any) -> None:
        raise cc.Failure("application 00f1 is still STOPPING after waiting 540 s")

    monkeypatch.setattr(cc, "stop_and_wait", will_not_stop)
    cfn = scripted(
        "cloudformation",
        describe_stack_resource=[resource("00f1")],
        describe_stacks=[stack_status("UPDATE_ROLLBACK_IN_PROGRESS")],
    )
    emrs = scripted(
        "emr-serverless", get_application=[application("STARTED", "emr-7.13.0")]
    )
    back = {"StackResource": "App", "Application": {"ReleaseLabel": "emr-7.12.0"}}
    event = {
        "RequestType": "Update",
        "StackId": "s",
        "ResourceProperties": back,
        "OldResourceProperties": {"StackResource": "App", "Application": {}},
    }
    clients = {"cloudformation": cfn, "emr-serverless": emrs}.__getitem__
    with caplog.at_level(logging.INFO):
        assert cc.stop_before_update(event, clients)[0] == "stop-before-update-App"
    assert any(e["event"] == "rollback-stop-failed" for e in logged(caplog))
    # outside a rollback the same failure fails the update, as before
    cfn.script.scripts["describe_stacks"] = [stack_status("UPDATE_IN_PROGRESS")]
    with pytest.raises(cc.Failure):
        cc.stop_before_update(event, clients)


def test_stop_before_delete_only_for_the_application_it_watched(stopped) -> None:
    props = {"ApplicationId": "00f1"}

    def event(physical: str, properties: dict = props) -> dict:
        return {"RequestType": "Delete", "PhysicalResourceId": physical,
                "ResourceProperties": properties}  # fmt: skip

    assert cc.stop_before_delete(event("failed-Guard"), lambda _n: None) == (
        "failed-Guard", {}
    )  # fmt: skip
    assert cc.stop_before_delete(event("x", {}), lambda _n: None) == ("x", {})
    assert stopped == []
    assert cc.stop_before_delete(event("stop-before-delete-00f1"), lambda _n: None) == (
        "stop-before-delete-00f1", {}
    )  # fmt: skip
    assert stopped == [("00f1", "delete")]
    assert cc.stop_before_delete({"RequestType": "Delete"}, lambda _n: None) == (
        "none", {}
    )  # fmt: skip
    watched = cc.watch_application({"ResourceProperties": props}, None)
    assert watched == ("stop-before-delete-00f1", {})


# --- network interfaces -------------------------------------------------------------


def enis(*pairs: tuple[str, str], token: str | None = None) -> dict:
    page: dict[str, Any] = {
        "NetworkInterfaces": [{"NetworkInterfaceId": i, "Status": s} for i, s in pairs]
    }
    if token:
        page["NextToken"] = token
    return page


def test_interfaces_in_pages_through_every_interface() -> None:
    ec2 = scripted("ec2", describe_network_interfaces=[
        enis(("eni-1", "available"), token="t"),
        {"NetworkInterfaces": [{"NetworkInterfaceId": "eni-2"}]},
    ])  # fmt: skip
    assert cc.interfaces_in(ec2, ["sg-0123abcd"]) == [
        ("eni-1", "available"), ("eni-2", "")
    ]  # fmt: skip
    filters = [{"Name": "group-id", "Values": ["sg-0123abcd"]}]
    assert ec2.script.called("describe_network_interfaces") == [
        {"Filters": filters}, {"Filters": filters, "NextToken": "t"}
    ]  # fmt: skip
    bare = scripted("ec2", describe_network_interfaces=[{}])
    assert cc.interfaces_in(bare, ["sg-1"]) == []


def test_clear_interfaces_deletes_detached_and_waits_for_attached(
    caplog, monkeypatch
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(cc, "POLL_SECONDS", 0.0)
    ec2 = scripted(
        "ec2",
        describe_network_interfaces=[
            enis(("eni-1", "available"), ("eni-2", "in-use")),
            enis(("eni-2", "available")),
            enis(),
        ],
        delete_network_interface=[{}, error("InvalidNetworkInterfaceID.NotFound")],
    )
    cc.clear_interfaces(ec2, ["sg-0123abcd"])
    deleted = ec2.script.called("delete_network_interface")
    assert [c["NetworkInterfaceId"] for c in deleted] == ["eni-1", "eni-2"]
    assert logged(caplog) == [{"event": "network-interface-deleted", "eni": "eni-1"}]
    refusing = scripted(
        "ec2",
        describe_network_interfaces=[enis(("eni-3", "available"))],
        delete_network_interface=[error("UnauthorizedOperation")],
    )
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        cc.clear_interfaces(refusing, ["sg-0123abcd"])


def test_clear_interfaces_names_what_stays_attached(monkeypatch) -> None:
    monkeypatch.setattr(cc, "POLL_SECONDS", 0.0)
    monkeypatch.setattr(cc, "MAX_WAIT_SECONDS", 0.0)
    ec2 = scripted("ec2", describe_network_interfaces=[
        enis(("eni-b", "in-use"), ("eni-a", "in-use"))])  # fmt: skip
    with pytest.raises(cc.Failure) as raised:
        cc.clear_interfaces(ec2, ["sg-0123abcd"])
    assert str(raised.value).startswith(
        "network interfaces eni-a, eni-b in the stack's security groups are still "
        "attached after 0 s."
    )


def test_network_cleanup_only_for_the_groups_it_checked(monkeypatch) -> None:
    cleared: list[list[str]] = []
    monkeypatch.setattr(cc, "clear_interfaces", lambda _e, g: cleared.append(g))
    props = {"SecurityGroupIds": ["sg-0123abcd", "sg-0123abcd", "sg-00000001"]}
    assert cc.groups_of({"ResourceProperties": props}) == ["sg-00000001", "sg-0123abcd"]
    named = cc.check_groups({"ResourceProperties": props}, None)[0]
    assert named == "network-interface-cleanup-00000001-0123abcd"
    assert cc.groups_in(named) == {"sg-00000001", "sg-0123abcd"}

    def event(physical: str | None, properties: dict = props) -> dict:
        found = {
            "RequestType": "Delete",
            "ResourceProperties": properties,
            "StackId": "s",
            "LogicalResourceId": "NetworkCleanup",
        }
        return found | ({"PhysicalResourceId": physical} if physical else {})

    def clients(current: str | None) -> Any:
        answer: Any = (
            {"StackResourceDetail": {
                "LogicalResourceId": "NetworkCleanup", "PhysicalResourceId": current,
                "ResourceType": "Custom::NetworkCleanup", "LastUpdatedTimestamp": WHEN,
                "ResourceStatus": "UPDATE_COMPLETE"}}
            if current else error("ValidationError", "does not exist")
        )  # fmt: skip
        cfn = scripted("cloudformation", describe_stack_resource=[answer])
        return lambda name: cfn if name == "cloudformation" else None

    assert cc.clean_network(event("failed-Guard"), clients(None)) == (
        "failed-Guard", {}
    )  # fmt: skip
    assert cc.clean_network(event(None, {}), clients(None)) == ("none", {})
    assert cleared == []
    # the stack's delete, the ID before groups were named included: every group
    for physical in (named, cc.CLEANUP_ID):
        assert cc.clean_network(event(physical), clients(physical)) == (physical, {})
    assert cleared == [["sg-00000001", "sg-0123abcd"]] * 2
    # replaced by an update that kept one group: only the dropped one is cleared
    kept = cc.cleanup_id(["sg-0123abcd"])
    assert cc.clean_network(event(named), clients(kept)) == (named, {})
    assert cleared[-1] == ["sg-00000001"]
    cleared.clear()
    assert cc.clean_network(event(named), clients(named.replace("0001", "0002")))
    assert cleared == [["sg-00000001"]]
    with pytest.raises(cc.Failure) as raised:
        cc.groups_of({})
    assert str(raised.value) == (
        "SecurityGroupIds must list the stack's security group IDs"
    )


def test_the_wait_gives_up_exactly_when_one_more_poll_would_pass_the_budget(
    monkeypatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(cc.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(cc.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    monkeypatch.setattr(cc, "POLL_SECONDS", 10.0)
    monkeypatch.setattr(cc, "MAX_WAIT_SECONDS", 540.0)
    emrs = scripted("emr-serverless", get_application=[app("STOPPING")])
    with pytest.raises(cc.Failure) as raised:
        cc.stop_and_wait(emrs, "00app", "update")
    assert now[0] == 540.0, "polls while a further poll still fits, not longer"
    assert str(raised.value) == (
        "application 00app is still STOPPING after waiting 540 s, so CloudFormation "
        "cannot update it. Stop it in the EMR Studio console (Applications, Stop) or "
        "with 'aws emr-serverless stop-application', wait until it is STOPPED, then "
        "retry"
    )


# --- provisioning credentials against moto ------------------------------------------


@pytest.fixture
def iam_sm(mocked_aws: None) -> tuple[Any, Any]:
    import boto3

    iam, sm = boto3.client("iam"), boto3.client("secretsmanager")
    iam.create_user(UserName="ana", Path=USER_PATH)
    sm.create_secret(Name="emrs/ana", SecretString='{"Pending": "x"}')
    return iam, sm


def creds(key: bool, token: str = "1") -> dict:
    return {"user": "ana", "secret": "emrs/ana", "key": key, "token": token}


def secret_of(sm: Any) -> dict:
    return json.loads(sm.get_secret_value(SecretId="emrs/ana")["SecretString"])


def test_provision_logs_each_step_and_a_repeated_request_once(caplog, iam_sm) -> None:
    caplog.set_level(logging.INFO)
    iam, sm = iam_sm
    cc.provision(iam, sm, creds(key=True), "https://x", "req-1")
    cc.provision(iam, sm, creds(key=True), "https://x", "req-1")
    assert [e for e in logged(caplog) if "user" in e] == [
        {"event": "password-claimed", "user": "ana"},
        {"event": "password-set", "user": "ana", "created": True},
        {"event": "access-key-created", "user": "ana"},
        {"event": "already-done", "user": "ana"},
    ]


def test_a_key_iam_no_longer_has_leaves_the_secret(iam_sm) -> None:
    iam, sm = iam_sm
    cc.provision(iam, sm, creds(key=True), "https://x", "req-1")
    stale = secret_of(sm)["AccessKeyId"]
    iam.delete_access_key(UserName="ana", AccessKeyId=stale)  # by hand, in the console
    cc.provision(iam, sm, creds(key=False), "https://x", "req-2", creds(key=True))
    value = secret_of(sm)
    assert "AccessKeyId" not in value and "SecretAccessKey" not in value


def test_turning_keys_off_removes_both_key_fields(iam_sm) -> None:
    iam, sm = iam_sm
    cc.provision(iam, sm, creds(key=True), "https://x", "req-1")
    cc.provision(iam, sm, creds(key=False), "https://x", "req-2", creds(key=True))
    value = secret_of(sm)
    assert "AccessKeyId" not in value and "SecretAccessKey" not in value
    assert iam.list_access_keys(UserName="ana")["AccessKeyMetadata"] == []


def test_a_failed_update_without_rotation_keeps_the_login_profile(
    iam_sm, monkeypatch
) -> None:
    iam, sm = iam_sm
    cc.provision(iam, sm, creds(key=False), "https://x", "req-1")

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise error("InternalServiceError", "try again")

    monkeypatch.setattr(cc, "store", refuse)
    with pytest.raises(ClientError):
        cc.provision(iam, sm, creds(key=True), "https://x", "req-2", creds(key=False))
    assert iam.get_login_profile(UserName="ana")["LoginProfile"]["UserName"] == "ana"
    assert (
        iam.list_access_keys(UserName="ana")["AccessKeyMetadata"] == []
    ), "the key made before the failure is deleted again"


def test_the_deadline_ends_with_its_event(monkeypatch) -> None:
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    event = {"RequestType": "Delete", "ResourceType": "Custom::Unknown",
             "ResponseURL": "http://127.0.0.1:9/unused", "StackId": "s",
             "RequestId": "r", "LogicalResourceId": "X"}  # fmt: skip
    sent: list[str] = []
    monkeypatch.setattr(
        cc.Responder, "send", lambda _self, status, *_a, **_k: sent.append(status)
    )
    cc.handler(event, Context())
    assert sent == ["SUCCESS"] and cc.Clock.guard_at is None


# --- what the last mutation run found untested ---------------------------------------


def test_an_answer_carries_the_event_identity_and_at_most_1000_reason_characters(
    monkeypatch,
) -> None:
    sent: list[bytes] = []

    class Answer:
        status = 200

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *_args: Any) -> None:
            pass

    def urlopen(request: Any, timeout: float) -> Answer:
        sent.append(request.data)
        return Answer()

    monkeypatch.setattr(cc.urllib.request, "urlopen", urlopen)
    event = {"StackId": "stack-1", "RequestId": "req-1", "LogicalResourceId": "Ana",
             "ResponseURL": "http://127.0.0.1:9/r"}  # fmt: skip
    responder = cc.Responder(event)
    assert responder.send("FAILED", "p-1", "x" * 1500) is True
    assert responder.send("SUCCESS", "p-1") is False, "one answer per event"
    (body,) = [json.loads(data) for data in sent]
    assert body == {
        "Status": "FAILED", "Reason": "x" * 1000, "PhysicalResourceId": "p-1",
        "StackId": "stack-1", "RequestId": "req-1", "LogicalResourceId": "Ana",
        "NoEcho": True, "Data": {},
    }  # fmt: skip
    assert (
        cc.Responder(event).send("SUCCESS", "p")
        and json.loads(sent[-1])["Reason"] == "SUCCESS"
    )


@pytest.mark.parametrize(
    ("props", "reason"),
    [
        ({"UserName": 123, "SecretId": "s"}, "UserName is required"),
        ({"UserName": "ana", "SecretId": 123}, "SecretId is required"),
        ({}, "UserName is required"),
    ],
)
def test_properties_of_the_wrong_type_fail_with_a_reason(props: dict, reason: str):
    with pytest.raises(cc.Failure) as raised:
        cc.parse(props)
    assert str(raised.value) == reason


def test_optional_properties_take_their_defaults() -> None:
    assert cc.parse({"UserName": "ana", "SecretId": "s"}) == {
        "user": "ana", "secret": "s", "key": False, "token": ""
    }  # fmt: skip


def test_sign_in_url_by_partition_alias_and_fallbacks() -> None:
    arn = "arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/s/1"
    aliased = scripted("iam", list_account_aliases=[{"AccountAliases": ["team"]}])
    assert cc.sign_in_url(arn, aliased) == "https://team.signin.amazonaws.cn/console"
    bare = scripted("iam", list_account_aliases=[{"AccountAliases": []}])
    assert cc.sign_in_url(arn, bare) == (
        "https://123456789012.signin.amazonaws.cn/console"
    )
    denied = scripted("iam", list_account_aliases=[error("AccessDenied")])
    other = "arn:aws-iso:cloudformation:us-iso-east-1:123456789012:stack/s/1"
    assert cc.sign_in_url(other, denied) == (
        "https://123456789012.signin.aws.amazon.com/console"
    )


def test_password_length_follows_the_policy_within_24_to_128() -> None:
    def length(minimum: int | None) -> int:
        policy = {} if minimum is None else {"MinimumPasswordLength": minimum}
        return len(cc.new_password(scripted("iam", get_account_password_policy=[
            {"PasswordPolicy": policy}])))  # fmt: skip

    assert [length(None), length(8), length(40), length(200)] == [24, 24, 40, 128]


def test_no_password_starts_with_what_a_spreadsheet_runs() -> None:
    """About 5% of shuffles put =, +, - or @ first (4 of the 88 characters); a
    thousand passwords would show several if nothing moved them."""
    iam = scripted("iam", get_account_password_policy=[{"PasswordPolicy": {}}])
    made = [cc.new_password(iam) for _ in range(1000)]
    assert not [p for p in made if p[0] in "=+-@"]
    assert all(p[0].isalpha() or p[0].isdigit() or p[0] in cc.SYMBOLS for p in made)
    classes = (str.isupper, str.islower, str.isdigit)
    assert all(any(test(c) for c in p) for p in made for test in classes)
    assert all(any(c in cc.SYMBOLS for c in p) for p in made)


def test_a_secret_without_text_or_with_other_json() -> None:
    empty = scripted("secretsmanager", get_secret_value=[{"VersionId": VERSION}])
    assert cc.stored(empty, "s") == ({}, VERSION)
    for text in ("[1]", "not json"):
        listed = scripted("secretsmanager", get_secret_value=[
            {"ARN": SECRET_ARN, "SecretString": text}])  # fmt: skip
        with pytest.raises(cc.Failure) as raised:
            cc.stored(listed, "s")
        assert str(raised.value) == "the secret does not hold credentials JSON"


def test_a_failed_store_deletes_the_key_it_made_by_user_and_id() -> None:
    held = [{"AccessKeyMetadata": []}, {"AccessKeyMetadata": [{"AccessKeyId": KEY_9}]}]
    iam = scripted(
        "iam",
        list_access_keys=held,
        create_access_key=[{"AccessKey": {"UserName": "ana", "AccessKeyId": KEY_9,
                                          "Status": "Active",
                                          "SecretAccessKey": "s"}}],
        delete_access_key=[{}],
    )  # fmt: skip
    value = {"Password": "p", "RequestId": "req-0"}
    sm = scripted(
        "secretsmanager",
        get_secret_value=[{"VersionId": VERSION, "SecretString": json.dumps(value)}],
        put_secret_value=[error("AccessDeniedException")],
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        cc.provision(iam, sm, creds(key=True), "https://x", "req-1", creds(key=False))
    assert iam.script.called("delete_access_key") == [
        {"UserName": "ana", "AccessKeyId": KEY_9}
    ]
    assert "update_login_profile" not in iam.script.names(), "no rotation asked"


def test_events_without_properties_fail_with_a_reason_and_updates_without_old_ones(
    monkeypatch, stopped
) -> None:
    with pytest.raises(cc.Failure, match="UserName is required"):
        cc.credentials_create({"RequestType": "Create", "StackId": "s"}, None)
    done: list[Any] = []
    monkeypatch.setattr(cc, "provision",
                        lambda *args: done.append(args[-1]) or "arn:s")  # fmt: skip
    monkeypatch.setattr(cc, "sign_in_url", lambda *_a: "https://x")
    monkeypatch.setattr(cc, "check_stack_user", lambda *_a: None)
    event = {"RequestType": "Update", "StackId": "s", "RequestId": "r",
             "ResourceProperties": {"UserName": "ana", "SecretId": "s"}}  # fmt: skip
    assert cc.credentials_create(event, lambda _n: None)[0] == (
        "console-credentials-ana"
    )
    assert done == [None], "no old properties: rotate as for a new user"
    cfn = scripted(
        "cloudformation",
        describe_stack_resource=[resource("00f1")],
        describe_stacks=[stack_status("UPDATE_IN_PROGRESS")],
    )
    update = {
        "RequestType": "Update",
        "StackId": "s",
        "ResourceProperties": {"StackResource": "App", "Application": {"a": 1}},
    }
    assert cc.stop_before_update(update, lambda _n: cfn)[0] == "stop-before-update-App"
    assert stopped == [("00f1", "update")]


def test_fallback_ids() -> None:
    assert cc.fallback_id({"PhysicalResourceId": "p-1"}) == "p-1"
    assert cc.fallback_id({}) == "failed-resource"
    assert cc.fallback_id({"LogicalResourceId": "Ana"}) == "failed-Ana"
    assert (
        cc.fallback_id(
            {
                "ResourceType": "Custom::ConsoleCredentials",
                "ResourceProperties": {"UserName": "ana", "SecretId": "s"},
                "LogicalResourceId": "Ana",
            }
        )
        == "console-credentials-ana"
    )


def test_the_interface_wait_gives_up_exactly_when_one_more_poll_would_pass(
    monkeypatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(cc.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(cc.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    monkeypatch.setattr(cc, "POLL_SECONDS", 10.0)
    monkeypatch.setattr(cc, "MAX_WAIT_SECONDS", 540.0)
    ec2 = scripted("ec2", describe_network_interfaces=[enis(("eni-1", "in-use"))])
    with pytest.raises(cc.Failure) as raised:
        cc.clear_interfaces(ec2, ["sg-0123abcd"])
    assert now[0] == 540.0
    assert str(raised.value) == (
        "network interfaces eni-1 in the stack's security groups are still attached "
        "after 540 s. EMR Studio workspaces or the application made them and are not "
        "stack resources: stop or delete those workspaces, or detach and delete the "
        "interfaces in the EC2 console (Network interfaces), then retry the stack "
        "delete"
    )


def test_the_answer_is_put_as_cloudformation_signs_it_and_retried_with_backoff(
    monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO)
    seen: list[tuple[dict, float | None]] = []
    failures = [OSError("reset")] * 2

    class Answer:
        status = 200

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *_args: Any) -> None:
            pass

    def urlopen(request: Any, timeout: float | None = None) -> Answer:
        seen.append((dict(request.header_items()), timeout))
        assert request.get_method() == "PUT"
        if failures:
            raise failures.pop()
        return Answer()

    monkeypatch.setattr(cc.urllib.request, "urlopen", urlopen)
    event = {"StackId": "s", "RequestId": "r", "LogicalResourceId": "L",
             "ResponseURL": "http://127.0.0.1:9/r"}  # fmt: skip
    slept: list[float] = []
    assert cc.Responder(event, sleep=slept.append).send("SUCCESS", "p") is True
    headers, timeout = seen[-1]
    # The pre-signed URL is signed for an empty Content-Type (CloudFormation User
    # Guide, "Custom resource response objects").
    assert headers["Content-type"] == "" and timeout == 10
    assert int(headers["Content-length"]) > 0
    assert slept == [0.5, 1.0]
    assert logged(caplog) == [
        {"event": "response-retry", "attempt": 1, "error": "OSError"},
        {"event": "response-retry", "attempt": 2, "error": "OSError"},
        {"event": "responded", "status": "SUCCESS", "http": 200},
    ]
    caplog.clear()
    failures[:] = [OSError("down")] * cc.ATTEMPTS
    slept.clear()
    assert cc.Responder(event, sleep=slept.append).send("FAILED", "p", "why") is False
    assert slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert logged(caplog)[-1] == {"event": "response-failed", "status": "FAILED"}


class Remaining:
    """A Lambda context with a fixed time left."""

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def run_handler(monkeypatch, event: dict, millis: int = 60_000,
                work: Callable[..., Any] | None = None) -> list[tuple]:  # fmt: skip
    """The handler's answers (status, physical, reason), with dispatch replaced."""
    answers: list[tuple] = []

    def send(self: Any, status: str, physical: str, reason: str = "", data=None):
        with self.lock:
            if self.sent:
                return False
            self.sent = True
        answers.append((status, physical, reason))
        return True

    monkeypatch.setattr(cc.Responder, "send", send)
    if work is not None:
        monkeypatch.setattr(cc, "dispatch", work)
    cc.handler(event, Remaining(millis))
    return answers


EVENT = {"RequestType": "Create", "ResourceType": "Custom::Nothing",
         "LogicalResourceId": "Guard", "StackId": "s", "RequestId": "r",
         "ResponseURL": "http://127.0.0.1:9/unused"}  # fmt: skip


def test_the_handler_logs_what_it_received_and_why_it_failed(
    monkeypatch, caplog
) -> None:
    caplog.set_level(logging.INFO)
    answers = run_handler(monkeypatch, EVENT)
    assert answers == [("FAILED", "failed-Guard",
                        "unknown resource type 'Custom::Nothing'")]  # fmt: skip
    assert logged(caplog) == [
        {"event": "received", "request": "Create", "type": "Custom::Nothing",
         "logical": "Guard"},
        {"event": "failed", "reason": "unknown resource type 'Custom::Nothing'"},
    ]  # fmt: skip


def test_unknown_request_types_and_unknown_types_on_delete(monkeypatch) -> None:
    odd = EVENT | {"ResourceType": "Custom::NetworkCleanup", "RequestType": "Rename"}
    assert run_handler(monkeypatch, odd)[0][2] == "unknown request type 'Rename'"
    gone = EVENT | {"RequestType": "Delete", "PhysicalResourceId": "p-7"}
    assert cc.dispatch(gone) == ("p-7", {})
    assert cc.dispatch(EVENT | {"RequestType": "Delete"}) == ("none", {})


def test_the_deadline_is_the_time_left_less_the_guard(monkeypatch) -> None:
    seen: list[float] = []

    def work(_event: dict) -> tuple:
        seen.append(cc.seconds_left())
        return "p", {}

    run_handler(monkeypatch, EVENT, millis=60_000, work=work)
    assert abs(seen[0] - (60.0 - cc.GUARD_SECONDS)) < 0.02


def test_a_run_started_inside_the_guard_answers_failed_at_once(monkeypatch) -> None:
    def slow(_event: dict) -> tuple:
        cc.time.sleep(0.5)
        return "p", {}

    monkeypatch.setattr(cc.time, "sleep", __import__("time").sleep)
    answers = run_handler(monkeypatch, EVENT, millis=1_000, work=slow)
    assert answers == [("FAILED", "failed-Guard", "Timed out before the work finished")]


def test_log_lines_take_values_json_cannot(caplog) -> None:
    from datetime import UTC, datetime

    caplog.set_level(logging.INFO)
    cc.log("when", at=datetime(2026, 1, 1, tzinfo=UTC))
    assert logged(caplog) == [{"event": "when", "at": "2026-01-01 00:00:00+00:00"}]


def test_aws_and_unexpected_errors_are_logged_and_answered(monkeypatch, caplog) -> None:
    caplog.set_level(logging.INFO)

    def denied(_event: dict) -> tuple:
        raise error("AccessDenied", "no", "GetUser")

    def broken(_event: dict) -> tuple:
        raise KeyError("x")

    event = EVENT | {"PhysicalResourceId": "p-3"}
    assert run_handler(monkeypatch, event, work=denied) == [
        ("FAILED", "p-3", "GetUser failed: AccessDenied: no")
    ]
    assert logged(caplog)[-1] == {"event": "failed",
                                  "reason": "GetUser failed: AccessDenied: no",
                                  "code": "AccessDenied"}  # fmt: skip
    assert run_handler(monkeypatch, event, work=broken) == [
        ("FAILED", "p-3", "Unexpected KeyError")
    ]
    last = logged(caplog)[-1]
    assert last["event"] == "failed" and last["reason"] == "KeyError"
    assert "Traceback" in last["trace"]


def test_no_time_left_means_no_time_to_wait(monkeypatch) -> None:
    seen: list[float] = []

    def work(_event: dict) -> tuple:
        seen.append(cc.seconds_left())
        return "p", {}

    run_handler(monkeypatch, EVENT, millis=1_000, work=work)
    assert seen[0] <= 0.0


def test_an_application_in_state_created_counts_as_stopped(monkeypatch) -> None:
    """CREATED is settled ("Application states", EMR Serverless User Guide): it can be
    updated or deleted as it is, so nothing is stopped and nothing is waited for."""
    slept: list[float] = []
    monkeypatch.setattr(cc.time, "monotonic", lambda: sum(slept))
    monkeypatch.setattr(cc.time, "sleep", slept.append)
    emrs = scripted("emr-serverless", get_application=[app("CREATED")])
    assert cc.stop_and_wait(emrs, "00app", "update") == "CREATED"
    assert emrs.script.names() == ["get_application"] and slept == []


S3_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/r"


@pytest.mark.parametrize(
    ("event", "says"),
    [
        (["not", "an", "object"], "the event is not an object"),
        ({**EVENT, "ResponseURL": "http://cloudformation.s3.amazonaws.com/r"},
         "not CloudFormation's HTTPS URL"),
        ({**EVENT, "ResponseURL": "https://attacker.example/r"},
         "not CloudFormation's HTTPS URL"),
        ({**EVENT, "ResponseURL": "https://s3.amazonaws.com.attacker.example/r"},
         "not CloudFormation's HTTPS URL"),
        ({**EVENT, "ResponseURL": "file:///etc/passwd"}, "not CloudFormation's"),
        ({**EVENT, "ResponseURL": S3_URL, "RequestId": "r" * 3_000_000},
         "RequestId is missing or longer"),
        ({**EVENT, "ResponseURL": S3_URL, "LogicalResourceId": None},
         "LogicalResourceId is missing"),
    ],
)  # fmt: skip
def test_an_event_that_cannot_be_cloudformation_s_gets_no_work_and_no_answer(
    monkeypatch, caplog, event: Any, says: str
) -> None:
    """Only CloudFormation's pre-signed HTTPS URL in S3 is answered ("Custom
    resource request objects", CloudFormation User Guide), and identifiers are of
    the sizes CloudFormation sends; nothing else is done, echoed or logged whole."""
    monkeypatch.setattr(cc, "RESPONSE_SCHEMES", ("https",))
    monkeypatch.setattr(cc, "RESPONSE_HOSTS", (".amazonaws.com", ".amazonaws.com.cn"))
    sent: list[str] = []
    monkeypatch.setattr(cc.Responder, "send", lambda *a, **k: sent.append("x"))
    monkeypatch.setattr(cc, "dispatch", lambda *_a: pytest.fail("no work"))
    with caplog.at_level(logging.INFO):
        assert cc.handler(event, None) is None
    assert sent == []
    [line] = [json.loads(r.getMessage()) for r in caplog.records]
    assert line["event"] == "event-refused" and says in line["reason"]
    assert all(len(r.getMessage()) < 300 for r in caplog.records)


def test_cloudformation_s_response_urls_pass(monkeypatch) -> None:
    monkeypatch.setattr(cc, "RESPONSE_SCHEMES", ("https",))
    monkeypatch.setattr(cc, "RESPONSE_HOSTS", (".amazonaws.com", ".amazonaws.com.cn"))
    for url in (
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
        "arn%3Aaws%3Acloudformation/x?X-Amz-Signature=y",
        "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1."
        "amazonaws.com.cn/x",
    ):
        assert cc.event_problem({**EVENT, "ResponseURL": url}) is None
