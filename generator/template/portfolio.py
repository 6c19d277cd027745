"""The Service Catalog portfolio that publishes the environment as a product.

The launch role's actions are generated: for every resource type of the environment
template, the create/update/delete permissions that the CloudFormation resource
provider schemas (bundled with cfn-lint) list, as recorded in
generator/template/provisioning_actions.json, plus what CloudFormation itself and
the custom resources need. Their resources are the environment's own, as narrow as
its names allow: each action is granted on the ARNs of the environment's resources
of the types IAM scopes it to (recorded with the actions), written as the patterns
those names take in a provisioned product's stack (SC-<account>-pp-<id>, any NamePrefix,
RegionalIamNames on or off). What IAM cannot scope, or the environment cannot name
before a launch, is listed below with its reason (RESOURCE_STAR, ACCOUNT_WIDE).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from awacs import awslambda, s3
from awacs import cloudformation as cfn
from awacs import iam as iam_actions
from awacs.aws import (
    Action,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    Condition,
    ConditionElement,
    Deny,
    PolicyDocument,
    Statement,
    StringEquals,
    StringLike,
)
from troposphere import (
    Equals,
    Export,
    GetAtt,
    If,
    Not,
    Output,
    Parameter,
    Ref,
    Sub,
    Template,
    encode_to_dict,
    iam,
    servicecatalog,
)

from generator import __version__
from generator.template import names
from generator.template.boundary import boundary_document
from generator.template.identity import with_conditional
from generator.template.intrinsics import Conditions, attributes
from generator.template.names import P
from generator.template.policies import (
    arn,
    document,
    global_arn,
    named_action,
    service_trust,
    statement,
)
from generator.template.provisioning import TABLE

MANAGED_POLICY_LIMIT = 6_144  # characters, white space excluded
PRINCIPAL_SLOTS = (1, 2, 3)
# Properties through which CloudFormation passes a role to a service (iam:PassRole
# with iam:PassedToService), by resource type.
ROLE_PROPERTIES = {
    ("AWS::Lambda::Function", "Role"): names.LAMBDA_SERVICE,
    ("AWS::EC2::FlowLog", "DeliverLogsPermissionArn"): "vpc-flow-logs.amazonaws.com",
    ("AWS::EMR::Studio", "ServiceRole"): names.EMR_SERVICE,
    ("AWS::EMR::Studio", "UserRole"): names.EMR_SERVICE,
}
# Service Catalog names the stacks it launches SC-<account>-pp-<id> (AWS's managed
# launch policies scope CloudFormation to stack/SC-*); a provisioned product's ID is
# pp- and 13 characters.
PRODUCT_STACK_PREFIX = "SC-"
PRODUCT_STACK_NAME = "SC-123456789012-pp-abcdefghijklm"
# CloudFormation names a resource the template leaves unnamed <stack name>-<logical
# ID>-<12 or 13 random characters>, and shortens the first two parts when that is
# longer than the type allows; only names that always fit keep their logical ID.
GENERATED_SUFFIX = 13
NAME_LIMITS = {
    "AWS::IAM::Role": 64,
    "AWS::Lambda::Function": 64,
    "AWS::Logs::LogGroup": 512,
}
# Parameters a launch cannot change (the template constraint below): with the
# default bucket name, the launch role manages buckets of that name only.
PINNED = {P.BUCKET_NAME: ""}
# What intrinsic functions need of whoever runs the stack, which no resource schema
# lists (CloudFormation Template Reference, Fn::GetAZs: "IAM permissions").
INTRINSIC_PERMISSIONS = {
    "Fn::GetAZs": (
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeSubnets",
    ),
}
# Actions a service's own guide lists for a type beyond its provider schema: EMR
# Management Guide, "Administrator permissions to create and manage an EMR Studio",
# assigning users or groups in Identity Center mode (read-only, Resource "*").
DOCUMENTED_ACTIONS = {
    "AWS::EMR::StudioSessionMapping": ("organizations:DescribeOrganization",),
}
# Granted in their own, conditioned statements instead of with the rest.
HANDLED_SEPARATELY = {"iam:passrole"}
# Listed by a provider schema but never granted: the AWS::EMR::StudioSessionMapping
# schema lists creating Identity Center users and groups, while a mapping names an
# existing one, and the EMR Management Guide ("Administrator permissions to create
# and manage an EMR Studio") assigns users and groups with Search*/Describe* only.
# Creating identities would let whoever launches the product mint new ones.
#
# A role's or user's boundary is never removed: the template constraint pins
# Permissions boundary (PermissionsBoundary) to the portfolio's, so the schemas'
# Delete*PermissionsBoundary (called only when the property goes) is never needed,
# and granting it would let a launch free a principal from its cap.
NOT_GRANTED = {
    "sso-directory:createuser",
    "sso-directory:creategroup",
    "iam:deleterolepermissionsboundary",
    "iam:deleteuserpermissionsboundary",
}
# The portfolio's own resources a launch role statement names.
BOUNDARY = "ProductBoundary"
LAUNCH_ROLE = "LaunchRole"
FEDERATED_PATTERN = "FederatedRoleNamePattern"
HAS_FEDERATED = "HasFederatedRoleNamePattern"
# Actions IAM authorizes with iam:PermissionsBoundary, the boundary of the role or
# user acted on (Service Authorization Reference, "Actions defined by AWS Identity
# and Access Management"): on the environment's principals, only with the
# portfolio's boundary.
# The ones that change what a principal may do are conditioned; reading and
# deleting one are not (a role the launch cannot read could not be deleted).
BOUNDARY_KEYED = {
    a.lower()
    for a in (
        "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateRole",
        "iam:CreateUser", "iam:DeleteRolePolicy", "iam:DeleteUserPolicy",
        "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
        "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy",
        "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
    )
}  # fmt: skip
# Of those, the ones parliament's database (older than the Service Authorization
# Reference of 2026) does not know the key for.
BOUNDARY_KEYED_SINCE = {
    "iam:updateassumerolepolicy", "iam:updaterole", "iam:updateroledescription",
}  # fmt: skip
# Every Resource "*" of the launch policies, and why (the test lists them too).
RESOURCE_STAR = {
    "ProvisionActionsWithoutResource": "IAM scopes these actions to no resource "
    "(they create a resource whose ARN is not known yet, list or describe); the "
    "Service Authorization Reference lists no resource type for any of them",
    "ReadTemplates": "GetTemplateSummary and ValidateTemplate take no resource",
    "ReadProductArtifacts": "the product's templates sit in buckets Service "
    "Catalog owns; the object tag servicecatalog:provisioning=true scopes it",
    "CreateAndTagKeysWithTheProductTag": "CreateKey takes no resource, and a key "
    "made with tags needs TagResource before it exists; both only with the "
    "product's stack tag (aws:RequestTag)",
}
# Resource types the launch role holds in the whole account (and region), because
# the environment cannot name them before they exist, and why.
NETWORK = (
    "EC2 assigns every VPC, subnet, route table, gateway, address, security group, "
    "endpoint, flow log and interface its ID at creation, and the environment "
    "cannot name them; granted on these resource types only (no instance, volume or "
    "image), and EC2 offers no privilege escalation among them. Tags cannot scope "
    "them: CloudFormation tags a security group only after changing its rules "
    "(cloudformation-coverage-roadmap issue 714, aws-cdk issue 13204), so an "
    "aws:ResourceTag or aws:RequestTag condition would fail every launch"
)
ACCOUNT_WIDE: dict[str, tuple[str, str]] = {
    **{
        f"ec2:{kind}": ("Network", NETWORK)
        for kind in (
            "vpc", "subnet", "route-table", "internet-gateway", "natgateway",
            "elastic-ip", "security-group", "security-group-rule", "vpc-endpoint",
            "vpc-flow-log", "network-interface", "vpc-encryption-control",
            "vpn-gateway",
        )
    },
    "vpce:vpc-endpoint": ("Network", NETWORK),
    "kms:key": (
        "Keys",
        "a key's ID is random, so keys are granted by the tag a product sets on "
        "its key (emrs-env:stack, SC-*; the KMS provider passes tags in CreateKey), "
        "data keys and decryption only through S3, Secrets Manager, Lambda and EMR "
        "Serverless (kms:ViaService); CreateKey and TagResource take that tag as a "
        "request tag, so a launch could also put it on another key",
    ),
    "elasticmapreduce:studio": (
        "Studios",
        "EMR Studio IDs are assigned at creation; a tag condition would deny "
        "reading a Studio that is already gone, which deletes wait for",
    ),
    **{
        f"emr-serverless:{kind}": (
            "Applications",
            "EMR Serverless application IDs are assigned at creation; a tag "
            "condition would deny GetApplication on an application that is gone, "
            "which deletes wait for",
        )
        for kind in ("application", "jobRun", "session")
    },
}  # fmt: skip
# Data keys and decryption only through the services that encrypt for the stack.
KEY_USE = {"kms:decrypt", "kms:encrypt", "kms:generatedatakey", "kms:creategrant"}
VIA_SERVICES = ("s3", "secretsmanager", "lambda", "emr-serverless")


class MissingActions(RuntimeError):
    """The recorded table lacks a resource type the environment uses."""


@cache
def _table() -> dict[str, Any]:
    return json.loads(TABLE.read_text(encoding="utf-8"))


def _recorded() -> dict[str, list[str]]:
    """Provisioning actions by resource type, as derived from cfn-lint's data
    (generator/template/provisioning.py writes the table; `make actions`)."""
    return _table()["types"]


def type_actions(resource_type: str) -> list[str]:
    """The recorded IAM actions CloudFormation needs for one type."""
    if resource_type.startswith("Custom::"):
        return []
    recorded = _recorded()
    if resource_type not in recorded:
        raise MissingActions(
            f"{TABLE.name} has no actions for {resource_type}; run 'make actions'"
        )
    return recorded[resource_type] + list(DOCUMENTED_ACTIONS.get(resource_type, ()))


def intrinsic_permissions(environment: Any) -> set[str]:
    """What the template's intrinsic functions need (Fn::GetAZs)."""
    found: set[str] = set()
    if isinstance(environment, dict):
        for key, value in environment.items():
            found |= set(INTRINSIC_PERMISSIONS.get(key, ()))
            found |= intrinsic_permissions(value)
    elif isinstance(environment, list):
        for value in environment:
            found |= intrinsic_permissions(value)
    return found


def provisioning_actions(
    resource_types: Iterable[str], extra: Iterable[str] = ()
) -> list[str]:
    """The union of the types' recorded permissions, sorted; PassRole apart."""
    actions: set[str] = set(extra)
    for resource_type in resource_types:
        actions.update(type_actions(resource_type))
    return sorted(
        a for a in actions if a.lower() not in HANDLED_SEPARATELY | NOT_GRANTED
    )


# --- the names the environment's resources take in a provisioned product --------


def _sub_token(token: str) -> str:
    if token == "AWS::StackName":
        return PRODUCT_STACK_PREFIX + "*"
    if token in ("AWS::Partition", "AWS::Region", "AWS::AccountId"):
        return "${" + token + "}"  # the portfolio's own: Service Catalog launches
    if token in PINNED:  # products in the portfolio's account and region
        return PINNED[token]
    return "*"


def name_patterns(environment: dict[str, Any], value: Any) -> list[str]:
    """Every form a name of the environment can take in a provisioned product's
    stack, as IAM patterns: the stack name SC-*, any parameter value *, the
    partition, region and account kept (Fn::Sub resolves them in the portfolio)."""
    if isinstance(value, str):
        return [value]
    ((function, args),) = value.items()
    if function == "Fn::If":
        condition, yes, no = args
        known = Conditions(environment, PINNED, partial=True).known(condition)
        branches = [yes] if known is True else [no] if known is False else [yes, no]
        return [p for b in branches for p in name_patterns(environment, b)]
    if function == "Fn::Sub":
        text = args if isinstance(args, str) else args[0]
        local = {} if isinstance(args, str) else args[1]

        def replace(match: re.Match) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token + "}"
            if token in local:
                found = name_patterns(environment, local[token])
                return found[0] if len(found) == 1 else "*"
            return _sub_token(token)

        return [re.sub(r"\$\{([^}]+)\}", replace, text)]
    if function == "Ref":
        return [_sub_token(args)]
    if function == "Fn::Select":  # a part of a value only the launch knows
        return ["*"]
    raise ValueError(f"no name pattern for {function}")


def narrowest(patterns: Iterable[str]) -> list[str]:
    """The patterns without repeated wildcards or any another one covers, sorted."""
    unique = {re.sub(r"\*+", "*", p) for p in patterns}
    return sorted(
        p
        for p in unique
        if not any(o != p and fnmatch.fnmatchcase(p, o) for o in unique)
    )


def generated_name(resource_type: str, logical: str) -> str:
    """The pattern of the name CloudFormation gives an unnamed resource."""
    if resource_type not in NAME_LIMITS:
        raise ValueError(
            f"{logical} ({resource_type}) has no name: name it in the template, or "
            "add the form of its generated name to portfolio.NAME_LIMITS"
        )
    full = len(PRODUCT_STACK_NAME) + len(logical) + 2 + GENERATED_SUFFIX
    if full <= NAME_LIMITS[resource_type]:
        return f"{PRODUCT_STACK_PREFIX}*-{logical}-*"
    return PRODUCT_STACK_PREFIX + "*"  # shortened: only the stack's prefix is sure


def _of_type(environment: dict[str, Any], resource_type: str) -> dict[str, dict]:
    return {
        logical: resource.get("Properties", {})
        for logical, resource in environment["Resources"].items()
        if resource["Type"] == resource_type
    }


def _named(environment: dict[str, Any], resource_type: str, prop: str) -> list[str]:
    """The name patterns of every resource of one type."""
    return [
        form
        for logical, props in _of_type(environment, resource_type).items()
        for form in (
            name_patterns(environment, props[prop])
            if prop in props
            else [generated_name(resource_type, logical)]
        )
    ]


def iam_patterns(
    environment: dict[str, Any], resource_type: str, prop: str
) -> dict[str, list[str]]:
    """Each IAM resource's path-and-name patterns, by logical ID. Users share the
    stack's path, so any name under it: one pattern for any number of users."""
    found = {}
    for logical, props in _of_type(environment, resource_type).items():
        paths = name_patterns(environment, props.get("Path", "/"))
        if resource_type == "AWS::IAM::User" and "Path" in props:
            named = ["*"]
        elif prop in props:
            named = name_patterns(environment, props[prop])
        else:
            named = [generated_name(resource_type, logical)]
        found[logical] = narrowest(p + n for p in paths for n in named)
    return found


IAM_KINDS = {
    "AWS::IAM::Role": ("role", "RoleName"),
    "AWS::IAM::User": ("user", "UserName"),
    "AWS::IAM::Group": ("group", "GroupName"),
    "AWS::IAM::ManagedPolicy": ("policy", "ManagedPolicyName"),
}


def _iam(environment: dict[str, Any], resource_type: str) -> list[Sub]:
    kind, prop = IAM_KINDS[resource_type]
    tails = iam_patterns(environment, resource_type, prop).values()
    return [
        arn("iam", kind + tail, regional=False)
        for tail in narrowest(t for found in tails for t in found)
    ]


def _regional(service: str, patterns: Iterable[str]) -> list[Sub]:
    return [arn(service, p) for p in narrowest(patterns)]


def policy_arns(environment: dict[str, Any]) -> list[Sub]:
    """ARN patterns of the environment's managed policies."""
    return _iam(environment, "AWS::IAM::ManagedPolicy")


def environment_arns(environment: dict[str, Any]) -> dict[str, list[Sub]]:
    """The launch role's ARN patterns of the environment's resources, by IAM
    resource type ("service:type", as the recorded table names them)."""
    # One pattern for any number of users: their secrets share a name prefix.
    secrets = [
        "secret:" + n.rsplit("/", 1)[0] + "/*"
        for n in _named(environment, "AWS::SecretsManager::Secret", "Name")
    ]
    buckets = narrowest(_named(environment, "AWS::S3::Bucket", "BucketName"))
    logs = [
        f"log-group:{n}{tail}"
        for n in _named(environment, "AWS::Logs::LogGroup", "LogGroupName")
        for tail in ("", ":*")
    ]
    functions = _named(environment, "AWS::Lambda::Function", "FunctionName")
    return {
        "iam:role": _iam(environment, "AWS::IAM::Role"),
        "iam:user": _iam(environment, "AWS::IAM::User"),
        "iam:group": _iam(environment, "AWS::IAM::Group"),
        "iam:policy": policy_arns(environment),
        "secretsmanager:Secret": _regional("secretsmanager", secrets),
        "s3:bucket": [global_arn("s3", b) for b in buckets],
        "s3:object": [global_arn("s3", f"{b}/*") for b in buckets],
        "logs:log-group": _regional("logs", logs),
        "lambda:function": _regional("lambda", ["function:" + n for n in functions]),
        "kms:alias": _regional(
            "kms", _named(environment, "AWS::KMS::Alias", "AliasName")
        ),
        "cloudwatch:dashboard": [
            arn("cloudwatch", f"dashboard/{n}", regional=False)
            for n in narrowest(
                _named(environment, "AWS::CloudWatch::Dashboard", "DashboardName")
            )
        ],
    }


def passed_roles(environment: dict[str, Any]) -> dict[str, set[str]]:
    """Role ARN patterns CloudFormation passes, by the service they go to."""
    resources = environment["Resources"]
    patterns = iam_patterns(environment, "AWS::IAM::Role", "RoleName")
    passed: dict[str, set[str]] = {}
    for resource in resources.values():
        for prop, value in resource.get("Properties", {}).items():
            service = ROLE_PROPERTIES.get((resource["Type"], prop))
            if service is None:
                continue
            for logical in _role_attributes(value):
                passed.setdefault(service, set()).update(
                    "role" + p for p in patterns[logical]
                )
    return passed


def _role_attributes(value: Any) -> list[str]:
    """Logical IDs of the Fn::GetAtt in a value, also inside an Fn::If."""
    return [logical for logical, _attribute in attributes(value)]


def pass_role_statements(environment: dict[str, Any]) -> list:
    """iam:PassRole on the environment's own roles, each to its own service."""
    return [
        statement(
            "PassEnvironmentRolesTo" + service.split(".")[0].title().replace("-", ""),
            [iam_actions.PassRole],
            [arn("iam", pattern, regional=False) for pattern in sorted(patterns)],
            StringEquals("iam:PassedToService", service),
        )
        for service, patterns in sorted(passed_roles(environment).items())
    ]


# --- the launch policies --------------------------------------------------------


def policy_size(doc: PolicyDocument) -> int:
    """Characters IAM counts for a policy document (white space excluded)."""
    from generator.template.limits import iam_chars

    return iam_chars(encode_to_dict(doc))


def type_wide(key: str) -> list[Sub]:
    """Every resource of one recorded resource type in the account (and region)."""
    return [
        Sub(
            f.replace("${Partition}", "${AWS::Partition}")
            .replace("${Region}", "${AWS::Region}")
            .replace("${Account}", "${AWS::AccountId}")
        )
        for f in _table()["arn_formats"][key]
    ]


@dataclass(frozen=True)
class Grant:
    """Where one action goes: a statement's Sid, resources and condition."""

    sid: str
    resources: tuple[Sub | str, ...]
    condition: str = ""


def _key(resource: Sub | str) -> str:
    return resource if isinstance(resource, str) else json.dumps(resource.to_dict())


# Statement names of the environment's own resources, by resource type.
LABELS = {
    "iam:role": "EnvironmentRoles",
    "iam:user": "EnvironmentUsers",
    "iam:group": "EnvironmentGroups",
    "iam:policy": "EnvironmentPolicies",
    "secretsmanager:Secret": "EnvironmentSecrets",
    "s3:bucket": "NotebookBucket",
    "s3:object": "NotebookBucket",
    "logs:log-group": "EnvironmentLogGroups",
    "lambda:function": "StackFunctions",
    "kms:alias": "KeyAlias",
    "cloudwatch:dashboard": "HealthDashboard",
}


def _grants(action: str, arns: dict[str, list[Sub]]) -> list[Grant]:
    """The statements one action goes to."""
    service, _, name = action.lower().partition(":")
    roles, users, groups = arns["iam:role"], arns["iam:user"], arns["iam:group"]
    any_role = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")
    if service == "iam" and name.startswith("attach"):
        # The environment's policies only, and to roles and users only when they
        # carry the portfolio's boundary. Roles named by AdminRoleNames or
        # DeveloperRoleNames are granted apart, within the portfolio's pattern.
        if name == "attachgrouppolicy":
            return [Grant("AttachEnvironmentPoliciesToGroups", tuple(groups), "policy")]
        return [Grant("AttachEnvironmentPoliciesToBoundedPrincipals",
                      (*roles, *users), "policy+boundary")]  # fmt: skip
    if service == "iam" and name.startswith("detach"):
        grants = [Grant("DetachFromEnvironmentPrincipals", (*roles, *users, *groups))]
        if name == "detachrolepolicy":
            grants.append(Grant("DetachEnvironmentPolicies", (any_role,), "policy"))
        return grants
    if action.lower() in BOUNDARY_KEYED:
        return [Grant("EnvironmentRolesAndUsersWithTheBoundary", (*roles, *users),
                      "boundary")]  # fmt: skip
    if action.lower() == "iam:createservicelinkedrole":
        return [
            Grant(
                "CreateServiceLinkedRoles",
                (arn("iam", "role/aws-service-role/*", regional=False),),
            )
        ]
    if action.lower() in KEY_USE:
        return [Grant("UseKeysThroughServices", tuple(type_wide("kms:key")), "via+key")]
    if action.lower() in ("kms:createkey", "kms:tagresource"):
        return [Grant("CreateAndTagKeysWithTheProductTag", ("*",), "request-key")]
    kinds = _table()["resource_types"].get(action, [])  # none: intrinsics' Describe*
    if not kinds:
        return [Grant("ProvisionActionsWithoutResource", ("*",))]
    keys = [f"{action.partition(':')[0]}:{kind}" for kind in kinds]
    own: list[Grant] = []
    if "kms:key" in keys:  # keys a product made: its stack's tag
        own.append(Grant("KeysOfProducts", tuple(type_wide("kms:key")), "key"))
        keys.remove("kms:key")
        if not keys:
            return own
    labels: list[str] = []
    resources: list[Sub | str] = []
    for key in keys:
        if key in arns:
            labels.append(LABELS[key])
            resources += arns[key]
        elif key in ACCOUNT_WIDE:
            labels.append("AccountWide" + ACCOUNT_WIDE[key][0])
            resources += type_wide(key)
    if not resources:
        # The schemas list these for features the environment does not use (IAM
        # Identity Center, container images, Lambda layers, code signing, capacity
        # providers and file systems, S3 Tables, Firehose): on their own resource
        # types only, in the account.
        labels = ["UnusedFeatures"]
        resources = [r for key in keys for r in type_wide(key)]
    sid = "".join(dict.fromkeys(labels))
    return [*own, Grant(sid, tuple(resources))]


def _conditions(environment: dict[str, Any]) -> dict[str, ConditionElement]:
    return {
        "policy": ArnLike("iam:PolicyARN", policy_arns(environment)),
        "boundary": ArnEquals("iam:PermissionsBoundary", Ref(BOUNDARY)),
        "via": StringEquals(
            "kms:ViaService",
            [Sub(f"{s}.${{AWS::Region}}.amazonaws.com") for s in VIA_SERVICES],
        ),
        "key": StringLike(
            f"aws:ResourceTag/{names.STACK_TAG}", PRODUCT_STACK_PREFIX + "*"
        ),
        "request-key": StringLike(
            f"aws:RequestTag/{names.STACK_TAG}", PRODUCT_STACK_PREFIX + "*"
        ),
    }


def _order(sid: str) -> tuple[int, str]:
    if sid in RESOURCE_STAR:
        return 0, sid
    if sid.startswith(("AccountWide", "UnusedFeatures")):
        return 1, sid
    return 2, sid


def resource_statements(
    environment: dict[str, Any], actions: Iterable[str]
) -> list[Statement]:
    """The actions grouped into statements by what they are granted on: Resource
    "*" first, then account-wide resource types, then the environment's own
    resources. A statement's resources are the union of its actions' (IAM matches
    each action against the resource types it takes only)."""
    arns = environment_arns(environment)
    conditions = _conditions(environment)
    actions_of: dict[tuple[str, str], list[str]] = {}
    resources_of: dict[tuple[str, str], dict[str, Sub | str]] = {}
    for action in actions:
        for grant in _grants(action, arns):
            key = (grant.sid, grant.condition)
            actions_of.setdefault(key, []).append(action)
            found = resources_of.setdefault(key, {})
            found.update({_key(r): r for r in grant.resources})
    statements = []
    for sid, condition in sorted(actions_of, key=lambda k: (_order(k[0]), k[1])):
        key = (sid, condition)
        extra = [conditions[c] for c in condition.split("+")] if condition else []
        statements.append(
            statement(
                sid,
                [named_action(a) for a in sorted(actions_of[key])],
                [resources_of[key][k] for k in sorted(resources_of[key])],
                *extra,
            )
        )
    return statements


def _split(stmt: Statement, limit: int) -> list[Statement]:
    """One statement, or its actions in parts whose documents each fit."""
    if policy_size(document(stmt)) <= limit or len(stmt.Action) < 2:
        return [stmt]
    half = len(stmt.Action) // 2
    parts = []
    for index, actions in enumerate((stmt.Action[:half], stmt.Action[half:])):
        part = Statement(**{**stmt.properties, "Action": actions})
        part.Sid = f"{stmt.Sid}{index + 1}"
        parts += _split(part, limit)
    return parts


def pack(statements: list[Statement], limit: int = MANAGED_POLICY_LIMIT) -> list:
    """The statements, in order, in as few documents as IAM's size limit allows."""
    documents: list[list[Statement]] = [[]]
    for part in (p for s in statements for p in _split(s, limit)):
        if documents[-1] and policy_size(document(*documents[-1], part)) > limit:
            documents.append([])
        documents[-1].append(part)
    return [document(*found) for found in documents if found]


def stack_policy(environment: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation and the custom resources need beyond resource types,
    and what no launch may do."""
    return with_conditional(
        _stack_policy(environment),
        [(HAS_FEDERATED, federated_statement(environment))],
    )


def _stack_policy(environment: dict[str, Any]) -> PolicyDocument:
    stacks = arn("cloudformation", f"stack/{PRODUCT_STACK_PREFIX}*")
    return document(
        statement(
            "ManageProductStacks",
            [
                cfn.CreateStack, cfn.UpdateStack, cfn.DeleteStack, cfn.DescribeStacks,
                cfn.DescribeStackEvents, cfn.DescribeStackResource,
                cfn.DescribeStackResources, cfn.ListStackResources, cfn.GetTemplate,
                cfn.SetStackPolicy, cfn.CreateChangeSet, cfn.DescribeChangeSet,
                cfn.ExecuteChangeSet, cfn.DeleteChangeSet, cfn.TagResource,
                cfn.UntagResource,
            ],
            [stacks],
        ),
        statement(
            "ReadTemplates",
            [cfn.GetTemplateSummary, cfn.ValidateTemplate],
            ["*"],
        ),
        statement(
            "ReadProductArtifacts",
            [s3.GetObject],
            ["*"],
            StringEquals("s3:ExistingObjectTag/servicecatalog:provisioning", "true"),
        ),
        statement(
            "InvokeCustomResources",
            [awslambda.InvokeFunction],
            environment_arns(environment)["lambda:function"],
        ),
        *pass_role_statements(environment),
        *self_denials(),
    )  # fmt: skip


def federated_statement(environment: dict[str, Any]) -> Statement:
    """The environment's policies on the roles AdminRoleNames and
    DeveloperRoleNames name, only within the portfolio administrator's pattern."""
    return statement(
        "AttachEnvironmentPoliciesToFederatedRoles",
        [iam_actions.AttachRolePolicy],
        [
            Sub(
                f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{{FEDERATED_PATTERN}}}"
            )
        ],
        ArnLike("iam:PolicyARN", policy_arns(environment)),
    )


def self_denials() -> list[Statement]:
    """What no launch may do, whatever else allows it: change the launch role, its
    policies or the boundary; make a role or user without the boundary; take a
    boundary off."""
    launch_policies = Sub(
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${AWS::StackName}-"
        "LaunchPolicy*"
    )
    return [
        Statement(
            Sid="DenyChangesToTheLaunchRoleAndBoundary",
            Effect=Deny,
            Action=[Action("iam", "*")],
            Resource=[GetAtt(LAUNCH_ROLE, "Arn"), Ref(BOUNDARY), launch_policies],
        ),
        Statement(
            Sid="DenyPrincipalsWithoutTheBoundary",
            Effect=Deny,
            Action=[
                iam_actions.CreateRole,
                iam_actions.CreateUser,
                iam_actions.PutRolePermissionsBoundary,
                iam_actions.PutUserPermissionsBoundary,
            ],
            Resource=["*"],
            Condition=Condition(ArnNotEquals("iam:PermissionsBoundary", Ref(BOUNDARY))),
        ),
        Statement(
            Sid="DenyRemovingBoundaries",
            Effect=Deny,
            Action=[
                iam_actions.DeleteRolePermissionsBoundary,
                iam_actions.DeleteUserPermissionsBoundary,
            ],
            Resource=["*"],
        ),
    ]


def launch_policies(environment: dict[str, Any]) -> list[Any]:
    """Every launch policy document: the stack's own, then the resources'."""
    types = sorted({r["Type"] for r in environment["Resources"].values()})
    actions = provisioning_actions(types, intrinsic_permissions(environment))
    return [
        stack_policy(environment),
        *pack(resource_statements(environment, actions)),
    ]


# What the launch page says before anyone fills in the form: the product's
# version description and support text (AWS Service Catalog API Reference,
# ProvisioningArtifactProperties Description and ProductViewSummary
# SupportDescription, up to 8,191 characters).
LAUNCH_RULES = (
    "Two rules at launch: a second launch in the same account needs its own Name "
    "prefix (such as dev-), and a launch after a terminate needs Bucket name per "
    "stack set to true (the terminated product's bucket is kept with its "
    "notebooks)."
)
SUPPORT = (
    "After the launch, the Outputs say how to sign in. IAM users' passwords are in "
    "Secrets Manager, which users with only Service Catalog rights cannot read: "
    "ask the account's administrators for yours, or launch in IAM Identity Center "
    "mode, where people sign in with their Identity Center accounts."
)


def _rule(assertions: list[tuple[Any, str]]) -> dict[str, Any]:
    return {
        "Assertions": [
            {"Assert": test, "AssertDescription": text} for test, text in assertions
        ]
    }


def launch_rules(federated: bool) -> dict[str, Any]:
    """Template constraint rules: the default bucket name, the portfolio's boundary
    on every role and user, and no federated roles unless the portfolio's
    administrator set a pattern for them (Rules cannot match a pattern: IAM does)."""
    rules = {
        "DefaultBucketName": _rule(
            [
                (
                    {"Fn::Equals": [{"Ref": key}, value]},
                    "Leave Notebook bucket name (BucketName) empty: this product "
                    "names the bucket itself, and may only create buckets it names.",
                )
                for key, value in PINNED.items()
            ]
        ),
        "PortfolioBoundary": _rule(
            [
                (
                    {
                        "Fn::Equals": [
                            {"Ref": P.PERMISSIONS_BOUNDARY},
                            f"${{{BOUNDARY}}}",
                        ]
                    },
                    f"Enter ${{{BOUNDARY}}} in Permissions boundary "
                    "(PermissionsBoundary): every role and user of this product "
                    "carries the portfolio's boundary.",
                )
            ]
        ),
    }
    if not federated:
        rules["NoFederatedRoles"] = _rule(
            [
                (
                    {"Fn::EachMemberEquals": [{"Ref": parameter}, ""]},
                    f"Leave {label} empty: this portfolio gives the environment's "
                    "policies to no existing role.",
                )
                for parameter, label in (
                    (P.ADMIN_ROLES, "Federated administrator roles (AdminRoleNames)"),
                    (P.DEV_ROLES, "Federated developer roles (DeveloperRoleNames)"),
                )
            ]
        )
    return rules


def constraint_rules() -> If:
    """The rules as the constraint's JSON text, with the boundary's ARN."""
    return If(
        HAS_FEDERATED,
        Sub(json.dumps(launch_rules(True), sort_keys=True)),
        Sub(json.dumps(launch_rules(False), sort_keys=True)),
    )


def _parameters(template: Template) -> None:
    template.add_parameter(
        Parameter(
            "TemplateUrl",
            Type="String",
            AllowedPattern=r"^https://[a-z0-9.-]+\.amazonaws\.com(\.cn)?/.+\.(yaml|json)$",
            ConstraintDescription="Enter the HTTPS URL of the environment template "
            "in S3, as emrs-env publish prints it.",
            Description="S3 URL of emr-serverless-interactive.yaml (emrs-env publish "
            "uploads it and prints this URL).",
        )
    )
    template.add_parameter(
        Parameter(
            "PortfolioName",
            Type="String",
            Default="EMR Serverless interactive environments",
            MinLength=1,
            MaxLength=100,
            ConstraintDescription="Enter 1-100 characters.",
            Description="Display name of the portfolio.",
        )
    )
    template.add_parameter(
        Parameter(
            "ProviderName",
            Type="String",
            Default="Platform team",
            MinLength=1,
            MaxLength=50,
            ConstraintDescription="Enter 1-50 characters.",
            Description="Team that provides the product, shown to its users.",
        )
    )
    for slot in PRINCIPAL_SLOTS:
        template.add_parameter(
            Parameter(
                f"PrincipalArn{slot}",
                Type="String",
                Default="",
                AllowedPattern=r"^(arn:aws[a-z-]*:iam::[0-9]{12}:(role|user|group)/.+)?$",
                ConstraintDescription="Leave empty, or enter an IAM role, user or "
                "group ARN.",
                Description=f"IAM principal {slot} allowed to launch the product; "
                "empty adds none.",
            )
        )
        template.add_condition(
            f"HasPrincipal{slot}", Not(Equals(Ref(f"PrincipalArn{slot}"), ""))
        )
    template.add_parameter(
        Parameter(
            FEDERATED_PATTERN,
            Type="String",
            Default="",
            AllowedPattern=r"^[\w+=,.@*-]{0,64}$",
            ConstraintDescription="Leave empty, or enter an IAM role name pattern "
            "of at most 64 characters, such as data-team-*.",
            Description="Existing roles a launch may give the environment's "
            "policies (AdminRoleNames, DeveloperRoleNames), as an IAM role name "
            "pattern such as data-team-*; empty allows none.",
        )
    )
    template.add_condition(HAS_FEDERATED, Not(Equals(Ref(FEDERATED_PATTERN), "")))
    template.set_metadata(
        {
            "AWS::CloudFormation::Interface": {
                "ParameterGroups": [
                    {
                        "Label": {"default": "Product"},
                        "Parameters": ["TemplateUrl", "PortfolioName", "ProviderName"],
                    },
                    {
                        "Label": {"default": "Who may launch it"},
                        "Parameters": [
                            *(f"PrincipalArn{s}" for s in PRINCIPAL_SLOTS),
                            FEDERATED_PATTERN,
                        ],
                    },
                ],
                "ParameterLabels": {
                    "TemplateUrl": {"default": "Environment template URL"},
                    "PortfolioName": {"default": "Portfolio name"},
                    "ProviderName": {"default": "Provider name"},
                    FEDERATED_PATTERN: {"default": "Federated role name pattern"},
                    **{
                        f"PrincipalArn{s}": {"default": f"Principal ARN {s}"}
                        for s in PRINCIPAL_SLOTS
                    },
                },
            }
        }
    )


def build_portfolio_template(environment: dict[str, Any]) -> Template:
    """The portfolio, product, principals and launch role for an environment."""
    template = Template(
        Description="Service Catalog portfolio publishing the emrs-env EMR Serverless "
        "interactive environment with a launch role."
    )
    template.set_version("2010-09-09")
    _parameters(template)
    add = template.add_resource
    portfolio = add(
        servicecatalog.Portfolio(
            "Portfolio",
            DisplayName=Ref("PortfolioName"),
            ProviderName=Ref("ProviderName"),
            Description="Self-service EMR Serverless interactive environments with "
            "EMR Studio.",
        )
    )
    product = add(
        servicecatalog.CloudFormationProduct(
            "Product",
            Name="EMR Serverless interactive environment",
            Owner=Ref("ProviderName"),
            Description=environment["Description"],
            SupportDescription=SUPPORT,
            ProvisioningArtifactParameters=[
                servicecatalog.ProvisioningArtifactProperties(
                    Name=__version__,
                    Description=Sub(
                        f"{LAUNCH_RULES} Permissions boundary (PermissionsBoundary) "
                        f"must be ${{{BOUNDARY}}}."
                    ),
                    Type="CLOUD_FORMATION_TEMPLATE",
                    Info=servicecatalog.Info(LoadTemplateFromURL=Ref("TemplateUrl")),
                )
            ],
        )
    )
    association = add(
        servicecatalog.PortfolioProductAssociation(
            "PortfolioProduct", PortfolioId=Ref(portfolio), ProductId=Ref(product)
        )
    )
    for slot in PRINCIPAL_SLOTS:
        add(
            servicecatalog.PortfolioPrincipalAssociation(
                f"Principal{slot}",
                Condition=f"HasPrincipal{slot}",
                PortfolioId=Ref(portfolio),
                PrincipalARN=Ref(f"PrincipalArn{slot}"),
                PrincipalType="IAM",
            )
        )
    # Trust without aws:SourceAccount or aws:SourceArn: no AWS page documents that
    # Service Catalog sets either when it assumes a launch role, and a condition the
    # service does not set would fail every launch. IAM lets only this account's
    # Service Catalog use the role (a launch constraint names it, and Service
    # Catalog accepts only roles of the portfolio's account).
    boundary = add(
        iam.ManagedPolicy(
            BOUNDARY,
            Description="Permissions boundary of every role and user this product "
            "creates.",
            Metadata={
                "checkov": {
                    "skip": [
                        {
                            "id": "CKV_AWS_111",
                            "comment": "A permissions boundary caps and grants "
                            "nothing: the environment's actions stay on Resource * "
                            "here, and each principal's own policies name the "
                            "resources (docs/service-catalog.md).",
                        }
                    ]
                }
            },
            PolicyDocument=boundary_document(
                environment, environment_arns(environment)
            ),
        )
    )
    role = add(
        iam.Role(
            LAUNCH_ROLE,
            Description="Service Catalog launches the EMR Serverless environment "
            "with this role.",
            AssumeRolePolicyDocument=service_trust("servicecatalog.amazonaws.com"),
        )
    )
    policies = launch_policies(environment)
    for index, doc in enumerate(policies, start=1):
        add(
            iam.ManagedPolicy(
                f"LaunchPolicy{index}",
                Description=f"Launch role permissions, part {index} of "
                f"{len(policies)}.",
                PolicyDocument=doc,
                Roles=[Ref(role)],
            )
        )
    add(
        servicecatalog.LaunchTemplateConstraint(
            "BucketNameConstraint",
            DependsOn=[association],
            PortfolioId=Ref(portfolio),
            ProductId=Ref(product),
            Rules=constraint_rules(),
            Description="Launches leave BucketName empty, carry the portfolio's "
            "boundary, and name federated roles only within the portfolio's "
            "pattern.",
        )
    )
    # A stack-tag change makes CloudFormation call UpdateApplication, which EMR
    # Serverless refuses while the application is STARTED (cloudformation-coverage-
    # roadmap issue 2370; aws-cdk issue 35488), and the template cannot see stack
    # tags. Updates keep the launch's tags, so a notebook in use never fails one.
    add(
        servicecatalog.ResourceUpdateConstraint(
            "TagUpdateConstraint",
            DependsOn=[association],
            PortfolioId=Ref(portfolio),
            ProductId=Ref(product),
            TagUpdateOnProvisionedProduct="NOT_ALLOWED",
            Description="Updates keep the tags given at launch: EMR Serverless "
            "refuses a tag change while a notebook keeps the application started.",
        )
    )
    add(
        servicecatalog.LaunchRoleConstraint(
            "LaunchConstraint",
            DependsOn=[association],
            PortfolioId=Ref(portfolio),
            ProductId=Ref(product),
            RoleArn=GetAtt(role, "Arn"),
            Description="Launch with the generated launch role, not the user's rights.",
        )
    )
    for name, value, text in (
        ("PortfolioId", Ref(portfolio), "Service Catalog portfolio ID."),
        ("ProductId", Ref(product), "Service Catalog product ID."),
        ("LaunchRoleArn", GetAtt(role, "Arn"), "Launch role of the product."),
        ("BoundaryArn", Ref(boundary), "Permissions boundary of the product."),
    ):
        template.add_output(
            Output(
                name,
                Description=text,
                Value=value,
                Export=Export(Sub(f"${{AWS::StackName}}-{name}")),
            )
        )
    return template
