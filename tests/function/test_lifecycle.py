"""Stopping the application before CloudFormation changes it, cleaning up after EMR
on delete, and the delete order of the whole template.

The AWS behaviour each test relies on is modelled from its documentation page
(DOCS below); none of it was observed in a real account. moto plays EMR Serverless
and EC2; a scripted client (tests/scripted.py) plays CloudFormation's
DescribeStackResource and an application that stays STOPPING, and botocore event
handlers on the moto clients play what moto cannot (an application that will not
stop). Every client is a real botocore client: the service model judges each request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.emrserverless.models import emrserverless_backends

from custom_resources import stack_function as cc
from generator.documents.diagram import edges
from generator.template import function as credentials
from generator.template.intrinsics import attributes
from generator.template.names import R
from generator.template.parameters import SPECS
from tests.function import test_stack_function as base
from tests.function.test_stack_function import ACCOUNT, STACK, Context, refuse
from tests.helpers import ACCOUNT as RADAR_ACCOUNT
from tests.helpers import as_list, clean, of_type, render, resolve_arns, template_dict
from tests.scripted import error, scripted

cfn = base.cfn  # the local response server, a fixture of this module too

DOCS = {
    "stop": "EMR Serverless API Reference, StopApplication: all scheduled and "
    "running jobs must be completed or cancelled before stopping",
    "states": "EMR Serverless User Guide, 'Application states': CREATING, CREATED, "
    "STARTING, STARTED, STOPPING, STOPPED, TERMINATED",
    "update-delete": "EMR Serverless API Reference, UpdateApplication and "
    "DeleteApplication: only in CREATED or STOPPED",
    "job-runs": "EMR Serverless API Reference, ListJobRuns (states filter) and "
    "CancelJobRun",
    "eni": "EC2 API Reference, DeleteNetworkInterface (the interface must be "
    "detached, status available) and DescribeNetworkInterfaces (group-id filter)",
    "sg-delete": "EC2 API Reference, DeleteSecurityGroup and DeleteSubnet: "
    "DependencyViolation while a network interface uses them",
    "stack-resource": "CloudFormation API Reference, DescribeStackResource: the "
    "physical ID of a logical resource; a ValidationError for one that does not "
    "exist",
    "no-workspace-api": "EMR API Reference (boto3 'emr' client): no operation lists "
    "or deletes Studio workspaces; elasticmapreduce:ListEditors and DeleteEditor "
    "are permission-only actions (Service Authorization Reference)",
    "iam-scope": "Service Authorization Reference: emr-serverless StopApplication "
    "and ListJobRuns take aws:ResourceTag on the application; CancelJobRun acts on "
    "the job run; ec2:DeleteNetworkInterface takes ec2:Vpc; "
    "cloudformation:DescribeStackResource acts on the stack",
    "create-only": "CloudFormation resource provider schemas (cfn-lint's copy): "
    "AWS::EMR::Studio EncryptionKeyArn, ServiceRole and VpcId and "
    "AWS::EMRServerless::Application Name are create-only",
}

APP_TAGS = {"Name": "emrs-application"}


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 20 ms and stop waiting 200 ms before the deadline guard."""
    monkeypatch.setattr(cc, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(cc, "WAIT_MARGIN_SECONDS", 0.2)


def answer(
    cfn: Any,
    kind: str,
    resource_type: str,
    props: dict,
    old: dict | None = None,
    physical: str | None = None,
    millis: int = 8_000,
) -> dict:
    """Send one event through the Lambda entry point; return its one answer."""
    event = base.function_event(cfn, kind, "Guard", resource_type, props, old, physical)
    before = len(cfn.bodies)
    cc.handler(event, Context(millis))
    assert len(cfn.bodies) == before + 1, "exactly one answer per event"
    return cfn.bodies[-1]


def new_application(emrs: Any) -> str:
    """An application as moto creates it: STARTED at once."""
    return emrs.create_application(
        name="emrs-interactive-app",
        releaseLabel="emr-7.13.0",
        type="SPARK",  # moto knows the upper-case form only
        tags=APP_TAGS,
    )["applicationId"]


def running_job(emrs: Any, app_id: str) -> str:
    run = emrs.start_job_run(
        applicationId=app_id,
        executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/runtime",
        jobDriver={"sparkSubmit": {"entryPoint": "s3://b/k.py"}},
    )["jobRunId"]
    backend = emrserverless_backends[ACCOUNT]["us-east-1"]
    for job in backend.job_runs[app_id]:
        job.state = "RUNNING"  # moto finishes runs at once; a notebook does not
    return run


def clients(
    monkeypatch: pytest.MonkeyPatch,
    physical: str | None = None,
    adjust: dict[str, Callable[[Any], Any]] | None = None,
) -> Any:
    """The function's clients: moto's, some adjusted per service, and CloudFormation
    scripted (the application's physical ID, or ValidationError before it exists).
    Returns the CloudFormation client; its `script` holds the calls it received."""
    described: Any = error(
        "ValidationError",
        "Resource Application does not exist for stack",
        "DescribeStackResource",
    )
    if physical is not None:
        described = {
            "StackResourceDetail": {
                "LogicalResourceId": "Application",
                "PhysicalResourceId": physical,
                "ResourceType": "AWS::EMRServerless::Application",
                "LastUpdatedTimestamp": datetime(2026, 1, 1, tzinfo=UTC),
                "ResourceStatus": "UPDATE_COMPLETE",
            }
        }
    stack_api = scripted(
        "cloudformation",
        describe_stack_resource=[described],
        describe_stacks=[{"Stacks": [{
            "StackName": "emrs", "StackStatus": "UPDATE_IN_PROGRESS",
            "CreationTime": datetime(2026, 1, 1, tzinfo=UTC)}]}],
    )  # fmt: skip
    real = boto3.client

    def make(name: str, **kwargs: Any) -> Any:
        if name == "cloudformation":
            return stack_api
        client = real(name, **kwargs)
        return (adjust or {}).get(name, lambda made: made)(client)

    monkeypatch.setattr(cc.boto3, "client", make)
    return stack_api


def guard_props(release: str = "emr-7.13.0") -> dict:
    return {
        "StackResource": "Application",
        "Application": {"Name": "emrs-interactive-app", "ReleaseLabel": release},
    }


def state(emrs: Any, app_id: str) -> str:
    return emrs.get_application(applicationId=app_id)["application"]["state"]


# --- stop before update ----------------------------------------------------------


def test_update_stops_a_started_application_so_the_update_succeeds(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    # DOCS stop, update-delete, job-runs, stack-resource
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    run = running_job(emrs, app_id)
    assert state(emrs, app_id) == "STARTED"
    with pytest.raises(ClientError, match="STOPPED, CREATED|CREATED, STOPPED"):
        emrs.update_application(applicationId=app_id, clientToken="t")
    stack_api = clients(monkeypatch, physical=app_id)
    result = answer(
        cfn,
        "Update",
        "Custom::StopApplicationBeforeUpdate",
        guard_props("emr-7.14.0"),
        old=guard_props(),
        physical="stop-before-update-Application",
    )
    assert result["Status"] == "SUCCESS", result["Reason"]
    assert result["PhysicalResourceId"] == "stop-before-update-Application"
    assert stack_api.script.called("describe_stack_resource") == [
        {"StackName": STACK, "LogicalResourceId": "Application"}
    ]
    assert state(emrs, app_id) == "STOPPED"
    job = emrs.get_job_run(applicationId=app_id, jobRunId=run)["jobRun"]
    assert job["state"] == "CANCELLED", "the notebook's session was ended"
    emrs.update_application(applicationId=app_id, clientToken="t")  # now allowed


def test_an_update_that_leaves_the_application_alone_does_not_stop_it(
    mocked_aws, cfn, monkeypatch
) -> None:
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    stack_api = clients(monkeypatch, physical=app_id)
    props = guard_props() | {"RunsAfter": "new"}
    result = answer(
        cfn, "Update", "Custom::StopApplicationBeforeUpdate", props,
        old=guard_props() | {"RunsAfter": "old"},
        physical="stop-before-update-Application",
    )  # fmt: skip
    assert result["Status"] == "SUCCESS" and stack_api.script.calls == []
    assert state(emrs, app_id) == "STARTED"


def test_create_and_a_missing_application_need_nothing(
    mocked_aws, cfn, monkeypatch
) -> None:
    # DOCS stack-resource: before the application exists there is nothing to stop.
    stack_api = clients(monkeypatch, physical=None)
    created = answer(
        cfn, "Create", "Custom::StopApplicationBeforeUpdate", guard_props()
    )
    assert created["Status"] == "SUCCESS" and stack_api.script.calls == []
    updated = answer(
        cfn, "Update", "Custom::StopApplicationBeforeUpdate", guard_props("x"),
        old=guard_props(), physical=created["PhysicalResourceId"],
    )  # fmt: skip
    assert updated["Status"] == "SUCCESS"
    assert stack_api.script.names() == ["describe_stack_resource"]
    deleted = answer(
        cfn, "Delete", "Custom::StopApplicationBeforeUpdate", guard_props(),
        physical=created["PhysicalResourceId"],
    )  # fmt: skip
    assert deleted["Status"] == "SUCCESS"


def refusing_stop(client: Any) -> Any:
    return refuse(client, "ValidationException", "stop_application")


def test_an_application_that_will_not_stop_fails_with_a_reason(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    # DOCS stop: StopApplication refuses while runs are still ending.
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    clients(monkeypatch, physical=app_id, adjust={"emr-serverless": refusing_stop})
    millis = int((cc.GUARD_SECONDS + 3.0) * 1000)  # room for a loaded machine
    started = time.monotonic()
    result = answer(
        cfn, "Update", "Custom::StopApplicationBeforeUpdate", guard_props("x"),
        old=guard_props(), physical="stop-before-update-Application", millis=millis,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result["Status"] == "FAILED"
    assert re.match(
        rf"application {app_id} is still STARTED after waiting \d+ s, so "
        "CloudFormation cannot update it. Stop it in the EMR Studio console",
        result["Reason"],
    ), result["Reason"]
    assert "then retry" in result["Reason"]
    assert elapsed < millis / 1000 - cc.GUARD_SECONDS, "answered before the guard"
    assert state(emrs, app_id) == "STARTED"


def stopping(emrs: Any, app_id: str) -> Any:
    """An EMR Serverless client on which moto's application stays STOPPING (moto
    stops at once)."""
    found = emrs.get_application(applicationId=app_id)
    del found["ResponseMetadata"]
    application = found["application"]
    application["state"] = "STOPPING"
    if not application.get("stateDetails"):  # moto's "", which AWS never answers
        application.pop("stateDetails", None)
    return scripted("emr-serverless", get_application=[found])


def test_the_wait_ends_before_the_lambda_deadline(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    # DOCS states: STOPPING releases capacity; it can take longer than one run.
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    stuck = stopping(emrs, app_id)
    clients(monkeypatch, adjust={"emr-serverless": lambda _moto: stuck})
    millis = int((cc.GUARD_SECONDS + 1.5) * 1000)
    started = time.monotonic()
    result = answer(
        cfn, "Delete", "Custom::StopApplicationBeforeDelete",
        {"ApplicationId": app_id}, physical=f"stop-before-delete-{app_id}",
        millis=millis,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result["Status"] == "FAILED"
    assert f"{app_id} is still STOPPING after waiting 1 s" in result["Reason"]
    assert "cannot delete it" in result["Reason"]
    assert 1.0 < elapsed < millis / 1000 - cc.GUARD_SECONDS
    polls = stuck.script.called("get_application")
    assert len(polls) > 1 and set(stuck.script.names()) == {"get_application"}
    assert all(poll == {"applicationId": app_id} for poll in polls)


def test_every_wait_fits_in_one_run_of_the_function() -> None:
    # The guard answers GUARD_SECONDS before Lambda stops the run; the waits end
    # WAIT_MARGIN_SECONDS before the guard, after at most MAX_WAIT_SECONDS.
    longest = cc.MAX_WAIT_SECONDS + cc.WAIT_MARGIN_SECONDS + cc.POLL_SECONDS
    assert longest + cc.GUARD_SECONDS <= credentials.TIMEOUT_SECONDS


# --- stop before delete ----------------------------------------------------------


def test_delete_stops_the_application_so_cloudformation_can_delete_it(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    # DOCS update-delete, stop, job-runs
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)
    run = running_job(emrs, app_id)
    clients(monkeypatch)
    created = answer(
        cfn, "Create", "Custom::StopApplicationBeforeDelete", {"ApplicationId": app_id}
    )
    assert created["Status"] == "SUCCESS"
    assert created["PhysicalResourceId"] == f"stop-before-delete-{app_id}"
    assert state(emrs, app_id) == "STARTED", "Create only watches"
    deleted = answer(
        cfn, "Delete", "Custom::StopApplicationBeforeDelete",
        {"ApplicationId": app_id}, physical=created["PhysicalResourceId"],
    )  # fmt: skip
    assert deleted["Status"] == "SUCCESS", deleted["Reason"]
    assert state(emrs, app_id) == "STOPPED"
    assert emrs.get_job_run(applicationId=app_id, jobRunId=run)["jobRun"]["state"] == (
        "CANCELLED"
    )
    emrs.delete_application(applicationId=app_id)  # now allowed


@pytest.mark.parametrize("how", ["deleted", "never existed"])
def test_delete_when_the_application_is_already_gone(
    mocked_aws, cfn, monkeypatch, how: str
) -> None:
    emrs = boto3.client("emr-serverless")
    app_id = "00fabcdefgh12345"
    if how == "deleted":
        app_id = new_application(emrs)
        emrs.stop_application(applicationId=app_id)
        emrs.delete_application(applicationId=app_id)
    clients(monkeypatch)
    result = answer(
        cfn, "Delete", "Custom::StopApplicationBeforeDelete",
        {"ApplicationId": app_id}, physical=f"stop-before-delete-{app_id}",
    )  # fmt: skip
    assert result["Status"] == "SUCCESS", result["Reason"]


@pytest.mark.parametrize(
    ("resource_type", "props", "reason"),
    [
        (
            "Custom::StopApplicationBeforeDelete",
            {"ApplicationId": "App 1"},
            "ApplicationId must be an EMR Serverless application ID",
        ),
        (
            "Custom::StopApplicationBeforeDelete",
            {},
            "ApplicationId must be an EMR Serverless application ID",
        ),
        (
            "Custom::StopApplicationBeforeUpdate",
            {"StackResource": "../x"},
            "StackResource must be the application's logical ID",
        ),
        (
            "Custom::NetworkCleanup",
            {"SecurityGroupIds": "sg-0123abcd"},
            "SecurityGroupIds must list the stack's security group IDs",
        ),
        (
            "Custom::NetworkCleanup",
            {"SecurityGroupIds": ["sg-0123abcd", "default"]},
            "SecurityGroupIds must hold IDs such as sg-0123abcd",
        ),
    ],
)
def test_bad_properties_fail_and_the_delete_that_follows_succeeds(
    mocked_aws, cfn, monkeypatch, resource_type: str, props: dict, reason: str
) -> None:
    clients(monkeypatch)
    failed = answer(cfn, "Create", resource_type, props)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"] == reason
    assert failed["PhysicalResourceId"] == "failed-Guard"
    gone = answer(cfn, "Delete", resource_type, props, physical="failed-Guard")
    assert gone["Status"] == "SUCCESS"


def test_access_denied_is_failed_with_the_aws_reason(
    mocked_aws, cfn, monkeypatch
) -> None:
    emrs = boto3.client("emr-serverless")
    app_id = new_application(emrs)

    def deny(client: Any) -> Any:
        return refuse(client, "AccessDeniedException", "stop_application")

    clients(monkeypatch, adjust={"emr-serverless": deny})
    result = answer(
        cfn, "Delete", "Custom::StopApplicationBeforeDelete",
        {"ApplicationId": app_id}, physical=f"stop-before-delete-{app_id}",
    )  # fmt: skip
    assert result["Status"] == "FAILED"
    assert result["Reason"].startswith("StopApplication failed: AccessDeniedException")


# --- network interfaces EMR leaves behind ------------------------------------------


def network(ec2: Any) -> tuple[str, str, str, str]:
    """A VPC with a subnet, the stack's group and a group of someone else."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    ours = ec2.create_security_group(GroupName="workspace", Description="w", VpcId=vpc)[
        "GroupId"
    ]
    theirs = ec2.create_security_group(GroupName="other", Description="o", VpcId=vpc)[
        "GroupId"
    ]
    return vpc, subnet, ours, theirs


def interface(ec2: Any, subnet: str, group: str) -> str:
    return ec2.create_network_interface(SubnetId=subnet, Groups=[group])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]


def attach(ec2: Any, subnet: str, eni: str) -> str:
    instance = ec2.run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet
    )["Instances"][0]["InstanceId"]
    return ec2.attach_network_interface(
        NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=1
    )["AttachmentId"]


def interfaces(ec2: Any) -> dict[str, str]:
    found = ec2.describe_network_interfaces()["NetworkInterfaces"]
    return {n["NetworkInterfaceId"]: n["Status"] for n in found}


def test_delete_removes_detached_interfaces_and_names_attached_ones(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    # DOCS eni, sg-delete, no-workspace-api
    ec2 = boto3.client("ec2")
    _, subnet, ours, theirs = network(ec2)
    detached = interface(ec2, subnet, ours)
    in_use = interface(ec2, subnet, ours)
    attachment = attach(ec2, subnet, in_use)
    elsewhere = interface(ec2, subnet, theirs)
    assert interfaces(ec2)[in_use] == "in-use"
    clients(monkeypatch)
    props = {"SecurityGroupIds": [ours], "SubnetIds": [subnet]}
    created = answer(cfn, "Create", "Custom::NetworkCleanup", props)
    assert created == created | {
        "Status": "SUCCESS",
        "PhysicalResourceId": cc.cleanup_id([ours]),
    }
    assert detached in interfaces(ec2), "Create deletes nothing"
    millis = int((cc.GUARD_SECONDS + 1.0) * 1000)
    started = time.monotonic()
    failed = answer(
        cfn, "Delete", "Custom::NetworkCleanup", props,
        physical="network-interface-cleanup", millis=millis,
    )  # fmt: skip
    assert time.monotonic() - started < millis / 1000 - cc.GUARD_SECONDS
    assert failed["Status"] == "FAILED"
    assert failed["Reason"].startswith(
        f"network interfaces {in_use} in the stack's security groups are still "
        "attached"
    ), failed["Reason"]
    assert "EC2 console" in failed["Reason"] and "retry" in failed["Reason"]
    left = interfaces(ec2)
    assert detached not in left, "the detached interface is gone"
    assert in_use in left and elsewhere in left, "attached and foreign ones stay"
    # Once EMR (here: the test) detaches it, CloudFormation's retry succeeds.
    ec2.detach_network_interface(AttachmentId=attachment)
    retried = answer(
        cfn, "Delete", "Custom::NetworkCleanup", props,
        physical="network-interface-cleanup",
    )  # fmt: skip
    assert retried["Status"] == "SUCCESS", retried["Reason"]
    left = interfaces(ec2)
    assert in_use not in left and elsewhere in left
    ec2.delete_security_group(GroupId=ours)


def test_cleanup_waits_for_interfaces_that_detach_in_time(
    mocked_aws, cfn, monkeypatch, fast
) -> None:
    ec2 = boto3.client("ec2")
    _, subnet, ours, _ = network(ec2)
    in_use = interface(ec2, subnet, ours)
    attachment = attach(ec2, subnet, in_use)
    real_sleep, polls = time.sleep, []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:  # EMR lets go while the function waits
            ec2.detach_network_interface(AttachmentId=attachment)
        real_sleep(seconds)

    monkeypatch.setattr(cc.time, "sleep", sleep)
    clients(monkeypatch)
    result = answer(
        cfn, "Delete", "Custom::NetworkCleanup", {"SecurityGroupIds": [ours]},
        physical="network-interface-cleanup",
    )  # fmt: skip
    assert result["Status"] == "SUCCESS", result["Reason"]
    assert in_use not in interfaces(ec2) and len(polls) >= 2


def test_emr_has_no_api_for_studio_workspaces() -> None:
    # DOCS no-workspace-api: the cleanup can only remove network interfaces.
    operations = boto3.client("emr", region_name="us-east-1").meta.service_model
    names = set(operations.operation_names)
    assert not {n for n in names if "Editor" in n or "Workspace" in n}
    assert {"DeleteStudio", "DescribeStudio"} <= names


# --- the template: resources, permissions and delete order -------------------------

CUSTOM_TYPES = {
    R.STOP_BEFORE_UPDATE: "Custom::StopApplicationBeforeUpdate",
    R.STOP_BEFORE_DELETE: "Custom::StopApplicationBeforeDelete",
    R.NETWORK_CLEANUP: "Custom::NetworkCleanup",
}


def test_every_new_resource_type_has_a_handler() -> None:
    for kind in CUSTOM_TYPES.values():
        assert set(cc.HANDLERS[kind]) >= {"Create", "Update", "Delete"}


def test_guards_follow_the_application_and_the_cleanup_the_groups() -> None:
    raw = template_dict()["Resources"]
    for logical, kind in CUSTOM_TYPES.items():
        assert raw[logical]["Type"] == kind
    assert raw[R.STOP_BEFORE_UPDATE]["Condition"] == "CreateApplication"
    assert raw[R.STOP_BEFORE_DELETE]["Condition"] == "CreateApplication"
    assert raw[R.NETWORK_CLEANUP]["Condition"] == "CreateStudioOrApplication"
    # The copy changes whenever the application does.
    mirrored = raw[R.STOP_BEFORE_UPDATE]["Properties"]["Application"]
    assert mirrored == raw[R.APPLICATION]["Properties"]
    assert R.STOP_BEFORE_UPDATE in raw[R.APPLICATION]["DependsOn"]
    assert raw[R.STOP_BEFORE_DELETE]["Properties"]["ApplicationId"] == {
        "Ref": R.APPLICATION
    }


@pytest.mark.parametrize(
    ("params", "present"),
    [
        ({}, set(CUSTOM_TYPES)),
        ({"CreateApplication": "false"}, {R.NETWORK_CLEANUP}),
        ({"CreateStudio": "false"}, set(CUSTOM_TYPES)),
        ({"CreateStudio": "false", "CreateApplication": "false"}, set()),
    ],
)
def test_new_resources_follow_the_emr_conditions(params: dict, present: set) -> None:
    result = render(params)
    assert set(CUSTOM_TYPES) & set(result["Resources"]) == present
    if R.NETWORK_CLEANUP in present:
        groups = clean(result["Resources"][R.NETWORK_CLEANUP]["Properties"])
        expected = set()
        if params.get("CreateApplication") != "false":
            expected.add(R.APPLICATION_SG)
        if params.get("CreateStudio") != "false":
            expected |= {R.WORKSPACE_SG, R.ENGINE_SG}
        assert set(groups["SecurityGroupIds"]) == expected


def function_statements(params: dict) -> dict[str, dict]:
    result = render(params)
    role = result["Resources"]["CustomResourceRole"]["Properties"]
    doc = resolve_arns(result, clean(role["Policies"][0]["PolicyDocument"]))
    return {s["Sid"]: s for s in doc["Statement"]}


def test_function_may_stop_only_this_stacks_application() -> None:
    # DOCS iam-scope
    statements = function_statements({})
    find = statements["FindStackApplication"]
    assert find["Action"] == [
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStacks",
    ]
    assert find["Resource"] == [
        f"arn:aws:cloudformation:us-east-1:{RADAR_ACCOUNT}:stack/my-cloud-radar-stack/*"
    ]
    stop = statements["StopStackApplication"]
    assert sorted(stop["Action"]) == [
        "emr-serverless:ListJobRuns",
        "emr-serverless:StopApplication",
    ]
    assert stop["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Name": "my-cloud-radar-stack-application"}
    }
    app = render()["Resources"][R.APPLICATION]["Properties"]
    assert {"Key": "Name", "Value": "my-cloud-radar-stack-application"} in app["Tags"]
    cancel = statements["CancelStackApplicationRuns"]
    assert cancel["Resource"] == [
        f"arn:aws:emr-serverless:us-east-1:{RADAR_ACCOUNT}:/applications/*/jobruns/*"
    ]
    eni = statements["DeleteDetachedNetworkInterfaces"]
    assert eni["Action"] == ["ec2:DeleteNetworkInterface"]
    subnet = f"arn:aws:ec2:us-east-1:{RADAR_ACCOUNT}:subnet"
    # an existing VPC may be shared: only interfaces in the stack's own subnets
    assert eni["Condition"] == {
        "ArnEquals": {"ec2:Vpc": f"arn:aws:ec2:us-east-1:{RADAR_ACCOUNT}:vpc/Vpc"},
        "ArnLike": {
            "ec2:Subnet": [f"{subnet}/PrivateSubnet1", f"{subnet}/PrivateSubnet2"]
        },
    }
    existing = function_statements(
        {
            "ExistingVpcId": "vpc-0123abcd",
            "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
        }
    )
    assert existing["DeleteDetachedNetworkInterfaces"]["Condition"] == {
        "ArnEquals": {
            "ec2:Vpc": f"arn:aws:ec2:us-east-1:{RADAR_ACCOUNT}:vpc/vpc-0123abcd"
        },
        # subnet IDs are unique across accounts and regions
        "ArnLike": {
            "ec2:Subnet": [
                "arn:*:ec2:*:*:subnet/subnet-0123abcd",
                "arn:*:ec2:*:*:subnet/subnet-4567abcd",
            ]
        },
    }
    studio_only = function_statements({"CreateApplication": "false"})
    assert "StopStackApplication" not in studio_only
    assert "DeleteDetachedNetworkInterfaces" in studio_only


# --- delete order -------------------------------------------------------------------

USES_ROLE = ("ServiceRole", "Role", "DeliverLogsPermissionArn")


def closure(pairs: list[tuple[str, str]]) -> dict[str, set[str]]:
    """For each resource, everything it depends on, directly or not."""
    direct: dict[str, set[str]] = {}
    for a, b in pairs:
        direct.setdefault(a, set()).add(b)
    seen: dict[str, set[str]] = {}

    def reach(name: str) -> set[str]:
        if name not in seen:
            seen[name] = set()
            for target in direct.get(name, ()):
                seen[name] |= {target} | reach(target)
        return seen[name]

    for name in list(direct):
        reach(name)
    return seen


def delete_needs(raw: dict[str, Any]) -> dict[str, set[str]]:
    """What each resource's delete needs to still exist, from the template."""
    needs: dict[str, set[str]] = {}

    def role_of(value: Any) -> str | None:
        found = [logical for logical, _ in attributes(value)]
        return found[0] if isinstance(value, dict) and found else None

    policies_of: dict[str, set[str]] = {}
    for name, res in raw.items():
        if res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            roles = res["Properties"].get("Roles", [])
            for role in roles if isinstance(roles, list) else []:
                if isinstance(role, dict) and "Ref" in role:
                    policies_of.setdefault(role["Ref"], set()).add(name)
    for name, res in raw.items():
        props = res.get("Properties", {})
        for key in USES_ROLE:
            role = role_of(props.get(key))
            if role:
                needs.setdefault(name, set()).update({role}, policies_of.get(role, ()))
        if res["Type"].startswith("Custom::"):
            function = props["ServiceToken"]["Fn::GetAtt"][0]
            fprops = raw[function]["Properties"]
            needs.setdefault(name, set()).update(
                {
                    function,
                    role_of(fprops["Role"]),
                    fprops["LoggingConfig"]["LogGroup"]["Ref"],
                    R.FUNCTION_INVOKE_CONFIG,
                }
            )
    # EMR's network interfaces: the cleanup runs after the Studio and the
    # application are gone and before their groups and subnets go.
    for emr in (R.STUDIO, R.APPLICATION):
        needs.setdefault(emr, set()).add(R.NETWORK_CLEANUP)
    needs.setdefault(R.NETWORK_CLEANUP, set()).update(
        {R.WORKSPACE_SG, R.ENGINE_SG, R.APPLICATION_SG}
        | {f"PrivateSubnet{i}" for i in (1, 2, 3)}
    )
    # The application is stopped before it is changed or deleted.
    needs.setdefault(R.APPLICATION, set()).add(R.STOP_BEFORE_UPDATE)
    needs.setdefault(R.STOP_BEFORE_DELETE, set()).add(R.APPLICATION)
    return needs


def unmet(raw: dict[str, Any], present: set[str]) -> list[str]:
    raw = {k: v for k, v in raw.items() if k in present}
    pairs = [(a, b) for a, b in edges({"Resources": raw}) if b in present]
    after = closure(pairs)
    return [
        f"{name} is deleted after {need}, which its delete needs"
        for name, wanted in delete_needs(raw).items()
        if name in present
        for need in sorted(wanted & present)
        if need not in after.get(name, set())
    ]


def test_studio_waits_for_its_role_policies_on_delete() -> None:
    raw = template_dict()["Resources"]
    assert {R.STUDIO_POLICY, R.STUDIO_NETWORK_POLICY} <= set(raw[R.STUDIO]["DependsOn"])


def test_whatever_a_delete_needs_is_deleted_after_it() -> None:
    raw = template_dict(("ana", "raj"))["Resources"]
    assert unmet(raw, set(raw)) == []
    # The application takes no role: jobs pass the runtime role when they start,
    # so its delete does not need the runtime role.
    assert "RuntimeRole" not in str(raw[R.APPLICATION])


MATRIX = {
    "default": {},
    "three AZs, customer-managed key": {
        "NumberOfAZs": "3",
        "EncryptionKey": "customer-managed",
    },
    "existing VPC, federated": {
        "ExistingVpcId": "vpc-0123abcd",
        "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
        "CreateIamUsers": "false",
    },
    "studio only, no NAT": {"CreateApplication": "false", "NatGateways": "none"},
    "application only": {"CreateStudio": "false"},
}


@pytest.mark.parametrize("variant", sorted(MATRIX))
def test_delete_order_holds_for_every_rendered_variant(variant: str) -> None:
    raw = template_dict(("ana",))["Resources"]
    present = set(render(MATRIX[variant], developers=("ana",))["Resources"])
    assert unmet(raw, present) == []


def test_a_missing_dependency_is_reported() -> None:
    raw = template_dict()["Resources"]
    raw[R.STUDIO]["DependsOn"] = [R.NETWORK_CLEANUP]
    assert unmet(raw, set(raw)) == [
        f"Studio is deleted after {R.STUDIO_POLICY}, which its delete needs",
        f"Studio is deleted after {R.STUDIO_NETWORK_POLICY}, which its delete needs",
    ]


# --- parameter changes AWS cannot apply in place ------------------------------------


def description(name: str) -> str:
    (spec,) = [s for s in SPECS if s.name == name]
    return spec.props["Description"]


@pytest.mark.parametrize(
    ("parameter", "phrases"),
    [
        ("NumberOfAZs", ["from 3 to 2 is refused", "EMR Studio"]),
        ("EncryptionKey", ["replaces the EMR Studio", "workspaces stay"]),
        ("NamePrefix", ["replaces the EMR Studio", "application"]),
        ("ExistingPrivateSubnetIds", ["only be added"]),
        ("ExistingVpcId", ["replaces the EMR Studio"]),
        ("CreateApplication", ["ends running notebook sessions"]),
        ("ReleaseLabel", ["ends running notebook sessions"]),
    ],
)
def test_descriptions_say_what_a_change_does(parameter: str, phrases: list) -> None:
    # DOCS create-only, update-delete
    text = description(parameter)
    for phrase in phrases:
        assert phrase in text, (parameter, phrase)


def test_the_guide_explains_updating_and_deleting() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "docs" / "updating.md").read_text()
    for heading in ("## Updating", "## Deleting"):
        assert heading in readme
    words = " ".join(readme.split())
    for phrase in (
        "NumberOfAZs",
        "EncryptionKey",
        "NamePrefix",
        "workspaces",
        "retained",
    ):
        assert phrase in words, phrase


def test_custom_resources_answer_within_their_service_timeout() -> None:
    for logical in CUSTOM_TYPES:
        res = render()["Resources"][logical]
        assert (
            res["Properties"]["ServiceTimeout"] == credentials.SERVICE_TIMEOUT_SECONDS
        )
        assert R.FUNCTION_INVOKE_CONFIG in as_list(res["DependsOn"])
    (function,) = of_type(render(), "AWS::Lambda::Function").values()
    assert function["Properties"]["Timeout"] == credentials.TIMEOUT_SECONDS
