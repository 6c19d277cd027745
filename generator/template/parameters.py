"""Deploy-time parameters: each with a description, label, group and constraint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troposphere import Parameter, Template

from generator.template import identity_center, names
from generator.template.limits import LIST_LIMITS_KEY
from generator.template.names import (
    CUSTOMER_MANAGED,
    EMR_MANAGED_TAG,
    LEGACY_SERVICE_DEFAULT,
    SERVICE_DEFAULT,
    P,
)

BOOLEAN = ["true", "false"]
OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653]  # fmt: skip
# emr-6.14.0 is the first release with interactive workloads; 7.x all have them.
RELEASE_LABEL_PATTERN = r"^emr-(6\.(1[4-9]|[2-9][0-9])|7\.[0-9]{1,2})\.[0-9]{1,2}$"
DEFAULT_RELEASE_LABEL = "emr-7.13.0"
# One interactive session: the pre-initialised kernel worker, its driver and one
# executor, 4 vCPU and 16 GB each (EMR Serverless interactive-workloads page).
MIN_VCPU = 12
MIN_MEMORY_GB = 48
# EMR Studio attaches to at most five subnets (CreateStudio / UpdateStudio API).
STUDIO_MAX_SUBNETS = 5


@dataclass(frozen=True)
class Spec:
    """One parameter: its group, label and CloudFormation properties."""

    name: str
    group: str
    label: str
    props: dict[str, Any] = field(default_factory=dict)


START = "Start here"
NETWORK = "Network"
ACCESS = "People and access"
IDENTITY_CENTER = "IAM Identity Center (instead of IAM users)"
EMR = "EMR Studio and interactive application"
COST = "Cost guard"
ADVANCED = "Advanced (most keep the defaults)"
# In the order people decide; what few change comes last.
GROUPS = [START, NETWORK, ACCESS, IDENTITY_CENTER, EMR, COST, ADVANCED]
# One e-mail address as AWS Budgets takes a subscriber's (at most 50 characters:
# AWS Budgets API Reference, Subscriber); the function checks the same.
EMAIL_PATTERN = r"^([^@\s,]{1,40}@[^@\s,]+\.[^@\s,]+)?$"
# SSO Admin API Reference, InstanceArn: arn:<partition>:sso:::instance/(sso)?ins-
# followed by 16 characters.
IDC_INSTANCE_PATTERN = (
    r"^(arn:aws(-cn|-us-gov|-iso|-iso-b)?:sso:::instance/(sso)?ins-"
    r"[a-zA-Z0-9-.]{16})?$"
)


def _spec(name: str, group: str, label: str, text: str, **props: Any) -> Spec:
    return Spec(name, group, label, dict(props, Description=text))


def _choice(
    name: str, group: str, label: str, default: str, values: list[str], text: str
) -> Spec:
    listed = ", ".join(values[:-1]) + f" or {values[-1]}"
    return _spec(
        name, group, label, text, Type="String", Default=default,
        AllowedValues=values, ConstraintDescription=f"Choose {listed}.",
    )  # fmt: skip


def _bool(name: str, group: str, label: str, default: str, text: str) -> Spec:
    return _choice(name, group, label, default, BOOLEAN, text)


def _number(
    name: str, group: str, label: str, default: int, span: tuple[int, int], text: str
) -> Spec:
    unit = label.rsplit("(", 1)[-1].rstrip(")") if "(" in label else label.split()[-1]
    low, high = span
    return _spec(
        name, group, label, text, Type="Number", Default=default, MinValue=low,
        MaxValue=high,
        ConstraintDescription=f"Enter a whole number of {unit} from {low} to {high}.",
    )  # fmt: skip


# IAM Identity Center's roles are protected: attaching a policy fails with
# UnmodifiableEntity. Its permission sets reference the stack's policies by name.
ROLE_NAMES_PATTERN = r"^((?!AWSReservedSSO_)[A-Za-z0-9+=,.@_-]{1,64})?$"


# CreateStudioSessionMapping IdentityName: at most 256 characters. Identity Center
# user names have no white space; group display names may (not at either end).
# CloudFormation trims the spaces around each item of a comma-delimited list.
IDENTITY_PATTERNS = {
    "group": r"^ *([^,\s]([^,]{0,254}[^,\s])?)? *$",
    "user": r"^ *[^,\s]{0,128} *$",
}


def _identities(name: str, kind: str, policy: str) -> Spec:
    slots = identity_center.LIST_LIMITS[name]
    label = (
        f"{policy.capitalize()} {kind}s"
        if slots > 1
        else f"{policy.capitalize()} {kind}"
    )
    shown = "display name" if kind == "group" else "user name"
    many = f"at most {slots} {shown}s" if slots > 1 else f"one {shown}"
    return _spec(
        name, IDENTITY_CENTER, label,
        f"Identity Center {kind}{'s' if slots > 1 else ''} that get"
        f"{'' if slots > 1 else 's'} the {policy} policy in EMR Studio: {many} as "
        "the Identity Center console shows "
        + ("them, comma-separated" if slots > 1 else "it")
        + ", each in one list only. Changing it later is refused when a name that "
        "stays would move to another place.",
        Type="CommaDelimitedList", Default="",
        AllowedPattern=IDENTITY_PATTERNS[kind],
        ConstraintDescription=f"Leave empty, or enter {many}"
        + (" separated by commas" if slots > 1 else "")
        + (" (no white space inside a name)." if kind == "user" else "."),
    )  # fmt: skip


def _roles(name: str, label: str, policy: str) -> Spec:
    return _spec(
        name, ACCESS, label,
        f"Names (not ARNs) of existing IAM roles of your identity provider that get "
        f"the {policy} policy, comma-separated. For IAM Identity Center, leave it "
        "empty and add the policy named in the outputs to a permission set.",
        Type="CommaDelimitedList", Default="",
        AllowedPattern=ROLE_NAMES_PATTERN,
        ConstraintDescription="Leave empty, or enter IAM role names separated by "
        "commas; IAM Identity Center roles (AWSReservedSSO_...) cannot take "
        "policies: use a permission set instead.",
    )  # fmt: skip


SPECS: list[Spec] = [
    _spec(
        P.NAME_PREFIX, START, "Name prefix",
        "Prefix of every name the stack gives (IAM, bucket, secrets), such as dev-; "
        "a second environment in this account, or an account where the guide's "
        "resources were made by hand, needs one, and empty keeps the guide's names. "
        "Changing it later replaces the EMR Studio (workspaces stay with the old "
        "one), the application and the IAM users (with new passwords), and is "
        "refused while it names the bucket.",
        Type="String", Default="", MaxLength=4,
        AllowedPattern=r"^([a-z][a-z0-9]{0,2}-)?$",
        ConstraintDescription="Leave empty, or 1-3 lowercase letters or digits "
        "starting with a letter, followed by a hyphen (for example dev-).",
    ),
    _spec(
        P.EXISTING_VPC, NETWORK, "Existing VPC ID",
        "Leave empty for a new VPC; otherwise the VPC to use instead, with its "
        "private subnets below. Changing it later replaces the EMR Studio "
        "(workspaces stay with the old one).",
        Type="String", Default="",
        AllowedPattern=r"^(vpc-[0-9a-f]{8}([0-9a-f]{9})?)?$",
        ConstraintDescription="Leave empty, or enter a VPC ID such as "
        "vpc-0123456789abcdef0.",
    ),
    _spec(
        P.EXISTING_SUBNETS, NETWORK, "Existing private subnet IDs",
        f"Leave empty for a new VPC; otherwise two to {STUDIO_MAX_SUBNETS} private "
        "subnets of the existing VPC, in different AZs EMR Serverless serves. They "
        f"and the VPC must carry the tag {EMR_MANAGED_TAG}=true and reach S3, Glue "
        "and STS (a NAT gateway or VPC endpoints). Changing it later: subnets can "
        "only be added, not removed, while there is an EMR Studio.",
        Type="CommaDelimitedList", Default="",
        AllowedPattern=r"^(subnet-[0-9a-f]{8}([0-9a-f]{9})?)?$",
        ConstraintDescription="Leave empty, or enter two to five subnet IDs such "
        "as subnet-0123456789abcdef0, separated by commas.",
    ),
    _choice(
        P.NUMBER_OF_AZS, NETWORK, "Number of Availability Zones", "2", ["2", "3"],
        "How many Availability Zones a new VPC spans, with a public and a private "
        "subnet in each. Changing it later from 3 to 2 is refused while there is an "
        "EMR Studio (its subnets can only grow).",
    ),
    _choice(
        P.NAT_GATEWAYS, NETWORK, "NAT gateways", "one-per-az",
        ["one-per-az", "single", "none"],
        "NAT gateways of a new VPC: one-per-az survives an AZ outage, single costs "
        "less, none reaches only S3, Glue and STS (and KMS with a customer-managed "
        "key) through endpoints charged by the hour.",
    ),
    _spec(
        P.VPC_CIDR, NETWORK, "VPC CIDR block",
        "CIDR block of a new VPC; each subnet is a /20 of it. Changing it later is "
        "refused while the stack creates the VPC.",
        Type="String", Default="10.0.0.0/16",
        AllowedPattern=rf"^{OCTET}\.{OCTET}\.0\.0/16$",
        ConstraintDescription="Enter a /16 network such as 10.0.0.0/16.",
    ),
    _bool(
        P.CREATE_USERS, ACCESS, "Create IAM users", "true",
        "Create the administrator and developer IAM users, with console passwords "
        "in Secrets Manager; choose false when everyone signs in through federation "
        "or Identity Center.",
    ),
    _roles(P.ADMIN_ROLES, "Federated administrator roles", "administrator"),
    _roles(P.DEV_ROLES, "Federated developer roles", "developer"),
    _spec(
        P.IDC_INSTANCE, IDENTITY_CENTER, "Identity Center instance ARN",
        "ARN of an existing IAM Identity Center instance (Identity Center console, "
        "Settings): EMR Studio then signs people in through it, and the names "
        "below get the administrator or developer policy; set Create IAM users "
        "(CreateIamUsers) to false. Changing it later replaces the EMR Studio.",
        Type="String", Default="", MaxLength=1224,
        AllowedPattern=IDC_INSTANCE_PATTERN,
        ConstraintDescription="Leave empty, or enter the ARN of an Identity Center "
        "instance, which ends in :sso:::instance/ssoins- and 16 letters and digits.",
    ),
    _identities(P.IDC_ADMIN_GROUPS, "group", "administrator"),
    _identities(P.IDC_DEV_GROUPS, "group", "developer"),
    _identities(P.IDC_ADMIN_USERS, "user", "administrator"),
    _identities(P.IDC_DEV_USERS, "user", "developer"),
    _bool(
        P.CREATE_STUDIO, EMR, "Create EMR Studio", "true",
        "Create an EMR Studio in the private subnets, in IAM authentication mode, "
        "or in SSO mode with an Identity Center instance ARN.",
    ),
    _bool(
        P.CREATE_APPLICATION, EMR, "Create interactive application", "true",
        "Create an EMR Serverless Spark application enabled for EMR Studio. "
        "Changing it later, or anything of the application, stops it first, which "
        "ends running notebook sessions.",
    ),
    _spec(
        P.RELEASE_LABEL, EMR, "EMR release",
        "EMR Serverless release of the application: emr-6.14.0 or later, which "
        "interactive workloads need. Changing it later stops the application first, "
        "which ends running notebook sessions.",
        Type="String", Default=DEFAULT_RELEASE_LABEL,
        AllowedPattern=RELEASE_LABEL_PATTERN,
        ConstraintDescription="Enter emr-6.14.0 or later (emr-6.x from 6.14, or "
        "emr-7.x), such as emr-7.13.0; the emr-spark-8 line is not documented for "
        "EMR Studio, so it is not offered.",
    ),
    _choice(
        P.ARCHITECTURE, EMR, "CPU architecture", "X86_64", ["X86_64", "ARM64"],
        "CPU architecture of the application's workers; ARM64 (Graviton) costs "
        "less.",
    ),
    _bool(
        P.LIVY, EMR, "Livy endpoint", "false",
        "Turn on the application's Apache Livy endpoint and grant users access to "
        "it.",
    ),
    _number(
        P.IDLE_TIMEOUT, EMR, "Idle timeout (minutes)", 15, (1, 10080),
        "Minutes without work after which the application stops, so an idle "
        "application costs nothing.",
    ),
    _number(
        P.MAX_VCPU, EMR, "Maximum vCPUs", 32, (MIN_VCPU, 4000),
        "Most vCPUs the application may use at once, a cost ceiling: a notebook "
        "session needs 12 (kernel worker, driver and executor, 4 each). Your "
        "account's EMR Serverless vCPU quota (AWS suggests at least 24) limits what "
        "it gets, whatever this says.",
    ),
    _number(
        P.MAX_MEMORY, EMR, "Maximum memory (GB)", 128, (MIN_MEMORY_GB, 30000),
        "Most memory the application may use at once, a cost ceiling: a notebook "
        "session needs 48 GB (16 each for the kernel worker, a driver and an "
        "executor).",
    ),
    _spec(
        P.GLUE_DATABASES, EMR, "Glue databases",
        "Glue Data Catalog databases the notebooks' jobs may use, comma-separated, "
        "besides default (which Spark opens at start); empty gives the stack's own, "
        "<prefix>emrs_notebooks with underscores for hyphens. Changing it later "
        "changes what running sessions may reach at once.",
        Type="CommaDelimitedList", Default="",
        AllowedPattern=r"^([a-z0-9_]{1,64})?$",
        ConstraintDescription="Leave empty, or enter up to four Glue database names "
        "(1-64 lowercase letters, digits and underscores) separated by commas.",
    ),
    _spec(
        P.MONTHLY_BUDGET, COST, "Monthly budget (USD)",
        "A monthly AWS Budgets cost budget of this stack's resources, with e-mail "
        "alerts at 80% and 100% of actual and 100% of forecast spend, and 0 creates "
        "none. It counts only once the aws:cloudformation:stack-name cost "
        "allocation tag is activated (Billing console, Cost allocation tags).",
        # the default as CloudFormation passes every value: text ("0" is what the
        # CreateCostBudget condition compares)
        Type="Number", Default="0", MinValue=0, MaxValue=1_000_000,
        ConstraintDescription="Enter a whole number of US dollars from 0 to "
        "1000000.",
    ),
    _spec(
        P.BUDGET_EMAIL, COST, "Budget alert e-mail",
        "The one address the budget's alerts go to (a team list is best); needed "
        "with a budget.",
        Type="String", Default="", MaxLength=50, AllowedPattern=EMAIL_PATTERN,
        ConstraintDescription="Leave empty, or enter one e-mail address of at most "
        "50 characters.",
    ),
    _bool(
        P.DASHBOARD, COST, "Health dashboard", "true",
        "A CloudWatch dashboard of the application's capacity against its maximum, "
        "its workers and jobs, the NAT gateways' bytes and the stack function's "
        "errors; free within an account's 3 free dashboards, else $3.00 a month.",
    ),
    _spec(
        P.BUCKET_NAME, ADVANCED, "Notebook bucket name",
        "Name of the S3 bucket for workspace notebooks; empty gives "
        "<prefix>emrserverless-interactive-blog-<account>-<region>, or a name per "
        "stack with Bucket name per stack (UniqueBucketName). Changing it later is "
        "refused while there is an EMR Studio.",
        Type="String", Default="", MaxLength=63,
        AllowedPattern=r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$",
        ConstraintDescription="Leave empty, or 3-63 lowercase letters, digits, "
        "dots and hyphens, starting and ending with a letter or digit.",
    ),
    _bool(
        P.UNIQUE_BUCKET_NAME, ADVANCED, "Bucket name per stack", "false",
        "True names the bucket <prefix>emrs-notebooks-<account>-<region>-<8 "
        "characters of the stack ID>, so a stack recreated after a delete (a "
        "StackSet instance, a Service Catalog relaunch) never meets the bucket its "
        "predecessor kept; leave Notebook bucket name (BucketName) empty. Changing "
        "it later is refused while there is an EMR Studio.",
    ),
    _choice(
        P.ENCRYPTION_KEY, ADVANCED, "Encryption key", SERVICE_DEFAULT,
        [SERVICE_DEFAULT, CUSTOMER_MANAGED, LEGACY_SERVICE_DEFAULT],
        "How the bucket, secrets and logs are encrypted: service-default by each "
        "service's own keys (S3 managed keys for the bucket), customer-managed by "
        "one rotating KMS key of the stack (EMR Studio too); aws-managed is "
        "service-default's earlier name. Changing it later replaces the EMR "
        "Studio (workspaces stay with the old one), and leaving customer-managed "
        "is refused.",
    ),
    _number(
        P.NONCURRENT_DAYS, ADVANCED, "Keep old notebook versions (days)", 30,
        (1, 3650), "Days the bucket keeps a notebook's previous versions before they "
        "expire.",
    ),
    _bool(
        P.FLOW_LOGS, ADVANCED, "VPC flow logs", "true",
        "Send a new VPC's flow logs to CloudWatch Logs.",
    ),
    _spec(
        P.LOG_RETENTION, ADVANCED, "Log retention (days)",
        "Days CloudWatch Logs keeps the flow logs and the stack function's logs.",
        Type="Number", Default=365, AllowedValues=LOG_RETENTION_DAYS,
        ConstraintDescription="Choose a retention CloudWatch Logs supports.",
    ),
    _bool(
        P.CREATE_ACCESS_KEYS, ADVANCED, "Create access keys", "false",
        "Also create an access key for each IAM user, stored with the password.",
    ),
    _spec(
        P.ROTATION_TOKEN, ADVANCED, "Credentials rotation token",
        "Change this value to give every IAM user a new password.",
        Type="String", Default="1", AllowedPattern=r"^[A-Za-z0-9._-]{1,32}$",
        ConstraintDescription="Enter 1-32 letters, digits, dots, hyphens or "
        "underscores.",
    ),
    _spec(
        P.PERMISSIONS_BOUNDARY, ADVANCED, "Permissions boundary",
        "ARN of a managed policy that every role and IAM user of the stack carries "
        "as its permissions boundary; empty sets none, and a Service Catalog launch "
        "gets its portfolio's. Changing it later updates the roles and users in "
        "place.",
        Type="String", Default="", MaxLength=2048,
        AllowedPattern=r"^(arn:aws[a-z-]*:iam::[0-9]{12}:policy/[\w+=,.@/-]+)?$",
        ConstraintDescription="Leave empty, or enter an IAM managed policy ARN.",
    ),
    _bool(
        P.REGIONAL_IAM, ADVANCED, "Region in IAM names", "false",
        "Put the region after the name prefix in every IAM name "
        "(dev-eu-west-1-emr-serverless-runtime-role), so stacks of one account in "
        "several regions, such as a StackSet's, do not collide. Changing it later "
        "replaces the roles, policies, groups and IAM users (with new passwords).",
    ),
]  # fmt: skip


def add_parameters(template: Template) -> dict[str, Parameter]:
    """Add every parameter with its labels and groups; return them by name."""
    params = {
        s.name: template.add_parameter(Parameter(s.name, **s.props)) for s in SPECS
    }
    template.set_metadata(
        {
            # Limits no CloudFormation constraint can express; emrs-env deploy
            # checks them before any AWS call.
            LIST_LIMITS_KEY: {
                P.EXISTING_SUBNETS: STUDIO_MAX_SUBNETS,
                P.GLUE_DATABASES: names.GLUE_SLOTS,
                **identity_center.LIST_LIMITS,
            },
            "AWS::CloudFormation::Interface": {
                "ParameterGroups": [
                    {
                        "Label": {"default": group},
                        "Parameters": [s.name for s in SPECS if s.group == group],
                    }
                    for group in GROUPS
                ],
                "ParameterLabels": {s.name: {"default": s.label} for s in SPECS},
            },
        }
    )
    return params


def called(name: str) -> str:
    """A parameter as people read it on the form: "Label (CodeName)"."""
    label = next(s.label for s in SPECS if s.name == name)
    return f"{label} ({name})"
