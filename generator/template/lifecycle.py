"""What CloudFormation cannot do alone when it updates or deletes the EMR resources.

- EMR Serverless updates or deletes an application only when it is CREATED or
  STOPPED (EMR Serverless API Reference, UpdateApplication and DeleteApplication),
  and notebooks keep it STARTED. Custom::StopApplicationBeforeUpdate, which the
  application depends on and whose properties repeat the application's, stops it
  before every change; Custom::StopApplicationBeforeDelete, which depends on the
  application, stops it before CloudFormation deletes it.
- Security groups and subnets cannot be deleted while a network interface uses
  them (EC2 API Reference, DeleteSecurityGroup and DeleteSubnet), and EMR leaves
  interfaces of workspaces, which are not stack resources. Custom::NetworkCleanup
  refers to the groups and subnets and the Studio and the application depend on
  it, so its Delete runs after theirs and before the groups' and subnets'.

Custom::ChangeGuard carries the change matrix's refusals (template/changes.py) and
answers FAILED to an update they refuse, on every path: the console, Service
Catalog, StackSets and emrs-env. It runs first in the chain, and the bucket, the
Studio and the application come after it, so a refused update rolls back before
they change.

The four run in one chain after the default security group's resource, so they
never add to the credentials resources' concurrency (template/function.py).
"""

from __future__ import annotations

from troposphere import AWSHelperFn, If, NoValue, Ref, Template, emr, s3
from troposphere import emrserverless as emrs
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

from generator.template.changes import guard_checks
from generator.template.function import SERVICE_TIMEOUT_SECONDS
from generator.template.names import C, R
from generator.template.network import Network
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("guards", "emr", "Stop before update and delete",
          (R.STOP_BEFORE_UPDATE, R.STOP_BEFORE_DELETE)),
    Drawn("cleanup", "emr", "Network clean-up on delete", (R.NETWORK_CLEANUP,)),
)  # fmt: skip
REPLACED: dict[str, str] = {}


class StopApplicationBeforeUpdate(CustomResource):
    """Custom::StopApplicationBeforeUpdate: the application is stopped first."""

    resource_type = "Custom::StopApplicationBeforeUpdate"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "StackResource": (str, True),
        "Application": (dict, True),
        "RunsAfter": (object, False),
    }


class StopApplicationBeforeDelete(CustomResource):
    """Custom::StopApplicationBeforeDelete: stops the application on delete."""

    resource_type = "Custom::StopApplicationBeforeDelete"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "ApplicationId": (str, True),
    }


GUARD_TAG = "emrs-env:change-guard"


class ChangeGuard(CustomResource):
    """Custom::ChangeGuard: refuses, on every path, what the change matrix refuses."""

    resource_type = "Custom::ChangeGuard"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "Checks": (dict, True),
        "RunsAfter": (object, False),
    }


class NetworkCleanup(CustomResource):
    """Custom::NetworkCleanup: deletes EMR's detached interfaces on delete."""

    resource_type = "Custom::NetworkCleanup"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "SecurityGroupIds": (list, True),
        "SubnetIds": (object, True),
        "RunsAfter": (object, False),
    }


def _after_default_group() -> If:
    # A Ref inside If: the dependency exists only where the resource does.
    return If(C.CREATE_VPC, Ref(R.DEFAULT_SG_RULES), NoValue)


def add_lifecycle(
    template: Template,
    service_token: AWSHelperFn,
    network: Network,
    bucket: s3.Bucket,
    studio: emr.Studio,
    application: emrs.Application,
) -> None:
    """Add the change guard, the stop guards and the network cleanup, and make the
    bucket and the EMR resources depend on them."""
    common = dict(ServiceToken=service_token, ServiceTimeout=SERVICE_TIMEOUT_SECONDS)
    guard = template.add_resource(
        ChangeGuard(
            R.CHANGE_GUARD,
            Condition=C.CUSTOM_FUNCTION,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG],
            Checks=guard_checks(),
            RunsAfter=_after_default_group(),
            **common,
        )
    )
    # The bucket waits for the guard, so a refused rename makes no new bucket (a
    # Retain bucket made by an update that rolls back is kept: DeletionPolicy,
    # RetainExceptOnCreate). DependsOn cannot name a conditional resource from an
    # unconditional one; a tag whose value refers to the guard can.
    bucket.Tags.tags.append(
        If(C.CUSTOM_FUNCTION, {"Key": GUARD_TAG, "Value": Ref(guard)}, NoValue)
    )
    cleanup = template.add_resource(
        NetworkCleanup(
            R.NETWORK_CLEANUP,
            Condition=C.STUDIO_OR_APPLICATION,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG, guard.title],
            SecurityGroupIds=[
                If(C.CREATE_STUDIO, Ref(R.WORKSPACE_SG), NoValue),
                If(C.CREATE_STUDIO, Ref(R.ENGINE_SG), NoValue),
                If(C.CREATE_APPLICATION, Ref(R.APPLICATION_SG), NoValue),
            ],
            SubnetIds=network.private_subnet_ids,
            **common,
        )
    )
    before_update = template.add_resource(
        StopApplicationBeforeUpdate(
            R.STOP_BEFORE_UPDATE,
            Condition=C.CREATE_APPLICATION,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG, cleanup.title],
            StackResource=application.title,
            # Any change to the application changes this copy, so CloudFormation
            # updates this resource, and stops the application, first.
            Application=application.to_dict()["Properties"],
            **common,
        )
    )
    template.add_resource(
        StopApplicationBeforeDelete(
            R.STOP_BEFORE_DELETE,
            Condition=C.CREATE_APPLICATION,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG],
            ApplicationId=Ref(application),
            **common,
        )
    )
    studio.DependsOn = [*_depends(studio), cleanup.title]
    application.DependsOn = [*_depends(application), before_update.title]


def _depends(resource: AWSHelperFn) -> list[str]:
    current = resource.resource.get("DependsOn", [])
    return [current] if isinstance(current, str) else list(current)
