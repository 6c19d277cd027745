"""The Service Catalog portfolio template, its launch role, and `emrs-env publish`."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfn_flip import to_json
from cloud_radar.cf.unit import Template as RadarTemplate

from generator import __version__, cli
from generator.template import portfolio as sc
from generator.template import provisioning as ps
from generator.template.composer import build_template
from generator.template.config import Options
from generator.template.names import STACK_TAG
from generator.template.policies import named_action, statements_of
from tests import helpers
from tests.helpers import ACCOUNT, STACK_ID, as_list, clean, of_type, template_dict
from tests.iam_eval import ALLOWED, Principal, decide

URL = "https://templates.s3.us-east-1.amazonaws.com/emrs-env/0.1.0/env.yaml"
VARIANTS = {
    "seed": None,
    "many developers": tuple(f"dev{i}" for i in range(30)),
}


def portfolio(developers: tuple[str, ...] | None = None) -> dict:
    return json.loads(sc.build_portfolio_template(template_dict(developers)).to_json())


def launch_actions(template: dict) -> set[str]:
    actions: set[str] = set()
    for name, res in template["Resources"].items():
        if name.startswith("LaunchPolicy"):
            for stmt in statements_of(res["Properties"]["PolicyDocument"]):
                if stmt["Effect"] == "Allow":
                    actions |= {a.lower() for a in as_list(stmt["Action"])}
    return actions


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_launch_role_covers_every_resource_type(variant: str) -> None:
    environment = template_dict(VARIANTS[variant])
    granted = launch_actions(portfolio(VARIANTS[variant]))
    types = {r["Type"] for r in environment["Resources"].values()}
    assert "AWS::EMR::Studio" in types and "AWS::EMRServerless::Application" in types
    for resource_type in types:
        needed = {
            a.lower() for a in ps.type_permissions(resource_type) if ps.is_iam_action(a)
        } - sc.NOT_GRANTED
        assert needed <= granted, (resource_type, sorted(needed - granted)[:5])
    # A session mapping names an existing Identity Center user or group: whoever
    # launches the product never creates identities.
    assert not sc.NOT_GRANTED & granted
    assert {"sso-directory:searchgroups", "sso-directory:searchusers"} <= granted
    # listed by the EMR Management Guide for assigning users, not by the schema
    assert "organizations:describeorganization" in granted
    assert "lambda:invokefunction" in granted and "iam:passrole" in granted


def test_retired_schema_actions_are_dropped_not_granted() -> None:
    every = set()
    for resource_type in {r["Type"] for r in template_dict()["Resources"].values()}:
        every |= ps.type_permissions(resource_type)
    dropped = {a for a in every if not ps.is_iam_action(a)}
    assert len(dropped) < len(every) // 10
    assert not {a.lower() for a in dropped} & launch_actions(portfolio())


def test_recorded_actions_equal_a_fresh_derivation_from_cfn_lint() -> None:
    """The committed table is what the pinned cfn-lint's schemas give today."""
    fresh = ps.table_text(ps.derive_table(ps.environment_types()))
    assert ps.TABLE.read_text(encoding="utf-8") == fresh, "run 'make actions'"


def test_every_config_uses_only_recorded_types() -> None:
    recorded = set(json.loads(ps.TABLE.read_text())["types"])
    for developers in VARIANTS.values():
        types = {r["Type"] for r in template_dict(developers)["Resources"].values()}
        assert {t for t in types if not t.startswith("Custom::")} <= recorded


def test_a_type_missing_from_the_table_is_named(monkeypatch) -> None:
    monkeypatch.setattr(sc, "_recorded", lambda: {"AWS::S3::Bucket": ["s3:A"]})
    assert sc.provisioning_actions(["AWS::S3::Bucket", "Custom::X"], ["b:C"]) == [
        "b:C",
        "s3:A",
    ]
    with pytest.raises(sc.MissingActions, match="AWS::EC2::VPC; run 'make actions'"):
        sc.provisioning_actions(["AWS::EC2::VPC"])


def test_each_launch_policy_fits_the_managed_policy_limit() -> None:
    template = sc.build_portfolio_template(template_dict())
    policies = [
        r for r in template.resources.values() if r.title.startswith("LaunchPolicy")
    ]
    assert len(policies) >= 2
    for policy in policies:
        assert sc.policy_size(policy.PolicyDocument) <= sc.MANAGED_POLICY_LIMIT


def test_packing_respects_a_small_limit() -> None:
    actions = [named_action(f"ec2:Action{i:03d}") for i in range(100)]
    big = sc.statement("Big", actions, ["*"])
    small = sc.statement("Small", actions[:3], ["*"])
    documents = sc.pack([big, small], limit=600)
    statements = [s for d in documents for s in d.properties["Statement"]]
    assert [a for s in statements for a in s.Action] == actions + actions[:3]
    assert len(documents) > 3 and statements[-1].Sid == "Small"
    assert len({s.Sid for s in statements}) == len(statements)
    for doc in documents:
        assert sc.policy_size(doc) <= 600


@pytest.mark.parametrize("principals", [0, 1, 3])
def test_rendered_portfolio(principals: int) -> None:
    params = {"TemplateUrl": URL}
    for slot in range(1, principals + 1):
        params[f"PrincipalArn{slot}"] = f"arn:aws:iam::123456789012:role/team{slot}"
    rendered = RadarTemplate(portfolio()).render(params, region="eu-west-1")
    (product,) = of_type(
        rendered, "AWS::ServiceCatalog::CloudFormationProduct"
    ).values()
    (artifact,) = product["Properties"]["ProvisioningArtifactParameters"]
    assert artifact["Name"] == __version__
    assert artifact["Info"] == {"LoadTemplateFromURL": URL}
    associations = of_type(
        rendered, "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
    )
    assert len(associations) == principals
    (constraint,) = of_type(
        rendered, "AWS::ServiceCatalog::LaunchRoleConstraint"
    ).values()
    assert constraint["Properties"]["RoleArn"] == "LaunchRole.Arn"
    role = rendered["Resources"]["LaunchRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["servicecatalog.amazonaws.com"]}
    stack = clean(
        rendered["Resources"]["LaunchPolicy1"]["Properties"]["PolicyDocument"]
    )
    passing = [s for s in stack["Statement"] if "iam:PassRole" in as_list(s["Action"])]
    # One statement per service, each naming only the environment's roles.
    assert {
        clean(s)["Condition"]["StringEquals"]["iam:PassedToService"] for s in passing
    } == {
        "lambda.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
        "elasticmapreduce.amazonaws.com",
    }
    resources = {r for s in passing for r in as_list(s["Resource"])}
    assert {r.split(":", 5)[-1] for r in resources} == {
        # CloudFormation's name for the flow-log role of a provisioned product
        "role/SC-*-FlowLogRole-*",
        # the custom-resource function's role, under the stack's own path
        "role/emrs-env/eu-west-1/SC-*/SC-*",
        "role/*emr-studio-service-role",
        # the Studio's user role, passed in Identity Center mode
        "role/*emr-studio-user-role",
    }
    assert all(r.startswith(f"arn:aws:iam::{ACCOUNT}:role/") for r in resources)


def test_environment_parameters_can_all_be_filled_by_a_launch() -> None:
    for name, spec in template_dict()["Parameters"].items():
        assert "Default" in spec, f"{name} has no default"
        assert not spec["Type"].startswith("AWS::SSM"), name


def test_portfolio_is_in_the_build() -> None:
    built = (
        Path(__file__).resolve().parents[2] / "build" / "service-catalog-portfolio.yaml"
    )
    assert built.exists()
    large = build_template(Options(developers=VARIANTS["many developers"]))
    assert len(large.resources) > len(build_template().resources)


@pytest.fixture
def aws(mocked_aws: None) -> None:
    """moto for this module's tests."""


def test_publish_uploads_a_versioned_tagged_template(aws, capsys) -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(
        Bucket="catalog", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    code = cli.main(["publish", "--bucket", "catalog", "--prefix", "team/x/",
                     "--region", "eu-west-1"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    root = Path(__file__).resolve().parents[2]
    built_text = (root / "build" / "emr-serverless-interactive.yaml").read_text()
    digest = hashlib.sha256(built_text.encode()).hexdigest()[:16]
    key = f"team/x/{__version__}/{digest}/emr-serverless-interactive.yaml"
    url = f"https://catalog.s3.eu-west-1.amazonaws.com/{key}"
    assert f"TemplateUrl: {url}" in out and f"TemplateUrl={url}" in out
    body = s3.get_object(Bucket="catalog", Key=key)["Body"].read().decode()
    built = (
        Path(__file__).resolve().parents[2]
        / "build"
        / "emr-serverless-interactive.yaml"
    )
    assert body == built.read_text()
    tags = s3.get_object_tagging(Bucket="catalog", Key=key)["TagSet"]
    assert {"Key": "servicecatalog:provisioning", "Value": "true"} in tags


def test_publish_to_a_missing_bucket(aws, capsys) -> None:
    assert cli.main(["publish", "--bucket", "nope", "--region", "us-east-1"]) == 1
    err = capsys.readouterr().err
    assert "bucket nope does not exist" in err and "Traceback" not in err


def test_publish_to_a_bucket_in_another_region(aws, capsys) -> None:
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="elsewhere",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    assert cli.main(["publish", "--bucket", "elsewhere", "--region", "us-east-1"]) == 1
    err = capsys.readouterr().err
    assert "is in eu-west-1, not us-east-1" in err and "--region eu-west-1" in err


# --- what the launch role may touch: the environment's resources, no more ----------

# Every Resource "*" of the launch policies, by Sid, and why it cannot be narrower.
RESOURCE_STAR = {
    "ProvisionActionsWithoutResource": "IAM scopes none of these actions to a "
    "resource (creating something whose ARN does not exist yet, listing, "
    "describing)",
    "ReadTemplates": "CloudFormation's GetTemplateSummary and ValidateTemplate take "
    "no resource",
    "ReadProductArtifacts": "the product's template sits in a bucket Service Catalog "
    "owns; the object tag servicecatalog:provisioning=true is the scope",
    "CreateAndTagKeysWithTheProductTag": "CreateKey takes no resource; both it and "
    "TagResource only with the product's stack tag as a request tag",
}
# Every resource type the launch role holds in the whole account and region, and why.
ACCOUNT_WIDE = {
    "ec2": "EC2 assigns IDs to the VPC, subnets, gateways, routes, addresses, groups, "
    "endpoints, flow logs and interfaces at creation; only these types",
    "vpce": "vpce:AllowMultiRegion, the VPC endpoint schema's permission-only "
    "action, on the account's endpoints like the rest of EC2",
    "kms:key": "a new key's ID is random and the key has no tag to match; crypto "
    "only through kms:ViaService",
    "elasticmapreduce:studio": "Studio IDs are assigned at creation, and a tag "
    "condition would deny reading a deleted Studio",
    "emr-serverless": "application IDs (and their job runs' and sessions') are "
    "assigned at creation",
    "iam:role": "AttachRolePolicy/DetachRolePolicy for the roles named by "
    "AdminRoleNames/DeveloperRoleNames at launch, only with the environment's own "
    "policies (iam:PolicyARN)",
    "unused": "schema actions of features the environment does not use (Identity "
    "Center, images, layers, code signing, capacity providers, file systems, "
    "S3 Tables, Firehose), on their own resource types",
}
PRODUCT_STACK = sc.PRODUCT_STACK_NAME
REGION = "us-east-1"
VIA_SECRETS = {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}


def render_product(params: dict[str, Any], developers: tuple[str, ...] = ()) -> dict:
    """The environment as Service Catalog launches it: stack SC-<account>-pp-<id>."""
    return helpers.render(params, REGION, developers or None, stack_name=PRODUCT_STACK)


# The portfolio's own resources as AWS names them (cloud-radar renders a Ref of a
# policy and a role's Arn as their logical IDs).
PORTFOLIO_STACK = "emrs-portfolio"
LAUNCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{PORTFOLIO_STACK}-LaunchRole-ABCDEFGHIJ"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/{PORTFOLIO_STACK}-ProductBoundary-ABCDEF"
PATTERN = "idp-*"


def _named(value: Any) -> Any:
    text = json.dumps(value)
    text = text.replace('"LaunchRole.Arn"', json.dumps(LAUNCH_ROLE))
    text = re.sub(r'"ProductBoundary"(?=\s*[,\]}])', json.dumps(BOUNDARY), text)
    return json.loads(text)


@cache
def _rendered_portfolio(developers: tuple[str, ...] | None, pattern: str) -> str:
    radar = RadarTemplate(portfolio(developers))
    radar.StackName = PORTFOLIO_STACK
    params = {"TemplateUrl": URL, "FederatedRoleNamePattern": pattern}
    return json.dumps(_named(radar.render(params, region=REGION)))


def render_portfolio(
    developers: tuple[str, ...] | None = None, pattern: str = PATTERN
) -> dict:
    """The portfolio rendered in the product's account (a fresh copy)."""
    return json.loads(_rendered_portfolio(developers, pattern))


def launch_statements(
    developers: tuple[str, ...] | None = None, pattern: str = PATTERN
) -> list[dict]:
    """Every statement of the launch policies, rendered in the product's account."""
    rendered = render_portfolio(developers, pattern)
    return [
        s
        for name, r in rendered["Resources"].items()
        if name.startswith("LaunchPolicy")
        for s in clean(r["Properties"]["PolicyDocument"])["Statement"]
    ]


def boundary_document() -> dict:
    """The product's permissions boundary, rendered in the product's account."""
    rendered = render_portfolio()
    return clean(
        rendered["Resources"]["ProductBoundary"]["Properties"]["PolicyDocument"]
    )


def allowed(
    statements: list[dict], action: str, resource: str, context: dict[str, str]
) -> bool:
    """The project's IAM evaluator's answer for one request of the launch role."""
    role = Principal(LAUNCH_ROLE, ({"Statement": statements},))
    return decide(role, action, resource, context).result == ALLOWED


def generated(logical: str, limit: int) -> str:
    """A name CloudFormation gives an unnamed resource of the product's stack,
    shortened (its logical ID first) when it is longer than the type allows."""
    suffix = "ABCDEFGHIJKLM"
    keep = max(limit - len(PRODUCT_STACK) - len(suffix) - 2, 0)
    return f"{PRODUCT_STACK}-{logical[:keep]}-{suffix}"[:limit]


EC2_TYPES = {
    "AWS::EC2::VPC": ("vpc", "vpc"),
    "AWS::EC2::Subnet": ("subnet", "subnet"),
    "AWS::EC2::RouteTable": ("route-table", "rtb"),
    "AWS::EC2::InternetGateway": ("internet-gateway", "igw"),
    "AWS::EC2::NatGateway": ("natgateway", "nat"),
    "AWS::EC2::EIP": ("elastic-ip", "eipalloc"),
    "AWS::EC2::SecurityGroup": ("security-group", "sg"),
    "AWS::EC2::VPCEndpoint": ("vpc-endpoint", "vpce"),
    "AWS::EC2::FlowLog": ("vpc-flow-log", "fl"),
}


def environment_resources(rendered: dict) -> list[tuple[str, str]]:
    """(service:type, ARN) of every resource the product's stack makes, as AWS
    would name it, plus the roles it attaches policies to by parameter."""
    found = []
    regional = f"{REGION}:{ACCOUNT}"
    for logical, resource in rendered["Resources"].items():
        kind, props = resource["Type"], clean(resource.get("Properties", {}))
        path = props.get("Path", "/")
        if kind == "AWS::IAM::Role":
            name = props.get("RoleName") or generated(logical, 64)
            found.append(("iam:role", f"arn:aws:iam::{ACCOUNT}:role{path}{name}"))
        elif kind == "AWS::IAM::User":
            name = props["UserName"]
            found.append(("iam:user", f"arn:aws:iam::{ACCOUNT}:user{path}{name}"))
        elif kind == "AWS::IAM::Group":
            name = props["GroupName"]
            found.append(("iam:group", f"arn:aws:iam::{ACCOUNT}:group{path}{name}"))
        elif kind == "AWS::IAM::ManagedPolicy":
            name = props["ManagedPolicyName"]
            found.append(("iam:policy", f"arn:aws:iam::{ACCOUNT}:policy/{name}"))
            for role in as_list(props.get("Roles", [])):
                if role not in rendered["Resources"]:  # named by a parameter
                    arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
                    found.append((FEDERATED, arn))
        elif kind == "AWS::SecretsManager::Secret":
            arn = f"arn:aws:secretsmanager:{regional}:secret:{props['Name']}-AbCdEf"
            found.append(("secretsmanager:Secret", arn))
        elif kind == "AWS::S3::Bucket":
            found.append(("s3:bucket", f"arn:aws:s3:::{props['BucketName']}"))
            found.append(("s3:object", f"arn:aws:s3:::{props['BucketName']}/a/b.ipynb"))
        elif kind == "AWS::Logs::LogGroup":
            name = props.get("LogGroupName") or generated(logical, 512)
            for tail in ("", ":*"):
                arn = f"arn:aws:logs:{regional}:log-group:{name}{tail}"
                found.append(("logs:log-group", arn))
        elif kind == "AWS::Lambda::Function":
            name = props.get("FunctionName") or generated(logical, 64)
            found.append(
                ("lambda:function", f"arn:aws:lambda:{regional}:function:{name}")
            )
        elif kind == "AWS::KMS::Alias":
            found.append(("kms:alias", f"arn:aws:kms:{regional}:{props['AliasName']}"))
        elif kind == "AWS::KMS::Key":
            found.append(("kms:key", f"arn:aws:kms:{regional}:key/{'1' * 8}-aaaa"))
        elif kind == "AWS::EMR::Studio":
            arn = f"arn:aws:elasticmapreduce:{regional}:studio/es-ABCDEF"
            found.append(("elasticmapreduce:studio", arn))
        elif kind == "AWS::EMRServerless::Application":
            arn = f"arn:aws:emr-serverless:{regional}:/applications/00abcdef"
            found.append(("emr-serverless:application", arn))
        elif kind in EC2_TYPES:
            ec2_type, prefix = EC2_TYPES[kind]
            arn = f"arn:aws:ec2:{regional}:{ec2_type}/{prefix}-0123456789abcdef0"
            found.append((f"ec2:{ec2_type}", arn))
    return found


# Roles named by AdminRoleNames/DeveloperRoleNames: the launch only attaches the
# environment's policies to them, and detaches them.
FEDERATED = "iam:role named by a parameter"
ON_FEDERATED = {"iam:AttachRolePolicy", "iam:DetachRolePolicy"}


BOUNDED = {"iam:PermissionsBoundary": BOUNDARY}
OWN_KEY = {f"aws:ResourceTag/{STACK_TAG}": PRODUCT_STACK}


def contexts(action: str, policies: list[str], key: str) -> list[dict[str, str]]:
    """The request context the launch's call carries, by action, on a resource of
    one kind: the environment's roles and users carry the portfolio's boundary,
    and its key the product's stack tag."""
    base: dict[str, str] = {}
    if action.lower() in sc.BOUNDARY_KEYED and key in ("iam:role", "iam:user"):
        base = dict(BOUNDED)
    if key == "kms:key":
        base = {**OWN_KEY}
        if action.lower() == "kms:tagresource":
            base[f"aws:RequestTag/{STACK_TAG}"] = PRODUCT_STACK
    if re.fullmatch(r"iam:(Attach|Detach)\w+Policy", action):
        return [{**base, "iam:PolicyARN": p} for p in policies]
    if action.lower() in sc.KEY_USE:
        # the secrets' encryption with the customer-managed key
        return [{**base, **VIA_SECRETS}]
    return [base]


# Schema actions on resources of a type the environment has, but never on the
# environment's own: checked on what they do act on.
ELSEWHERE = {
    "iam:CreateServiceLinkedRole": "arn:aws:iam::{account}:role/aws-service-role/"
    "ops.emr-serverless.amazonaws.com/AWSServiceRoleForAmazonEMRServerless",
}
PRODUCT_VARIANTS = {
    "defaults": {},
    "prefix and region in IAM names": {
        "NamePrefix": "qa-",
        "RegionalIamNames": "true",
    },
    "customer-managed key, three AZs": {
        "EncryptionKey": "customer-managed",
        "NumberOfAZs": "3",
    },
    "federated, existing VPC": {
        "CreateIamUsers": "false",
        "AdminRoleNames": "idp-admins",
        "DeveloperRoleNames": "idp-devs,idp-analysts",
        "ExistingVpcId": "vpc-0123abcd",
        "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
    },
}


@pytest.mark.parametrize("variant", sorted(PRODUCT_VARIANTS))
def test_launch_role_reaches_every_resource_the_environment_names(
    variant: str,
) -> None:
    """Each schema action, on each of the product stack's resources of a type IAM
    scopes it to, with the context the call carries: allowed."""
    rendered = render_product(PRODUCT_VARIANTS[variant], ("ana", "raj"))
    statements = launch_statements()
    resources = environment_resources(rendered)
    policies = [arn for key, arn in resources if key == "iam:policy"]
    kinds = {k for k, _ in resources}
    assert {"iam:role", "iam:policy", "s3:bucket", "logs:log-group"} <= kinds
    needed = {
        a
        for r in rendered["Resources"].values()
        for a in sc.type_actions(r["Type"])
        if a != "iam:PassRole" and a.lower() not in sc.NOT_GRANTED
    }
    checked = 0
    for action in sorted(needed):
        if action in ELSEWHERE:
            arn = ELSEWHERE[action].format(account=ACCOUNT)
            assert allowed(statements, action, arn, {}), action
            continue
        service = action.split(":")[0]
        types = {f"{service}:{t}" for t in sc._table()["resource_types"][action]}
        if action in ON_FEDERATED:
            types.add(FEDERATED)
        for key, arn in resources:
            if key not in types:
                continue
            for context in contexts(action, policies, key):
                assert allowed(statements, action, arn, context), (action, arn)
                checked += 1
    assert checked > 200


ADMIN_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/emrs-interactive-app-admin-policy"
# Requests the launch role answered "yes" to before, on Resource "*": other stacks'
# and the account's resources. (action, ARN, context)
BEYOND = [
    ("iam:PutRolePolicy", f"role/{PRODUCT_STACK[:-1]}x-AppRole-ABC", {}),
    ("iam:PutRolePolicy", "role/OrganizationAccountAccessRole", {}),
    ("iam:UpdateAssumeRolePolicy", "role/OrganizationAccountAccessRole", {}),
    ("iam:AttachRolePolicy", "role/emr-serverless-runtime-role",
     {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ("iam:AttachUserPolicy", f"user/emrs-env/{REGION}/{PRODUCT_STACK}/ana",
     {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ("iam:AttachGroupPolicy", "group/emrs-interactive-app-admins",
     {"iam:PolicyARN": f"arn:aws:iam::{ACCOUNT}:policy/billing-admin"}),
    ("iam:CreateUser", "user/break-glass", {}),
    ("iam:CreateLoginProfile", "user/alice", {}),
    ("iam:CreateAccessKey", f"user/emrs-env/{REGION}/{PRODUCT_STACK}/ana", {}),
    ("iam:AddUserToGroup", "group/Administrators", {}),
    ("iam:PutGroupPolicy", "group/Administrators", {}),
    ("iam:CreatePolicyVersion", "policy/billing-admin", {}),
    ("iam:PassRole", "role/SC-999999999999-pp-other-Admin-ABC",
     {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("lambda:UpdateFunctionCode", "function:payments", {}),
    ("s3:PutBucketPolicy", "company-data", {}),
    ("s3:DeleteBucket", "company-data", {}),
    ("s3:DeleteObject", "company-data/ledger.csv", {}),
    ("secretsmanager:GetSecretValue", "secret:prod/db-AbCdEf", {}),
    ("secretsmanager:DeleteSecret", "secret:prod/db-AbCdEf", {}),
    ("kms:Decrypt", f"key/{'1' * 8}-aaaa", {}),
    ("kms:CreateGrant", f"key/{'1' * 8}-aaaa", {}),
    ("kms:UpdateAlias", "alias/payments", {}),
    ("logs:DeleteLogGroup", "log-group:/aws/lambda/payments", {}),
    ("ec2:CreateTags", "instance/i-0123456789abcdef0", {}),
    # the launch role on itself, its policies and the boundary
    ("iam:AttachRolePolicy", LAUNCH_ROLE.split(":", 5)[5],
     {"iam:PolicyARN": ADMIN_POLICY}),
    ("iam:PutRolePolicy", LAUNCH_ROLE.split(":", 5)[5], {}),
    ("iam:CreatePolicyVersion", BOUNDARY.split(":", 5)[5], {}),
    ("iam:CreatePolicyVersion", f"policy/{PORTFOLIO_STACK}-LaunchPolicy2-ABCDEF", {}),
    # an environment policy on a role outside the portfolio's pattern, or on a
    # product role without the boundary
    ("iam:AttachRolePolicy", "role/OrganizationAccountAccessRole",
     {"iam:PolicyARN": ADMIN_POLICY}),
    ("iam:AttachRolePolicy", "role/qa-emr-serverless-runtime-role",
     {"iam:PolicyARN": ADMIN_POLICY}),
    ("iam:PutRolePolicy", "role/qa-emr-serverless-runtime-role",
     {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/other"}),
    # a principal without the boundary, or the boundary taken off
    ("iam:CreateRole", "role/qa-emr-serverless-runtime-role", {}),
    ("iam:CreateUser", f"user/emrs-env/{REGION}/{PRODUCT_STACK}/mallory",
     {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/other"}),
    ("iam:DeleteRolePermissionsBoundary", "role/qa-emr-serverless-runtime-role",
     {"iam:PermissionsBoundary": BOUNDARY}),
    ("iam:DeleteUserPermissionsBoundary",
     f"user/emrs-env/{REGION}/{PRODUCT_STACK}/ana",
     {"iam:PermissionsBoundary": BOUNDARY}),
    # a key no product made
    ("kms:PutKeyPolicy", f"key/{'2' * 8}-bbbb", {}),
    ("kms:ScheduleKeyDeletion", f"key/{'2' * 8}-bbbb",
     {f"aws:ResourceTag/{STACK_TAG}": "payments"}),
    ("kms:DisableKey", f"key/{'2' * 8}-bbbb", {}),
]  # fmt: skip


def _full_arn(action: str, tail: str) -> str:
    service = action.split(":")[0]
    if service == "iam":
        return f"arn:aws:iam::{ACCOUNT}:{tail}"
    if service == "s3":
        return f"arn:aws:s3:::{tail}"
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{tail}"


@pytest.mark.parametrize(("action", "tail", "context"), BEYOND, ids=lambda v: str(v))
def test_launch_role_cannot_reach_beyond_the_environment(
    action: str, tail: str, context: dict
) -> None:
    statements = launch_statements()
    assert not allowed(statements, action, _full_arn(action, tail), context)


def test_launch_role_still_reaches_its_own_counterparts() -> None:
    """The requests next to those in BEYOND that the launch does make."""
    statements = launch_statements()
    prefix = f"arn:aws:iam::{ACCOUNT}:"
    policy = f"{prefix}policy/qa-emrs-interactive-app-admin-policy"
    for action, arn, context in [
        ("iam:AttachRolePolicy", f"{prefix}role/idp-admins", {"iam:PolicyARN": policy}),
        ("iam:PutRolePolicy", f"{prefix}role/emrs-env/{REGION}/{PRODUCT_STACK}/"
         f"{PRODUCT_STACK}-CustomResou-ABCDEFGHIJKLM", BOUNDED),
        ("iam:CreateLoginProfile",
         f"{prefix}user/emrs-env/{REGION}/{PRODUCT_STACK}/ana", {}),
        ("iam:PassRole", f"{prefix}role/{PRODUCT_STACK}-FlowLogRole-ABCDEFGHIJKLM",
         {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}),
        ("kms:GenerateDataKey", _full_arn("kms:", f"key/{'1' * 8}-aaaa"),
         {**VIA_SECRETS, **OWN_KEY}),
    ]:  # fmt: skip
        assert allowed(statements, action, arn, context), action


def test_every_unscoped_resource_is_listed_with_its_reason() -> None:
    """Resource "*" only where IAM takes no resource (or the statement has its own
    scope), and account-wide resource types only where the environment cannot name
    its resources before a launch; each listed here and in portfolio.py."""
    assert set(RESOURCE_STAR) == set(sc.RESOURCE_STAR)
    table = sc._table()
    wide = {
        re.sub(r"\$\{\w+\}", "X", form): key
        for key, forms in table["arn_formats"].items()
        for form in forms
    }
    stars, accounts = set(), set()
    for stmt in launch_statements():
        resources = as_list(stmt["Resource"])
        if stmt["Effect"] == "Deny":
            continue  # a deny narrows: "*" is its widest reach
        if "*" in resources:
            assert resources == ["*"], stmt["Sid"]
            stars.add(stmt["Sid"])
            if stmt["Sid"] == "ProvisionActionsWithoutResource":
                for action in as_list(stmt["Action"]):
                    assert table["resource_types"].get(action, []) == [], action
            continue
        for resource in resources:
            text = re.sub(rf"arn:aws:|{REGION}|{ACCOUNT}", "", resource)
            form = next((k for f, k in wide.items() if
                         re.sub("arn:X:|X", "", f) == text), None)  # fmt: skip
            if form is None:
                continue  # names the environment's resources
            service, kind = form.split(":")
            if stmt["Sid"] == "UnusedFeatures":
                accounts.add("unused")
            elif service in ("ec2", "vpce", "emr-serverless"):
                accounts.add(service)  # one ARN format for several types
            else:
                accounts.add(form)
        if any(r.endswith(":role/*") for r in resources):
            assert "iam:PolicyARN" in stmt["Condition"]["ArnLike"], stmt["Sid"]
    assert stars == set(RESOURCE_STAR)
    assert accounts == set(ACCOUNT_WIDE)
    assert all(len(reason) > 40 for reason in [*RESOURCE_STAR.values(),
                                               *ACCOUNT_WIDE.values()])  # fmt: skip


def test_each_action_sits_with_resources_of_its_own_types() -> None:
    """An action granted on resources IAM never matches it against would be a
    grant that silently does nothing (parliament's RESOURCE_MISMATCH)."""
    table = sc._table()
    for stmt in launch_statements():
        resources = as_list(stmt["Resource"])
        if (
            resources == ["*"]
            or stmt["Sid"].startswith("PassEnvironmentRoles")
            or stmt["Effect"] == "Deny"
        ):
            continue
        for action in as_list(stmt["Action"]):
            service = action.split(":")[0]
            kinds = table["resource_types"].get(action) or []
            formats = [
                re.sub(r"\\\$\\\{\w+\\\}", ".*", re.escape(f).replace(r"\*", ".*"))
                for k in kinds
                for f in table["arn_formats"][f"{service}:{k}"]
            ]
            if not formats:  # CloudFormation's own actions: not in the table
                assert service == "cloudformation" or action == "lambda:InvokeFunction"
                continue
            assert any(
                re.fullmatch(f, r.replace("*", "x")) for f in formats for r in resources
            ), (stmt["Sid"], action)


def test_launch_role_trust_names_only_service_catalog() -> None:
    role = portfolio()["Resources"]["LaunchRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["servicecatalog.amazonaws.com"]}
    assert trust["Action"] == ["sts:AssumeRole"]
    # No aws:SourceAccount/SourceArn: undocumented for Service Catalog, and a key
    # the service does not set would fail every launch (README, launch role).
    assert "Condition" not in trust
    readme = (
        Path(__file__).resolve().parents[2] / "docs" / "service-catalog.md"
    ).read_text()
    assert "aws:SourceAccount" in readme.split("## Publishing through AWS")[1]


def test_launches_keep_the_default_bucket_name() -> None:
    (constraint,) = of_type(
        render_portfolio(), "AWS::ServiceCatalog::LaunchTemplateConstraint"
    ).values()
    rules = json.loads(constraint["Properties"]["Rules"])
    (assertion,) = rules["DefaultBucketName"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "BucketName"}, ""]}
    assert "BucketName" in template_dict()["Parameters"]
    statements = launch_statements()
    for prefix in ("", "qa-"):
        bucket = render_product({"NamePrefix": prefix})["Resources"]["NotebookBucket"]
        name = bucket["Properties"]["BucketName"]
        assert allowed(statements, "s3:PutBucketPolicy", f"arn:aws:s3:::{name}", {})
    custom = render_product({"BucketName": "team-notebooks"})["Resources"]
    name = custom["NotebookBucket"]["Properties"]["BucketName"]
    assert not allowed(statements, "s3:CreateBucket", f"arn:aws:s3:::{name}", {})
    # A relaunch after a terminate: UniqueBucketName gives the new product its own
    # bucket, which the launch role manages too, and not the one the old one kept.
    radar_id = (
        "arn:aws:cloudformation:{}:{}:stack/{}/5a1b2c3d-0000-1111-2222-333344445555"
    )
    RadarTemplate.StackId = radar_id.format(REGION, ACCOUNT, PRODUCT_STACK)
    try:
        unique = render_product({"UniqueBucketName": "true"})["Resources"]
    finally:
        RadarTemplate.StackId = STACK_ID
    name = unique["NotebookBucket"]["Properties"]["BucketName"]
    assert name.endswith("-5a1b2c3d") and "emrs-notebooks-" in name
    for action in ("s3:CreateBucket", "s3:PutBucketPolicy"):
        assert allowed(statements, action, f"arn:aws:s3:::{name}", {})
    assert not allowed(
        statements, "s3:CreateBucket", f"arn:aws:s3:::{name.replace('emrs', 'x')}", {}
    )


def test_unnamed_resources_keep_their_logical_id_only_when_it_fits() -> None:
    """CloudFormation shortens a generated name past the type's limit: a pattern
    that kept the logical ID would then miss it."""
    environment = template_dict()
    roles = sc.iam_patterns(environment, "AWS::IAM::Role", "RoleName")
    assert roles["FlowLogRole"] == ["/SC-*-FlowLogRole-*"]
    assert len(generated("FlowLogRole", 64)) < 64
    assert len(f"{PRODUCT_STACK}-CustomResourceRole-ABCDEFGHIJKLM") > 64
    assert roles["CustomResourceRole"] == ["/emrs-env/${AWS::Region}/SC-*/SC-*"]
    assert sc.generated_name("AWS::Lambda::Function", "CustomResourceFunction") == (
        "SC-*"
    )
    with pytest.raises(ValueError, match="name it in the template"):
        sc.generated_name("AWS::IAM::Group", "Unnamed")


def identity_policies_of_the_build() -> list[tuple[str, str, dict]]:
    from generator.gates.parliament import identity_policies

    found = []
    for path in sorted(BUILD.glob("*.yaml")):
        template = json.loads(to_json(path.read_text(encoding="utf-8")))
        found += [(path.name, logical, doc) for logical, doc in
                  identity_policies(template)]  # fmt: skip
    return found


BUILD = Path(__file__).resolve().parents[2] / "build"


def test_cloudsplaining_finds_no_privilege_escalation_in_the_build() -> None:
    """cloudsplaining (default exclusions) on every identity policy of every built
    template, intrinsic functions resolved, and on the launch role's policies
    together (an escalation may need actions from two of them)."""
    from cloudsplaining.command.scan_policy_file import scan_policy

    found = identity_policies_of_the_build()
    launch = [doc for _, logical, doc in found if logical.startswith("LaunchPolicy")]
    assert len(launch) >= 2 and len(found) > len(launch)
    together = {
        "Version": "2012-10-17",
        "Statement": [s for doc in launch for s in doc["Statement"]],
    }
    escalations = []
    for name, logical, doc in [*found, ("portfolio", "LaunchRole", together)]:
        result = scan_policy(doc)
        for hit in result.get("PrivilegeEscalation", {}).get("findings", []):
            escalations.append((name, logical, hit["type"], hit["actions"]))
    assert escalations == []


# A role or user a launch made, holding any policy a launch could write ("*" on
# "*"), and capped by the portfolio's boundary: these requests stay denied.
ESCAPES = [
    ("iam:CreateRole", "role/backdoor", {}),
    ("iam:AttachRolePolicy", "role/OrganizationAccountAccessRole",
     {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ("iam:PutRolePolicy", "role/qa-emr-serverless-runtime-role", {}),
    ("iam:CreatePolicyVersion", "policy/qa-emrs-interactive-app-admin-policy", {}),
    ("iam:CreateAccessKey", "user/break-glass", {}),
    ("iam:UpdateLoginProfile", "user/alice", {}),
    ("iam:PassRole", "role/OrganizationAccountAccessRole",
     {"iam:PassedToService": "lambda.amazonaws.com"}),
    ("iam:DeleteRolePermissionsBoundary", "role/qa-emr-serverless-runtime-role", {}),
    ("sts:AssumeRole", "role/OrganizationAccountAccessRole", {}),
    ("secretsmanager:GetSecretValue", "secret:prod/db-AbCdEf", {}),
    ("s3:GetObject", "company-data/ledger.csv", {}),
    ("s3:PutBucketPolicy", "company-data", {}),
    ("kms:Decrypt", f"key/{'2' * 8}-bbbb", {}),
    ("kms:PutKeyPolicy", f"key/{'2' * 8}-bbbb", {}),
    ("lambda:UpdateFunctionCode", "function:payments", {}),
    ("organizations:LeaveOrganization", "*", {}),
]  # fmt: skip
# What the same principal still does inside the environment.
INSIDE = [
    ("emr-serverless:StartApplication", "/applications/00abcdef", {}),
    ("iam:CreateLoginProfile", f"user/emrs-env/{REGION}/{PRODUCT_STACK}/ana", {}),
    ("iam:PassRole", "role/qa-emr-serverless-runtime-role",
     {"iam:PassedToService": "emr-serverless.amazonaws.com"}),
    ("secretsmanager:GetSecretValue", "secret:qa-emrs/ana-AbCdEf", {}),
    ("s3:GetObject", f"qa-emrserverless-interactive-blog-{ACCOUNT}-{REGION}/a.ipynb",
     {}),
    ("kms:Decrypt", f"key/{'1' * 8}-aaaa", OWN_KEY),
    ("glue:GetTable", "table/sales/orders", {}),
]  # fmt: skip


def _bounded(action: str, tail: str, context: dict) -> str:
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    principal = Principal(
        f"arn:aws:iam::{ACCOUNT}:role/qa-emr-serverless-runtime-role",
        (everything,),
        boundary=(boundary_document(),),
    )
    return decide(principal, action, _full_arn(action, tail), context).result


@pytest.mark.parametrize(("action", "tail", "context"), ESCAPES, ids=lambda v: str(v))
def test_a_product_principal_cannot_leave_the_boundary(
    action: str, tail: str, context: dict
) -> None:
    assert _bounded(action, tail, context) != ALLOWED


def test_the_boundary_keeps_what_the_environment_does() -> None:
    for action, tail, context in INSIDE:
        assert _bounded(action, tail, context) == ALLOWED, action


def test_the_boundary_holds_every_action_of_the_environment() -> None:
    """Every action an identity policy of any configuration allows is in the
    boundary, and the capped services' resource-less actions are those IAM scopes
    to no resource (cfn-lint's copy of the Service Authorization Reference)."""
    from generator.template import boundary

    document = boundary_document()
    listed = {a.lower() for s in document["Statement"] for a in as_list(s["Action"])}
    for variant in (None, ("ana", "raj")):
        actions = boundary.environment_actions(template_dict(variant))
        assert {a.lower() for a in actions} <= listed
        capped = {a for a in actions if a.split(":")[0] in boundary.CAPPED}
        assert {a.lower() for a in capped if not ps.resource_types(a)} == (
            boundary.RESOURCE_LESS
        )
