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

The three run in one chain after the default security group's resource, so they
never add to the credentials resources' concurrency (generator/credentials.py).
"""

from __future__ import annotations

from troposphere import AWSHelperFn, If, NoValue, Ref, Template, emr
from troposphere import emrserverless as emrs
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

from generator.template.function import SERVICE_TIMEOUT_SECONDS
from generator.template.names import C, R
from generator.template.network import Network


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
    studio: emr.Studio,
    application: emrs.Application,
) -> None:
    """Add the stop guards and the network cleanup, and make the EMR resources
    depend on them."""
    common = dict(ServiceToken=service_token, ServiceTimeout=SERVICE_TIMEOUT_SECONDS)
    cleanup = template.add_resource(
        NetworkCleanup(
            R.NETWORK_CLEANUP,
            Condition=C.STUDIO_OR_APPLICATION,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG],
            SecurityGroupIds=[
                If(C.CREATE_STUDIO, Ref(R.WORKSPACE_SG), NoValue),
                If(C.CREATE_STUDIO, Ref(R.ENGINE_SG), NoValue),
                If(C.CREATE_APPLICATION, Ref(R.APPLICATION_SG), NoValue),
            ],
            SubnetIds=network.private_subnet_ids,
            RunsAfter=_after_default_group(),
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
