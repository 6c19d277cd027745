"""The Service Catalog portfolio that publishes the environment as a product.

The launch role's permissions are generated: for every resource type of the
environment template, the create/update/delete permissions that the CloudFormation
resource provider schemas (bundled with cfn-lint) list, as recorded in
generator/provisioning_actions.json, plus what CloudFormation itself and the custom
resources need.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from awacs import awslambda, s3
from awacs import cloudformation as cfn
from awacs import iam as iam_actions
from awacs.aws import Action, PolicyDocument, StringEquals
from troposphere import (
    Equals,
    Export,
    GetAtt,
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
from generator.template.policies import arn, document, service_trust, statement
from generator.template.provisioning import TABLE

MANAGED_POLICY_LIMIT = 6_144  # characters, white space excluded
PRINCIPAL_SLOTS = (1, 2, 3)
# Properties through which CloudFormation passes a role to a service (iam:PassRole
# with iam:PassedToService), by resource type.
ROLE_PROPERTIES = {
    ("AWS::Lambda::Function", "Role"): names.LAMBDA_SERVICE,
    ("AWS::EC2::FlowLog", "DeliverLogsPermissionArn"): "vpc-flow-logs.amazonaws.com",
    ("AWS::EMR::Studio", "ServiceRole"): names.EMR_SERVICE,
}
# Service Catalog names the stacks it launches SC-<account>-pp-<id>; roles the
# template leaves unnamed get names that start with the stack name.
PRODUCT_STACK_PREFIX = "SC-"
# What intrinsic functions need of whoever runs the stack, which no resource schema
# lists (CloudFormation Template Reference, Fn::GetAZs: "IAM permissions").
INTRINSIC_PERMISSIONS = {
    "Fn::GetAZs": (
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeSubnets",
    ),
}
# Granted in their own, conditioned statements instead of on Resource "*".
HANDLED_SEPARATELY = {"iam:passrole"}
CHECKOV_SKIPS = [
    {
        "id": check,
        "comment": "Launch role of the product: its actions are the ones "
        "CloudFormation needs for the environment's resource types, from the "
        "provider schemas; the "
        "resources do not exist before a launch, so they cannot be named.",
    }
    for check in ("CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110",
                  "CKV_AWS_111")
]  # fmt: skip


class MissingActions(RuntimeError):
    """The recorded table lacks a resource type the environment uses."""


@cache
def _recorded() -> dict[str, list[str]]:
    """Provisioning actions by resource type, as derived from cfn-lint's data
    (generator/provider_schemas.py writes the table; `make actions`)."""
    return json.loads(TABLE.read_text(encoding="utf-8"))["types"]


def type_actions(resource_type: str) -> list[str]:
    """The recorded IAM actions CloudFormation needs for one type."""
    if resource_type.startswith("Custom::"):
        return []
    recorded = _recorded()
    if resource_type not in recorded:
        raise MissingActions(
            f"{TABLE.name} has no actions for {resource_type}; run 'make actions'"
        )
    return recorded[resource_type]


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
    return sorted(a for a in actions if a.lower() not in HANDLED_SEPARATELY)


def _role_pattern(role: dict[str, Any]) -> str:
    """ARN pattern of a role of the environment: by its name, or its stack's."""
    name = role.get("Properties", {}).get("RoleName")
    if name is None:
        return f"role/{PRODUCT_STACK_PREFIX}*"
    # The shortest literal tail of any form the name takes (Fn::If of Fn::Subs
    # when RegionalIamNames may add the region) matches every form.
    return "role/*" + min(_name_tails(name), key=len)


def _name_tails(name: Any) -> list[str]:
    """The literal text after the last substitution of each form of a name."""
    if isinstance(name, str):
        return [name.rsplit("}", 1)[-1]]
    if "Fn::If" in name:
        return [t for branch in name["Fn::If"][1:] for t in _name_tails(branch)]
    text = name["Fn::Sub"]
    return _name_tails(text if isinstance(text, str) else text[0])


def passed_roles(environment: dict[str, Any]) -> dict[str, set[str]]:
    """Role ARN patterns CloudFormation passes, by the service they go to."""
    resources = environment["Resources"]
    passed: dict[str, set[str]] = {}
    for resource in resources.values():
        for prop, value in resource.get("Properties", {}).items():
            service = ROLE_PROPERTIES.get((resource["Type"], prop))
            if service is None:
                continue
            logical = value["Fn::GetAtt"][0]
            passed.setdefault(service, set()).add(_role_pattern(resources[logical]))
    return passed


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


def policy_size(doc: PolicyDocument) -> int:
    """Characters IAM counts for a policy document (white space excluded)."""
    from generator.template.limits import iam_chars

    return iam_chars(encode_to_dict(doc))


def split_actions(
    actions: list[str], limit: int = MANAGED_POLICY_LIMIT
) -> list[list[str]]:
    """Chunks of actions whose policy documents each fit IAM's size limit."""
    base = policy_size(_resources_document([]))
    chunks: list[list[str]] = [[]]
    size = base
    for action in actions:
        cost = len(json.dumps(action)) + 1
        if chunks[-1] and size + cost > limit:
            chunks.append([])
            size = base
        chunks[-1].append(action)
        size += cost
    return chunks


def _to_action(name: str) -> Action:
    prefix, _, rest = name.partition(":")
    return Action(prefix, rest)


def _resources_document(actions: list[str]) -> PolicyDocument:
    return document(
        statement(
            "ProvisionEnvironmentResources", [_to_action(a) for a in actions], ["*"]
        )
    )


def stack_policy(environment: dict[str, Any]) -> PolicyDocument:
    """What CloudFormation and the custom resources need beyond resource types."""
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
            [arn("lambda", f"function:{PRODUCT_STACK_PREFIX}*")],
        ),
        *pass_role_statements(environment),
    )  # fmt: skip


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
                        "Parameters": [f"PrincipalArn{s}" for s in PRINCIPAL_SLOTS],
                    },
                ],
                "ParameterLabels": {
                    "TemplateUrl": {"default": "Environment template URL"},
                    "PortfolioName": {"default": "Portfolio name"},
                    "ProviderName": {"default": "Provider name"},
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
            ProvisioningArtifactParameters=[
                servicecatalog.ProvisioningArtifactProperties(
                    Name=__version__,
                    Description=f"emrs-env {__version__}",
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
    role = add(
        iam.Role(
            "LaunchRole",
            Description="Service Catalog launches the EMR Serverless environment "
            "with this role.",
            AssumeRolePolicyDocument=service_trust("servicecatalog.amazonaws.com"),
        )
    )
    types = sorted({r["Type"] for r in environment["Resources"].values()})
    chunks = split_actions(
        provisioning_actions(types, intrinsic_permissions(environment))
    )
    policies = [(stack_policy(environment), {})]
    policies += [
        (_resources_document(c), {"checkov": {"skip": CHECKOV_SKIPS}}) for c in chunks
    ]
    for index, (doc, metadata) in enumerate(policies, start=1):
        add(
            iam.ManagedPolicy(
                f"LaunchPolicy{index}",
                Description=f"Launch role permissions, part {index} of "
                f"{len(policies)}.",
                PolicyDocument=doc,
                Roles=[Ref(role)],
                **({"Metadata": metadata} if metadata else {}),
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
