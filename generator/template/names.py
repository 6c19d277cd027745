"""Every name the template uses: logical IDs, parameters, default resource names, tags.

The defaults are the names the seed guide gives its resources by hand, so an
environment built with no config looks exactly like the one the guide describes.
"""

from __future__ import annotations

import re

from troposphere import If, Join, Ref, Select, Split, Sub, Tags

TEMPLATE_DESCRIPTION = (
    "EMR Serverless interactive environment with EMR Studio: notebook bucket, VPC, "
    "runtime and Studio roles, administrator and developer access (emrs-env)."
)

# What RegionalIamNames puts between NamePrefix and an IAM name: IAM is global per
# account, so stacks of one account in several regions (a StackSet) need it.
REGION_IN_NAME = "${AWS::Region}-"

# EncryptionKey values. aws-managed was service-default's first name; in AWS's words
# an "AWS managed key" is the aws/s3 KMS key, which the bucket never used (it has
# S3 managed keys, SSE-S3), so the value was renamed and the old one kept working.
SERVICE_DEFAULT = "service-default"
LEGACY_SERVICE_DEFAULT = "aws-managed"
CUSTOMER_MANAGED = "customer-managed"

# Default names of the seed guide (NamePrefix is prepended at deploy time).
BUCKET_BASE = "emrserverless-interactive-blog"
# With UniqueBucketName: <prefix>emrs-notebooks-<account>-<region>-<first 8 hex
# digits of the stack's ID>, new for every stack, so a recreated stack never meets
# the bucket its predecessor kept (at most 4 + 14 + 1 + 12 + 1 + 14 + 1 + 8 = 55 of
# S3's 63 characters).
UNIQUE_BUCKET_BASE = "emrs-notebooks"
# Marks the notebook bucket as this environment's, so that a later stack may adopt it
# once the stack that made it is deleted (emrs-env deploy --adopt-retained).
ENVIRONMENT_TAG = "emrs-env:role"
NOTEBOOKS_TAG_VALUE = "notebooks"
RUNTIME_ROLE = "emr-serverless-runtime-role"
RUNTIME_POLICY = "emr-serverless-s3-runtime-policy"
STUDIO_ROLE = "emr-studio-service-role"
STUDIO_POLICY = "emr-studio-service-policy"
STUDIO_NETWORK_POLICY = "emr-studio-workspace-network-policy"
ADMIN_POLICY = "emrs-interactive-app-admin-policy"
DEV_POLICY = "emrs-interactive-app-dev-policy"
ADMIN_USER = "emrs-interactive-app-admin-user"
DEV_USER = "emrs-interactive-app-dev-user"
ADMIN_GROUP = "emrs-interactive-app-admins"
DEV_GROUP = "emrs-interactive-app-developers"
SECRET_PATH = "emrs/"
# IAM path of the stack's users: policies scope to it instead of naming each user.
# IAM is global per account while stack names are per region, so the path carries
# the region: the function of a same-named stack in another region reaches none
# of these users.
USER_PATH = "/emrs-env/${AWS::Region}/${AWS::StackName}/"
STUDIO_NAME = "emrs-interactive-studio"
STUDIO_USER_ROLE = "emr-studio-user-role"
APPLICATION_NAME = "emrs-interactive-app"
# Suffix of the application's Name tag (<stack name>-application): unique per stack,
# so IAM can scope the custom-resource function to this stack's application.
APPLICATION_TAG = "application"
# Tag with the stack's ID on what only this stack may reach (its secrets).
STACK_ID_TAG = "emrs-env:stack-id"
# Tag with the stack's name on what a Service Catalog launch role may manage only
# when a product made it (the key): its value is SC-<account>-pp-<id> there.
STACK_TAG = "emrs-env:stack"
# The Glue database the runtime role gets when Glue databases (GlueDatabases) is
# empty: the name prefix with underscores, then this (Athena's names take no
# hyphen).
GLUE_DATABASE = "emrs_notebooks"
# Places of Glue databases (GlueDatabases): IAM needs one ARN per database, and a
# template can only pick list items one by one.
GLUE_SLOTS = 4

# Service principals.
EMR_SERVERLESS_SERVICE = "emr-serverless.amazonaws.com"
EMR_SERVERLESS_OPS_SERVICE = "ops.emr-serverless.amazonaws.com"
EMR_SERVICE = "elasticmapreduce.amazonaws.com"
LAMBDA_SERVICE = "lambda.amazonaws.com"
EMR_SERVERLESS_SLR = (
    "aws-service-role/ops.emr-serverless.amazonaws.com/"
    "AWSServiceRoleForAmazonEMRServerless"
)

# Public buckets the seed's runtime policy reads sample data from.
ATHENA_EXAMPLES_BUCKET = "athena-examples-us-east-1"
EMR_SAMPLES_BUCKETS = "*.elasticmapreduce"

# Tags.
EMR_MANAGED_TAG = "for-use-with-amazon-emr-managed-policies"


class P:
    """Parameter names."""

    NAME_PREFIX = "NamePrefix"
    BUCKET_NAME = "BucketName"
    UNIQUE_BUCKET_NAME = "UniqueBucketName"
    VPC_CIDR = "VpcCidr"
    NUMBER_OF_AZS = "NumberOfAZs"
    NAT_GATEWAYS = "NatGateways"
    EXISTING_VPC = "ExistingVpcId"
    EXISTING_SUBNETS = "ExistingPrivateSubnetIds"
    CREATE_USERS = "CreateIamUsers"
    ADMIN_ROLES = "AdminRoleNames"
    DEV_ROLES = "DeveloperRoleNames"
    CREATE_ACCESS_KEYS = "CreateAccessKeys"
    ROTATION_TOKEN = "CredentialsRotationToken"
    CREATE_STUDIO = "CreateStudio"
    CREATE_APPLICATION = "CreateApplication"
    RELEASE_LABEL = "ReleaseLabel"
    ARCHITECTURE = "Architecture"
    LIVY = "EnableLivyEndpoint"
    IDLE_TIMEOUT = "IdleTimeoutMinutes"
    MAX_VCPU = "MaximumVcpu"
    MAX_MEMORY = "MaximumMemoryGb"
    ENCRYPTION_KEY = "EncryptionKey"
    NONCURRENT_DAYS = "NoncurrentVersionExpirationDays"
    FLOW_LOGS = "EnableFlowLogs"
    LOG_RETENTION = "LogRetentionDays"
    REGIONAL_IAM = "RegionalIamNames"
    IDC_INSTANCE = "IdentityCenterInstanceArn"
    IDC_ADMIN_GROUPS = "IdentityCenterAdminGroups"
    IDC_DEV_GROUPS = "IdentityCenterDeveloperGroups"
    IDC_ADMIN_USERS = "IdentityCenterAdminUsers"
    IDC_DEV_USERS = "IdentityCenterDeveloperUsers"
    MONTHLY_BUDGET = "MonthlyBudgetUsd"
    BUDGET_EMAIL = "BudgetAlertEmail"
    GLUE_DATABASES = "GlueDatabases"
    PERMISSIONS_BOUNDARY = "PermissionsBoundary"
    DASHBOARD = "HealthDashboard"


class C:
    """Condition names."""

    CREATE_VPC = "CreateVpc"
    THREE_AZS = "ThreeAZs"
    VPC_THREE_AZS = "CreateVpcWithThreeAZs"
    HAS_NAT = "CreateNatGateways"
    HAS_NAT_THREE_AZS = "CreateNatGatewaysWithThreeAZs"
    NAT_PER_AZ = "NatGatewayPerAZ"
    NAT_PER_AZ_THREE = "NatGatewayPerAZWithThreeAZs"
    DEFAULT_BUCKET_NAME = "UseDefaultBucketName"
    UNIQUE_BUCKET_NAME = "UseUniqueBucketName"
    CREATE_USERS = "CreateIamUsers"
    CUSTOM_FUNCTION = "CreateCustomResourceFunction"
    HAS_ADMIN_ROLES = "HasAdminRoles"
    HAS_DEV_ROLES = "HasDeveloperRoles"
    CREATE_STUDIO = "CreateStudio"
    CREATE_APPLICATION = "CreateApplication"
    STUDIO_AND_APPLICATION = "CreateStudioAndApplication"
    STUDIO_OR_APPLICATION = "CreateStudioOrApplication"
    LIVY = "LivyEndpointEnabled"
    CMK = "UseCustomerManagedKey"
    FLOW_LOGS = "CreateFlowLogs"
    PRIVATE_ENDPOINTS = "CreatePrivateEndpoints"
    PRIVATE_KMS_ENDPOINT = "CreatePrivateKmsEndpoint"
    REGIONAL_IAM = "AddRegionToIamNames"
    IDENTITY_CENTER = "UseIdentityCenter"
    HAS_BUDGET = "CreateCostBudget"
    DASHBOARD = "CreateHealthDashboard"
    HAS_GLUE_DATABASES = "HasGlueDatabases"
    HAS_BOUNDARY = "HasPermissionsBoundary"


class R:
    """Logical IDs of single resources."""

    BUCKET = "NotebookBucket"
    BUCKET_POLICY = "NotebookBucketPolicy"
    KEY = "EnvironmentKey"
    KEY_ALIAS = "EnvironmentKeyAlias"
    VPC = "Vpc"
    IGW = "InternetGateway"
    IGW_ATTACHMENT = "InternetGatewayAttachment"
    PUBLIC_ROUTE_TABLE = "PublicRouteTable"
    PUBLIC_ROUTE = "PublicDefaultRoute"
    S3_ENDPOINT = "S3GatewayEndpoint"
    FLOW_LOG_GROUP = "FlowLogGroup"
    FLOW_LOG_ROLE = "FlowLogRole"
    FLOW_LOG = "FlowLog"
    RUNTIME_ROLE = "RuntimeRole"
    RUNTIME_POLICY = "RuntimePolicy"
    STUDIO_ROLE = "StudioServiceRole"
    STUDIO_POLICY = "StudioServicePolicy"
    ADMIN_POLICY = "AdminPolicy"
    DEV_POLICY = "DeveloperPolicy"
    ADMIN_GROUP = "AdminGroup"
    DEV_GROUP = "DeveloperGroup"
    ADMIN_USER = "AdminUser"
    CREDENTIALS_FUNCTION = "CustomResourceFunction"
    CREDENTIALS_ROLE = "CustomResourceRole"
    CREDENTIALS_LOG_GROUP = "CustomResourceLogGroup"
    FUNCTION_INVOKE_CONFIG = "CustomResourceInvokeConfig"
    DEFAULT_SG_RULES = "DefaultSecurityGroupRules"
    WORKSPACE_SG = "StudioWorkspaceSecurityGroup"
    ENGINE_SG = "StudioEngineSecurityGroup"
    ENGINE_INGRESS = "StudioEngineIngressFromWorkspace"
    WORKSPACE_EGRESS_ENGINE = "StudioWorkspaceEgressToEngine"
    STUDIO = "Studio"
    APPLICATION_SG = "ApplicationSecurityGroup"
    ENDPOINT_SG = "InterfaceEndpointSecurityGroup"
    APPLICATION = "Application"
    STUDIO_NETWORK_POLICY = "StudioWorkspaceNetworkPolicy"
    STOP_BEFORE_UPDATE = "ApplicationStopBeforeUpdate"
    STOP_BEFORE_DELETE = "ApplicationStopBeforeDelete"
    NETWORK_CLEANUP = "NetworkInterfaceCleanup"
    CHANGE_GUARD = "ChangeGuard"
    BUDGET = "CostBudget"
    DASHBOARD = "EnvironmentDashboard"
    STUDIO_USER_ROLE = "StudioUserRole"


def numbered(base: str, index: int) -> str:
    """Logical ID of the index-th (1-based) member of a per-AZ family."""
    return f"{base}{index}"


def camel(name: str) -> str:
    """Alphanumeric CamelCase form of a user name, for logical IDs."""
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", name))


def user_id(name: str, admin: bool = False) -> str:
    """Logical ID of the IAM user with this (unprefixed) name."""
    return R.ADMIN_USER if admin else f"Developer{camel(name)}"


def secret_id(user_logical_id: str) -> str:
    """Logical ID of the Secrets Manager secret holding a user's credentials."""
    return f"{user_logical_id}Secret"


def credentials_id(user_logical_id: str) -> str:
    """Logical ID of a user's Custom::ConsoleCredentials resource."""
    return f"{user_logical_id}Credentials"


def user_resource_ids(user_logical_id: str) -> tuple[str, str, str]:
    """Logical IDs of the resources one user brings: the user, its secret and its
    credentials."""
    return (
        user_logical_id,
        secret_id(user_logical_id),
        credentials_id(user_logical_id),
    )


# Logical IDs no user's resources may take: the single resources and the
# parameters (resources and parameters share one namespace in a template; cfn-lint
# E3007). tests/cli/test_newcomer_build.py checks this against the built template.
FIXED_IDS = frozenset(
    value
    for holder in (R, P)
    for key, value in vars(holder).items()
    if not key.startswith("_") and isinstance(value, str)
)


def stack_arn() -> Sub:
    """ARN of this stack (any stack ID under its name)."""
    return Sub(
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
        "stack/${AWS::StackName}/*"
    )


def user_arns() -> Sub:
    """ARN pattern of every IAM user this stack creates (they share one path)."""
    return Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:user{USER_PATH}*")


def secret_arns() -> Sub:
    """ARN pattern of every credentials secret of this stack (one name prefix)."""
    return Sub(
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
        f"secret:${{{P.NAME_PREFIX}}}{SECRET_PATH}*"
    )


def prefixed(name: str) -> Sub:
    """A resource name with the NamePrefix parameter in front."""
    return Sub(f"${{{P.NAME_PREFIX}}}{name}")


def iam_name(name: str) -> If:
    """An IAM name: NamePrefix, the region when RegionalIamNames is true, the name."""
    return If(
        C.REGIONAL_IAM,
        Sub(f"${{{P.NAME_PREFIX}}}{REGION_IN_NAME}{name}"),
        prefixed(name),
    )


def name_tag(name: str) -> Sub:
    """Value of the Name tag: the stack name, a hyphen and the resource's name."""
    return Sub(f"${{AWS::StackName}}-{name}")


def tags(name: str, emr_managed: bool = False) -> Tags:
    """Name tag (prefixed with the stack name) and, if asked, the EMR-managed tag."""
    values = {"Name": name_tag(name)}
    if emr_managed:
        values[EMR_MANAGED_TAG] = "true"
    return Tags(**values)


def list_slot(parameter: str, slots: int, index: int) -> Select:
    """The index-th item of a comma-list parameter, or "" past its end: the list is
    joined, padded with one comma per slot and split again, so Fn::Select stays in
    range."""
    padded = Join("", [Join(",", Ref(parameter)), "," * slots])
    return Select(index, Split(",", padded))


def glue_slot_condition(index: int) -> str:
    """The condition of one place of Glue databases (GlueDatabases)."""
    return f"GlueDatabase{index + 1}"
