"""Rules AWS enforces only when CloudFormation talks to the services.

No linter or schema reports these; each is modelled from the documentation page
named in FACTS below and checked on the rendered template across the parameter
matrix. Nothing here was observed in a real account.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from typing import Any

import pytest

from generator.scenarios import EXISTING_VPC, READINESS, used_by
from generator.template import function as credentials
from generator.template import limits, regions
from generator.template import portfolio as sc
from generator.template import provisioning as ps
from generator.template.composer import (
    build_template,
    build_within_limits,
    max_developers,
)
from generator.template.config import USER_NAME_MAX, ConfigError, Options
from generator.template.intrinsics import Conditions, mentions, parameter_values
from generator.template.parameters import (
    MIN_MEMORY_GB,
    MIN_VCPU,
    RELEASE_LABEL_PATTERN,
    ROLE_NAMES_PATTERN,
    STUDIO_MAX_SUBNETS,
)
from generator.template.policies import statements_of
from tests.helpers import as_list, clean, of_type, render, template_dict, walk_dicts
from tests.template.test_service_catalog import REGION as PRODUCT_REGION
from tests.template.test_service_catalog import generated, render_product

FACTS = {
    "reserved-concurrency": "Lambda Developer Guide, 'Configuring reserved "
    "concurrency': reserving fails when unreserved concurrency would drop below "
    "its minimum; new accounts have totals of 10 to 50",
    "async-invoke": "Lambda Developer Guide, 'Asynchronous invocation' and "
    "'Error handling': CloudFormation invokes custom-resource functions "
    "asynchronously; throttled events are queued until MaximumEventAgeInSeconds, "
    "function errors retried MaximumRetryAttempts times",
    "service-timeout": "CloudFormation Template Reference, "
    "AWS::CloudFormation::CustomResource ServiceTimeout: 1-3600 seconds",
    "getazs": "CloudFormation Template Reference, Fn::GetAZs, 'IAM permissions': "
    "ec2:DescribeAvailabilityZones and ec2:DescribeAccountAttributes",
    "launch-role": "Service Catalog Administrator Guide, 'Launch constraints': "
    "the role needs the services of the template and read access to it",
    "sso-roles": "IAM Identity Center User Guide: AWSReservedSSO_ roles are "
    "protected (UnmodifiableEntity); permission sets reference customer managed "
    "policies by name",
    "iam-quotas": "IAM User Guide, 'IAM and AWS STS quotas'",
    "cfn-quotas": "CloudFormation User Guide, 'Understand CloudFormation quotas'",
    "az-ids": "EMR Serverless User Guide, 'Endpoints and quotas' (AZ IDs per "
    "region)",
    "glue-endpoints": "EMR Studio: the default metastore is the Glue Data "
    "Catalog; a VPC without NAT reaches AWS services only through endpoints",
    "studio-kms": "EMR Management Guide, 'Encrypting EMR Studio workspace "
    "notebooks and files'",
    "interactive-capacity": "EMR Serverless User Guide, 'Run interactive "
    "workloads': one pre-initialised kernel worker (4 vCPU, 16 GB) per driver",
    "release-labels": "EMR Serverless User Guide, 'Release versions' and "
    "interactive workloads from emr-6.14.0",
    "studio-subnets": "EMR API Reference, CreateStudio: at most 5 subnets",
    "flow-log-trust": "VPC User Guide, 'IAM role for publishing flow logs': "
    "aws:SourceAccount and aws:SourceArn",
}

MATRIX = used_by(READINESS)
DEVS = ("ana", "raj", "li", "sam", "kim", "joe")


def rendered(variant: str) -> dict[str, Any]:
    return render(MATRIX[variant], developers=DEVS)


# --- 1. reserved concurrency and the custom resources' timing --------------------


def custom_resource_waves(
    result: dict[str, Any], raw: dict[str, Any]
) -> dict[int, list[str]]:
    """When each custom resource can start if each takes one unit of time and
    CloudFormation starts a resource once everything it depends on is done."""
    resources = result["Resources"]

    def deps(name: str) -> set[str]:
        found = set(as_list(raw[name].get("DependsOn", [])))
        found |= {n for n, _ in mentions(raw[name].get("Properties", {}))}
        return found & set(resources)

    start: dict[str, int] = {}

    def finish(name: str) -> int:
        begin = max((finish(d) for d in deps(name)), default=0)
        start[name] = begin
        busy = 1 if resources[name]["Type"].startswith("Custom::") else 0
        return begin + busy

    for name in resources:
        finish(name)
    waves: dict[int, list[str]] = defaultdict(list)
    for name, begin in start.items():
        if resources[name]["Type"].startswith("Custom::"):
            waves[begin].append(name)
    return waves


@pytest.mark.parametrize("variant", sorted(MATRIX))
def test_no_reserved_concurrency_and_bounded_parallel_invocations(
    variant: str,
) -> None:
    # FACTS reserved-concurrency, async-invoke
    result = rendered(variant)
    for function in of_type(result, "AWS::Lambda::Function").values():
        assert "ReservedConcurrentExecutions" not in function["Properties"]
    waves = custom_resource_waves(result, template_dict(DEVS)["Resources"])
    most = max((len(w) for w in waves.values()), default=0)
    assert most <= credentials.LANES + 1 < 10  # the smallest account concurrency


def test_many_users_run_in_lanes_not_all_at_once() -> None:
    # FACTS async-invoke: 40 users would ask for 40 concurrent runs at once.
    developers = tuple(f"dev{i}" for i in range(40))
    waves = custom_resource_waves(
        render({}, developers=developers), template_dict(developers)["Resources"]
    )
    assert max(len(w) for w in waves.values()) == credentials.LANES + 1
    assert len(waves) == -(-41 // credentials.LANES)  # 41 users, 4 lanes


@pytest.mark.parametrize("variant", ["defaults", "federated roles, no IAM users"])
def test_every_invocation_answers_before_cloudformation_stops_waiting(
    variant: str,
) -> None:
    # FACTS async-invoke, service-timeout
    result = rendered(variant)
    functions = of_type(result, "AWS::Lambda::Function")
    if not functions:
        return
    (function,) = functions.values()
    (config,) = of_type(result, "AWS::Lambda::EventInvokeConfig").values()
    props = config["Properties"]
    assert props["MaximumRetryAttempts"] == 0  # a second Create makes a second key
    assert props["FunctionName"] == "CustomResourceFunction"
    age = props["MaximumEventAgeInSeconds"]
    assert 60 <= age <= 21600
    customs = {
        k: v for k, v in result["Resources"].items() if v["Type"].startswith("Custom::")
    }
    assert customs
    for name, custom in customs.items():
        timeout = custom["Properties"]["ServiceTimeout"]
        assert 1 <= timeout <= 3600
        # An event that starts at its last moment still answers in time.
        assert age + function["Properties"]["Timeout"] <= timeout, name
        # The retry setting exists before the first invocation.
        assert "CustomResourceInvokeConfig" in as_list(custom["DependsOn"]), name


# --- 2. what a Service Catalog launch needs --------------------------------------


def role_properties(environment: dict[str, Any]) -> set[tuple[str, str]]:
    """(type, property) pairs whose value is the ARN of a role of the template."""
    roles = {
        k for k, v in environment["Resources"].items() if v["Type"] == "AWS::IAM::Role"
    }
    found = set()
    for resource in environment["Resources"].values():
        if resource["Type"] in (
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Policy",
            "AWS::KMS::Key",
        ):
            continue  # policies that name a role, not passing it
        for prop, value in resource.get("Properties", {}).items():
            for node in walk_dicts(value):
                target = node.get("Fn::GetAtt")
                if target and target[0] in roles and target[1] == "Arn":
                    found.add((resource["Type"], prop))
    return found


def test_every_role_the_template_passes_is_known_to_the_launch_role() -> None:
    environment = template_dict()
    assert role_properties(environment) == set(sc.ROLE_PROPERTIES)


@pytest.mark.parametrize("variant", sorted(MATRIX))
def test_launch_role_holds_everything_the_environment_needs(variant: str) -> None:
    # FACTS launch-role, getazs
    environment = template_dict()
    result = rendered(variant)
    portfolio = sc.build_portfolio_template(environment).to_dict()
    statements = [
        s
        for name, r in portfolio["Resources"].items()
        if name.startswith("LaunchPolicy")
        for s in statements_of(r["Properties"]["PolicyDocument"])
    ]
    granted = {
        a.lower()
        for s in statements
        if s["Effect"] == "Allow"
        for a in as_list(s["Action"])
    }
    needed = set()
    for resource in result["Resources"].values():
        needed |= {
            a.lower()
            for a in ps.type_permissions(resource["Type"])
            if ps.is_iam_action(a) and a.lower() != "iam:passrole"
        } - sc.NOT_GRANTED  # creating Identity Center users and groups
    needed |= {a.lower() for a in sc.intrinsic_permissions(environment)}
    if any(r["Type"].startswith("Custom::") for r in result["Resources"].values()):
        needed.add("lambda:invokefunction")
    needed.add("s3:getobject")  # the template URL
    assert needed <= granted, sorted(needed - granted)[:10]
    # iam:PassRole only on the environment's roles, each to its service.
    passing = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert passing
    for stmt in passing:
        assert as_list(stmt["Action"]) == ["iam:PassRole"]
        assert "*" not in as_list(stmt["Resource"])
        assert "iam:PassedToService" in stmt["Condition"]["StringEquals"]
    # Each role passed, as named in a provisioned product's stack (SC-...), under
    # its path; an unnamed one as CloudFormation names it.
    product = render_product(MATRIX[variant], DEVS)
    for resource in product["Resources"].values():
        for prop, value in resource.get("Properties", {}).items():
            service = sc.ROLE_PROPERTIES.get((resource["Type"], prop))
            if service is None:
                continue
            logical = value.split(".")[0]
            role = product["Resources"][logical]["Properties"]
            name = role.get("RoleName") or generated(logical, 64)
            path = role.get("Path", "/")
            assert any(
                stmt["Condition"]["StringEquals"]["iam:PassedToService"] == service
                and any(
                    fnmatch.fnmatchcase(
                        f"role{path}{name}",
                        str(r["Fn::Sub"])
                        .replace("${AWS::Region}", PRODUCT_REGION)
                        .rsplit(":", 1)[-1],
                    )
                    for r in as_list(stmt["Resource"])
                )
                for stmt in passing
            ), (resource["Type"], prop, name)


def test_getazs_needs_are_found_where_the_function_is_used() -> None:
    # FACTS getazs: no resource schema lists these.
    assert sc.intrinsic_permissions({"A": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}) >= {
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeAccountAttributes",
    }
    assert sc.intrinsic_permissions(template_dict()) == set()  # AZ IDs instead


# --- 3. IAM Identity Center roles ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("idp-admins", True),
        ("", True),
        ("AWSReservedSSO_AdministratorAccess_0123456789abcdef", False),
        ("AWSReservedSSO_x", False),
        ("team-AWSReservedSSO_x", True),
        ("x" * 65, False),
    ],
)
def test_identity_center_roles_are_refused(name: str, ok: bool) -> None:
    # FACTS sso-roles
    assert bool(re.fullmatch(ROLE_NAMES_PATTERN.strip("^$"), name)) is ok
    params = template_dict()["Parameters"]
    for key in ("AdminRoleNames", "DeveloperRoleNames"):
        assert params[key]["AllowedPattern"] == ROLE_NAMES_PATTERN
        assert "permission set" in params[key]["ConstraintDescription"]


def test_outputs_name_the_policies_for_permission_sets() -> None:
    outputs = render({"NamePrefix": "qa-"})["Outputs"]
    assert outputs["AdminPolicyName"]["Value"] == "qa-emrs-interactive-app-admin-policy"
    assert outputs["DeveloperPolicyName"]["Value"] == (
        "qa-emrs-interactive-app-dev-policy"
    )


# --- 4. IAM and CloudFormation quotas at the stated maximum ----------------------


def longest_names(count: int) -> tuple[str, ...]:
    return tuple(f"{i:0{USER_NAME_MAX}d}" for i in range(count))


@pytest.fixture(scope="module")
def at_maximum() -> tuple[int, dict[str, Any], int]:
    most = max_developers()
    template = build_template(Options(developers=longest_names(most)))
    return most, template.to_dict(), len(template.to_yaml().encode("utf-8"))


def test_every_quota_holds_at_the_stated_maximum(at_maximum) -> None:
    # FACTS iam-quotas, cfn-quotas
    most, template, size = at_maximum
    measured = limits.measures(template, size)
    assert [str(m) for m in measured if m.over] == []
    kinds = {m.what.split(" of ")[0].split(" attached")[0] for m in measured}
    assert {
        "resources",
        "outputs",
        "template bytes",
        "managed policy AdminPolicy",
        "inline policies",
        "trust policy",
        "groups",
        "name",
        "managed policies",
    } <= kinds
    # Users' names are measured with the prefix at its longest: 64 characters.
    names = [m for m in measured if m.what.startswith("name of user")]
    assert names and max(m.value for m in names) == limits.USER_NAME_CHARS
    # One more developer is refused before anything is built or written.
    with pytest.raises(ConfigError, match=f"at most {most} developers"):
        build_within_limits(Options(developers=longest_names(most + 1)))
    # and the binding quota is nearly used up: it is not a round safety margin.
    binding = min(
        (m.limit - m.value) / m.limit for m in measured if m.what in ("resources",)
    )
    assert binding < 0.02


def test_policies_do_not_grow_with_developers(at_maximum) -> None:
    _most, template, _size = at_maximum
    small = build_template(Options(developers=longest_names(1))).to_dict()
    at_max = {m.what: m.value for m in limits.iam_measures(template)}
    at_one = {m.what: m.value for m in limits.iam_measures(small)}
    for what in (
        "managed policy AdminPolicy",
        "managed policy DeveloperPolicy",
        "inline policies of role CustomResourceRole",
    ):
        assert at_max[what] == at_one[what], what


def test_sizes_are_measured_at_the_longest_partition_and_region() -> None:
    resolver = limits.Resolver(template_dict())
    text = resolver.resolve({"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}"})
    assert text == f"arn:aws-us-gov:x:{regions.LONGEST_REGION}"
    assert len(regions.LONGEST_REGION) >= max(map(len, regions.EMR_SERVERLESS_REGIONS))
    assert len(regions.LONGEST_PARTITION) >= len("aws-iso-b")


def test_a_policy_past_its_quota_is_reported() -> None:
    template = template_dict()
    doc = template["Resources"]["AdminPolicy"]["Properties"]["PolicyDocument"]
    doc["Statement"].append(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["x" * 7000]}
    )
    problems = limits.problems(template, 1000)
    assert any(p.startswith("managed policy AdminPolicy") for p in problems)


def test_the_guide_states_the_true_maximum() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "docs" / "template.md").read_text()
    assert f"at most {max_developers()} developers" in readme


# --- 5. Availability Zones by ID, and the region rules ---------------------------


def failed_rules(region: str, overrides: dict[str, str]) -> list[str]:
    template = template_dict()
    values = parameter_values(template, **overrides) | {"AWS::Region": region}
    return Conditions(template, values).failed_rules()


@pytest.mark.parametrize(
    ("region", "overrides", "message"),
    [
        ("us-east-1", {"NumberOfAZs": "3"}, None),
        ("us-west-1", {}, None),
        (
            "us-west-1",
            {"NumberOfAZs": "3"},
            "set Number of Availability Zones (NumberOfAZs) to 2",
        ),
        (
            "cn-north-1",
            {"NumberOfAZs": "3"},
            "set Number of Availability Zones (NumberOfAZs) to 2",
        ),
        ("me-south-1", {}, "give an existing VPC"),
        ("me-south-1", EXISTING_VPC, "EMR Studio is not available"),
        ("me-south-1", {**EXISTING_VPC, "CreateStudio": "false"}, None),
        ("ap-south-2", {}, "EMR Studio is not available"),
        ("ca-west-1", {"CreateStudio": "false"}, None),
        # the registry knows AWS::EMR::Studio there (template/regions.py)
        ("ca-west-1", {}, None),
        ("mx-central-1", {}, None),
        ("ca-central-1", {}, None),
        (
            "ca-central-1",
            {"NumberOfAZs": "3"},
            "set Number of Availability Zones (NumberOfAZs) to 2",
        ),
        ("xx-nowhere-1", EXISTING_VPC, "EMR Serverless is not available"),
        (
            "xx-nowhere-1",
            {**EXISTING_VPC, "CreateApplication": "false", "CreateStudio": "false"},
            None,
        ),
        ("us-gov-west-1", {"NumberOfAZs": "3"}, None),
    ],
)
def test_region_rules(region: str, overrides: dict, message: str | None) -> None:
    # FACTS az-ids
    failed = failed_rules(region, overrides)
    if message is None:
        assert failed == []
    else:
        assert any(message in f for f in failed), failed


@pytest.mark.parametrize(("region", "azs"), [("us-east-1", "3"), ("eu-west-1", "3")])
def test_subnets_are_placed_by_served_az_id(region: str, azs: str) -> None:
    # FACTS az-ids: names map to different IDs per account; IDs do not.
    result = render({"NumberOfAZs": azs}, region=region)
    served = set(regions.EMR_SERVERLESS_AZ_IDS[region])
    subnets = of_type(result, "AWS::EC2::Subnet").values()
    ids = {s["Properties"]["AvailabilityZoneId"] for s in subnets}
    assert len(ids) == int(azs) and ids <= served
    assert "Fn::GetAZs" not in str(template_dict())


# --- 6. no NAT: the endpoints notebooks need -------------------------------------


@pytest.mark.parametrize("variant", ["no NAT", "no NAT with key", "defaults"])
def test_without_nat_the_application_reaches_glue_and_sts(variant: str) -> None:
    # FACTS glue-endpoints
    result = rendered(variant)
    endpoints = {
        e["Properties"]["ServiceName"].rsplit(".", 1)[-1]: e["Properties"]
        for e in of_type(result, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    }
    if MATRIX[variant].get("NatGateways") != "none":
        assert endpoints == {}
        return
    expected = {"glue", "sts"}
    if MATRIX[variant].get("EncryptionKey") == "customer-managed":
        expected.add("kms")
    assert set(endpoints) == expected
    group = result["Resources"]["InterfaceEndpointSecurityGroup"]["Properties"]
    (ingress,) = group["SecurityGroupIngress"]
    assert ingress["SourceSecurityGroupId"] == "ApplicationSecurityGroup"
    assert (ingress["FromPort"], ingress["ToPort"], ingress["IpProtocol"]) == (
        443,
        443,
        "tcp",
    )
    assert group["SecurityGroupEgress"][0]["CidrIp"] == "127.0.0.1/32"
    for props in endpoints.values():
        assert props["PrivateDnsEnabled"] is True
        assert props["SecurityGroupIds"] == ["InterfaceEndpointSecurityGroup"]
        assert clean(props["SubnetIds"]) == ["PrivateSubnet1", "PrivateSubnet2"]


# --- 7. the customer-managed key and EMR Studio ----------------------------------


def test_studio_can_use_the_key_through_s3_only() -> None:
    # FACTS studio-kms
    result = rendered("customer-managed key")
    policy = next(
        p["Properties"]
        for p in of_type(result, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == "emr-studio-service-policy"
    )
    statements = {s["Sid"]: s for s in clean(policy["PolicyDocument"])["Statement"]}
    assert set(statements["UseEnvironmentKey"]["Action"]) == {
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:DescribeKey",
    }
    key = result["Resources"]["EnvironmentKey"]["Properties"]["KeyPolicy"]
    by_sid = {s["Sid"]: s for s in key["Statement"]}
    studio = by_sid["StudioServiceRoleUsesKeyThroughS3"]
    assert studio["Principal"] == {"AWS": ["StudioServiceRole.Arn"]}
    conditions = studio["Condition"]["StringEquals"]
    assert conditions["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    assert conditions["kms:EncryptionContext:aws:s3:arn"].startswith(
        "arn:aws:s3:::emrserverless-interactive-blog-"
    )


def test_no_key_grant_that_can_never_apply_or_nobody_needs() -> None:
    result = rendered("customer-managed key")
    key = result["Resources"]["EnvironmentKey"]["Properties"]["KeyPolicy"]
    for stmt in key["Statement"]:
        context = [
            k
            for op in stmt.get("Condition", {}).values()
            for k in op
            if k.startswith("kms:EncryptionContext")
        ]
        if context:  # DescribeKey carries no encryption context
            assert "kms:DescribeKey" not in as_list(stmt["Action"]), stmt["Sid"]
    for doc in [p["Properties"]["PolicyDocument"] for p in of_type(
        result, "AWS::IAM::ManagedPolicy"
    ).values()]:  # fmt: skip
        for stmt in clean(doc)["Statement"]:
            assert "kms:Encrypt" not in as_list(stmt["Action"]), stmt["Sid"]


# --- 8 and 9. capacity, release labels, subnets ----------------------------------


def test_capacity_minimums_fit_one_notebook_session() -> None:
    # FACTS interactive-capacity: kernel worker + driver + one executor
    params = template_dict()["Parameters"]
    assert params["MaximumVcpu"]["MinValue"] == MIN_VCPU >= 3 * 4
    assert params["MaximumMemoryGb"]["MinValue"] == MIN_MEMORY_GB >= 3 * 16
    assert "24" in params["MaximumVcpu"]["Description"]


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("emr-6.14.0", True),
        ("emr-6.15.0", True),
        ("emr-7.0.0", True),
        ("emr-7.13.0", True),
        ("emr-6.13.0", False),
        ("emr-6.9.0", False),
        ("emr-spark-8.0.0", False),
        ("emr-7.13.0\n", False),
    ],
)
def test_release_labels(label: str, ok: bool) -> None:
    # FACTS release-labels
    assert bool(re.fullmatch(RELEASE_LABEL_PATTERN.strip("^$"), label)) is ok


def test_more_subnets_than_the_studio_takes_are_refused_before_aws(
    monkeypatch, capsys
) -> None:
    # FACTS studio-subnets: no Rule function can count list items.
    import boto3

    from generator import cli

    def no_aws(*_a: object, **_k: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(boto3, "Session", no_aws)
    subnets = ",".join(f"subnet-0{i}23abcd" for i in range(STUDIO_MAX_SUBNETS + 1))
    code = cli.main(
        ["deploy", "--stack-name", "s", "--yes", "--region", "us-east-1",
         "--parameter", "ExistingVpcId=vpc-0123abcd",
         "--parameter", f"ExistingPrivateSubnetIds={subnets}"]
    )  # fmt: skip
    assert code == 2
    assert "at most 5" in capsys.readouterr().err


# --- 10. smaller gaps ------------------------------------------------------------


def test_flow_log_role_trust_is_scoped_to_this_account() -> None:
    # FACTS flow-log-trust
    role = rendered("defaults")["Resources"]["FlowLogRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"]
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":vpc-flow-log/*")


def test_eni_attribute_changes_need_the_emr_tag() -> None:
    result = rendered("defaults")
    policy = next(
        p["Properties"]
        for p in of_type(result, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == "emr-studio-workspace-network-policy"
    )
    for stmt in policy["PolicyDocument"]["Statement"]:
        if stmt["Action"] == ["ec2:ModifyNetworkInterfaceAttribute"]:
            tag = "aws:ResourceTag/for-use-with-amazon-emr-managed-policies"
            assert stmt["Condition"]["StringEquals"][tag] == "true"
            break
    else:
        raise AssertionError("no ModifyNetworkInterfaceAttribute statement")
