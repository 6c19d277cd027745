"""Outputs: each with a description and an export named <stack>-<Name>."""

from __future__ import annotations

from typing import Any

from troposphere import Export, GetAtt, Join, Output, Ref, Sub, Template

from generator import words
from generator.template import names
from generator.template.function import Secrets, domain
from generator.template.identity import Identity
from generator.template.names import C, R
from generator.template.network import Network


def add_output(
    template: Template,
    name: str,
    value: Any,
    description: str,
    condition: str | None = None,
) -> Output:
    """One exported output; conditional resources give conditional outputs."""
    props: dict[str, Any] = dict(
        Description=description,
        Value=value,
        Export=Export(Sub(f"${{AWS::StackName}}-{name}")),
    )
    if condition:
        props["Condition"] = condition
    return template.add_output(Output(name, **props))


def add_core_outputs(
    template: Template, bucket: Any, network: Network, identity: Identity
) -> None:
    """Outputs of the seed's resources: bucket, roles, policies, groups, users, VPC."""
    out = add_output
    out(template, "BucketName", Ref(bucket), "Bucket for workspace notebooks.")
    out(template, "BucketArn", GetAtt(bucket, "Arn"), "ARN of the notebook bucket.")
    out(
        template,
        "RuntimeRoleArn",
        GetAtt(identity.runtime_role, "Arn"),
        "EMR Serverless runtime role to pass to job runs and applications.",
    )
    out(
        template,
        "StudioServiceRoleArn",
        GetAtt(identity.studio_role, "Arn"),
        "EMR Studio service role.",
    )
    out(
        template,
        "AdminPolicyArn",
        Ref(identity.admin_policy),
        "Managed policy for EMR administrators (attach to federated roles too).",
    )
    out(
        template,
        "DeveloperPolicyArn",
        Ref(identity.developer_policy),
        "Managed policy for EMR Studio data developers.",
    )
    out(
        template,
        "AdminGroupName",
        Ref(identity.admin_group),
        "IAM group of EMR administrators.",
        C.CREATE_USERS,
    )
    out(
        template,
        "DeveloperGroupName",
        Ref(identity.developer_group),
        "IAM group of EMR Studio data developers.",
        C.CREATE_USERS,
    )
    out(
        template,
        "AdminPolicyName",
        identity.admin_policy.ManagedPolicyName,
        "Name of the administrator policy: add it to an IAM Identity Center "
        "permission set as a customer managed policy (path /).",
    )
    out(
        template,
        "DeveloperPolicyName",
        identity.developer_policy.ManagedPolicyName,
        "Name of the developer policy: add it to an IAM Identity Center "
        "permission set as a customer managed policy (path /).",
    )
    out(
        template,
        "AdminUserName",
        Ref(identity.admin_user),
        "IAM user of the EMR administrator.",
        C.CREATE_USERS,
    )
    out(
        template,
        "DeveloperUserNames",
        Join(",", [Ref(u) for u in identity.developer_users]),
        "IAM users of the data developers, comma-separated.",
        C.CREATE_USERS,
    )
    out(template, "VpcId", network.vpc_id, "VPC of EMR Studio and the application.")
    out(
        template,
        "PrivateSubnetIds",
        Join(",", network.private_subnet_ids),
        "Private subnets of EMR Studio and the application, comma-separated.",
    )


def add_dashboard_output(template: Template) -> None:
    """Where the health dashboard is."""
    add_output(
        template,
        "HealthDashboardUrl",
        Sub(
            "https://${AWS::Region}.${Console}/cloudwatch/home?region=${AWS::Region}"
            "#dashboards:name=${Dashboard}",
            Console=domain("Console"),
            Dashboard=Ref(R.DASHBOARD),
        ),
        "CloudWatch dashboard of the application, the NAT gateways and the stack "
        "function.",
        C.DASHBOARD,
    )


def add_credentials_outputs(template: Template, secrets: Secrets) -> None:
    """Where each user's credentials are, and where users sign in."""
    add_output(
        template,
        "ConsoleSignInUrl",
        Sub("https://${AWS::AccountId}.${Domain}/console", Domain=domain("SignIn")),
        "Console sign-in page of this account for the IAM users.",
        C.CREATE_USERS,
    )
    # One output for every user's secret, not one per user: 200 outputs per stack
    # would bind the developers a stack holds. `emrs-env credentials` finds each
    # secret among the stack's resources.
    add_output(
        template,
        "CredentialsSecretsUrl",
        Sub(
            "https://${AWS::Region}.${Console}/secretsmanager/listsecrets"
            "?region=${AWS::Region}",
            Console=domain("Console"),
        ),
        "Secrets Manager console: each user's console credentials are in the "
        f"secret named <NamePrefix>{names.SECRET_PATH}<user name as the build "
        "config gives it, without the name prefix or region> "
        f"({words.count(len(secrets.by_user), 'secret')}); or run emrs-env "
        "credentials.",
        C.CREATE_USERS,
    )


def add_emr_outputs(
    template: Template, studio: Any, application: Any, user_role: Any
) -> None:
    """The Studio and the application, and where to open them."""
    add_output(template, "StudioId", Ref(studio), "EMR Studio ID.", C.CREATE_STUDIO)
    add_output(
        template,
        "StudioUrl",
        GetAtt(studio, "Url"),
        "EMR Studio URL; IAM users sign in to the console first, Identity Center "
        "users sign in on this page.",
        C.CREATE_STUDIO,
    )
    add_output(
        template,
        "StudioUserRoleArn",
        GetAtt(user_role, "Arn"),
        "Role EMR Studio assumes for Identity Center users, narrowed by each "
        "group's or user's session policy.",
        C.IDENTITY_CENTER,
    )
    add_output(
        template,
        "ApplicationId",
        Ref(application),
        "EMR Serverless application ID.",
        C.CREATE_APPLICATION,
    )
    add_output(
        template,
        "ApplicationArn",
        GetAtt(application, "Arn"),
        "EMR Serverless application ARN.",
        C.CREATE_APPLICATION,
    )
    add_output(
        template,
        "StudioServerlessApplicationsUrl",
        Sub("${Url}/#/serverless-applications", Url=GetAtt(studio, "Url")),
        "EMR Studio page that lists the serverless applications.",
        C.STUDIO_AND_APPLICATION,
    )


# The console's Outputs tab lists outputs sorted by key (aws-cdk pull request 10328
# sorts `cdk deploy`'s outputs "consistent with the outputs tab"): the next steps'
# keys start with A and their number, so they come first, in order.
NEXT_STEPS = ("A1SignIn", "A2ReadPassword", "A3OpenStudio", "A4AddDeveloper")


def add_next_steps(
    template: Template, secrets: Secrets, studio: Any, identity: Identity
) -> None:
    """What a first-time administrator does after the create, in order: sign in,
    read the password, open the Studio, add a developer. Not exported."""
    admin = next(iter(secrets.by_user))
    steps = [
        (
            Sub("https://${AWS::AccountId}.${Domain}/console", Domain=domain("SignIn")),
            "Step 1: sign in here with your IAM user name (AdminUserName, "
            "DeveloperUserNames); the first sign-in asks you for a new password.",
            C.CREATE_USERS,
        ),
        (
            secrets.by_user[admin].Name,
            "Step 2: your password is in the Secrets Manager secret of this name "
            "(the administrator's; a developer's ends in their user name without "
            "the prefix): Secrets Manager console, the secret, Retrieve secret value "
            "(or emrs-env credentials).",
            C.CREATE_USERS,
        ),
        (
            GetAtt(studio, "Url"),
            "Step 3: open EMR Studio; IAM users sign in to the console first, "
            "Identity Center users sign in on this page.",
            C.CREATE_STUDIO,
        ),
        (
            Ref(identity.developer_group),
            "Step 4 (administrators): to add a developer from the console, create "
            "an IAM user with console access and add it to this group; developers "
            "named in the build config get their user and secret from the stack.",
            C.CREATE_USERS,
        ),
    ]
    for key, (value, text, condition) in zip(NEXT_STEPS, steps, strict=True):
        template.add_output(
            Output(key, Value=value, Description=text, Condition=condition)
        )
