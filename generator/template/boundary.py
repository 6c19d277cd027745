"""The permissions boundary that every role and user of a Service Catalog launch
carries.

A launch role that may create roles, users and policies could grant them anything,
itself included, unless what it creates is capped (IAM User Guide, "Permissions
boundaries for IAM entities": a principal's effective permissions are those both
its policies and its boundary allow). The boundary is derived from the environment
template: every action that any of its identity policies allows, and no other.
Actions of the services through which a principal could reach other people's
identities, data or network (IAM, Secrets Manager, S3, KMS, EC2) are capped to the
resources a product's stack names, as the launch role's own statements name them
(EC2: interfaces, groups, subnets and VPCs only); the rest are capped by action
only, on any resource.
"""

from __future__ import annotations

from typing import Any

from awacs.aws import PolicyDocument, StringLike
from troposphere import Sub

from generator.template import names
from generator.template.policies import (
    arn,
    document,
    global_arn,
    named_action,
    statement,
    statements_of,
)

# Identity policies of the environment: where each resource type keeps them.
POLICY_HOLDERS = {
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::Role": "Policies",
    "AWS::IAM::User": "Policies",
    "AWS::IAM::Group": "Policies",
}
# Services whose actions stay on the resources a product names.
CAPPED = ("iam", "secretsmanager", "s3", "kms", "ec2")
# The EC2 resource types the environment's principals act on (network interfaces
# in its subnets and security groups), and no instance, volume or image.
EC2_TYPES = ("network-interface", "security-group", "subnet", "vpc")
# Actions of those services that IAM scopes to no resource (Service Authorization
# Reference; a test re-derives them from cfn-lint's copy): Resource "*".
RESOURCE_LESS = frozenset(
    {
        "ec2:describeinstances",
        "ec2:describenetworkinterfaces",
        "ec2:describesecuritygroups",
        "ec2:describesubnets",
        "ec2:describetags",
        "ec2:describevpcs",
        "iam:getaccountpasswordpolicy",
        "iam:listaccountaliases",
        "iam:listroles",
        "s3:listallmybuckets",
    }
)
# Secrets EMR Studio creates for a workspace's Git credentials in Identity Center
# mode (EMR Management Guide, "Create an EMR Studio user role with session
# policies").
STUDIO_GIT_SECRETS = "secret:emr-studio-*"


def environment_actions(environment: dict[str, Any]) -> set[str]:
    """Every action an identity policy of the environment allows."""
    found: set[str] = set()
    for resource in environment["Resources"].values():
        holder = POLICY_HOLDERS.get(resource["Type"])
        props = resource.get("Properties", {})
        if holder is None or holder not in props:
            continue
        held = props[holder]
        documents = (
            [held]
            if holder == "PolicyDocument"
            else [p["PolicyDocument"] for p in held if isinstance(p, dict)]
        )
        for document_ in documents:
            for stmt in statements_of(document_):
                if stmt.get("Effect") == "Allow":
                    actions = stmt["Action"]
                    found.update([actions] if isinstance(actions, str) else actions)
    return found


def capped_resources(arns: dict[str, list[Sub]], service: str) -> list[Any]:
    """What a product's principals may reach through one capped service."""
    if service == "iam":
        return [
            *arns["iam:role"],
            *arns["iam:user"],
            arn("iam", "role/aws-service-role/*", regional=False),
        ]
    if service == "secretsmanager":
        return [
            *arns["secretsmanager:Secret"],
            arn("secretsmanager", STUDIO_GIT_SECRETS),
        ]
    if service == "s3":
        samples = (names.EMR_SAMPLES_BUCKETS, names.ATHENA_EXAMPLES_BUCKET)
        return [
            *arns["s3:bucket"],
            *arns["s3:object"],
            *(global_arn("s3", b) for b in samples),
            *(global_arn("s3", f"{b}/*") for b in samples),
        ]
    if service == "ec2":
        return [arn("ec2", f"{kind}/*") for kind in EC2_TYPES]
    return [arn("kms", "key/*")]


def boundary_document(
    environment: dict[str, Any], arns: dict[str, list[Sub]]
) -> PolicyDocument:
    """The boundary: the environment's actions, the capped services' on the
    resources a product names (`arns`, the launch role's patterns of them), and
    keys only when a product made them (tagged with its stack's name)."""
    actions = environment_actions(environment)
    anywhere = sorted(
        a
        for a in actions
        if a.split(":")[0] not in CAPPED or a.lower() in RESOURCE_LESS
    )
    statements = [
        statement("EnvironmentActions", [named_action(a) for a in anywhere], ["*"])
    ]
    for service in CAPPED:
        own = sorted(
            a
            for a in actions
            if a.split(":")[0] == service and a.lower() not in RESOURCE_LESS
        )
        if not own:
            continue
        extra = (
            [StringLike(f"aws:ResourceTag/{names.STACK_TAG}", "SC-*")]
            if service == "kms"
            else []
        )
        statements.append(
            statement(
                f"Environment{service.title().replace('Ec2', 'EC2')}",
                [named_action(a) for a in own],
                capped_resources(arns, service),
                *extra,
            )
        )
    return document(*statements)
