"""Render the template for a matrix of parameters and check the concrete result."""

from __future__ import annotations

import itertools

import pytest

from generator.scenarios import READINESS, used_by
from tests.helpers import clean, of_type, radar_render, render

MATRIX = list(
    itertools.product(
        ["2", "3"], ["one-per-az", "single", "none"], ["true", "false"], [True, False]
    )
)


@pytest.mark.parametrize(("azs", "nat", "users", "federated"), MATRIX)
def test_network_and_people(azs: str, nat: str, users: str, federated: bool) -> None:
    params = {"NumberOfAZs": azs, "NatGateways": nat, "CreateIamUsers": users}
    if federated:
        params |= {"AdminRoleNames": "idp-admins", "DeveloperRoleNames": "a,b"}
    rendered = render(params)
    n = int(azs)
    subnets = of_type(rendered, "AWS::EC2::Subnet")
    private = {k: v for k, v in subnets.items() if k.startswith("Private")}
    public = {k: v for k, v in subnets.items() if k.startswith("Public")}
    nats = of_type(rendered, "AWS::EC2::NatGateway")
    eips = of_type(rendered, "AWS::EC2::EIP")
    tables = of_type(rendered, "AWS::EC2::RouteTable")
    routes = of_type(rendered, "AWS::EC2::Route")
    expected_nats = {"one-per-az": n, "single": 1, "none": 0}[nat]

    assert len(private) == n
    assert len(public) == (n if nat != "none" else 0)
    assert len(nats) == len(eips) == expected_nats
    assert len(tables) == n + (1 if nat != "none" else 0)
    azs_used = {s["Properties"]["AvailabilityZoneId"] for s in subnets.values()}
    # By AZ ID, from the IDs EMR Serverless serves in us-east-1 (in their order).
    assert azs_used == set(["use1-az1", "use1-az2", "use1-az4"][:n])
    assert all("AvailabilityZone" not in s["Properties"] for s in subnets.values())
    cidrs = [s["Properties"]["CidrBlock"] for s in subnets.values()]
    assert len(set(cidrs)) == len(cidrs)
    assert all(c.endswith("/20") and c.startswith("10.0.") for c in cidrs)

    for i in range(1, n + 1):
        route = routes.get(f"PrivateDefaultRoute{i}")
        if nat == "none":
            assert route is None
            continue
        assert route["Properties"]["RouteTableId"] == f"PrivateRouteTable{i}"
        want = f"NatGateway{i}" if nat == "one-per-az" else "NatGateway1"
        assert route["Properties"]["NatGatewayId"] == want
        assert route["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    if nat != "none":
        public_route = routes["PublicDefaultRoute"]["Properties"]
        assert public_route["GatewayId"] == "InternetGateway"
    for name, gateway in nats.items():
        i = name[-1]
        assert gateway["Properties"]["SubnetId"] == f"PublicSubnet{i}"

    endpoints = of_type(rendered, "AWS::EC2::VPCEndpoint")
    endpoint = endpoints.pop("S3GatewayEndpoint")
    assert endpoint["Properties"]["ServiceName"] == "com.amazonaws.us-east-1.s3"
    interface = {e["Properties"]["ServiceName"] for e in endpoints.values()}
    if nat == "none":  # Glue and STS for the application, without NAT
        assert interface == {
            "com.amazonaws.us-east-1.glue",
            "com.amazonaws.us-east-1.sts",
        }
    else:
        assert interface == set()
    assert sorted(clean(endpoint["Properties"]["RouteTableIds"])) == [
        f"PrivateRouteTable{i}" for i in range(1, n + 1)
    ]

    iam_users = of_type(rendered, "AWS::IAM::User")
    groups = of_type(rendered, "AWS::IAM::Group")
    assert len(iam_users) == (2 if users == "true" else 0)
    assert len(groups) == (2 if users == "true" else 0)
    policies = {
        p["Properties"]["ManagedPolicyName"]: clean(p["Properties"])
        for p in of_type(rendered, "AWS::IAM::ManagedPolicy").values()
    }
    admin = policies["emrs-interactive-app-admin-policy"]
    dev = policies["emrs-interactive-app-dev-policy"]
    assert admin.get("Groups") == (["AdminGroup"] if users == "true" else None)
    assert dev.get("Groups") == (["DeveloperGroup"] if users == "true" else None)
    assert admin.get("Roles") == (["idp-admins"] if federated else None)
    assert dev.get("Roles") == (["a", "b"] if federated else None)


def test_users_are_members_of_their_groups() -> None:
    rendered = render(developers=("ana", "bo.b"))
    users = of_type(rendered, "AWS::IAM::User")
    by_name = {
        u["Properties"]["UserName"]: u["Properties"]["Groups"] for u in users.values()
    }
    assert by_name == {
        "emrs-interactive-app-admin-user": ["AdminGroup"],
        "ana": ["DeveloperGroup"],
        "bo.b": ["DeveloperGroup"],
    }


def test_bucket_defaults_to_the_seed_name_and_is_retained() -> None:
    rendered = render(region="eu-west-1")
    (bucket,) = of_type(rendered, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert (
        props["BucketName"] == "emrserverless-interactive-blog-555555555555-eu-west-1"
    )
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    block = props["PublicAccessBlockConfiguration"]
    assert all(block[k] is True for k in block) and len(block) == 4
    rule = props["OwnershipControls"]["Rules"][0]
    assert rule["ObjectOwnership"] == "BucketOwnerEnforced"
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    (policy,) = of_type(rendered, "AWS::S3::BucketPolicy").values()
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_bucket_name_and_prefix_parameters() -> None:
    named = render({"BucketName": "my-notebooks"})
    (bucket,) = of_type(named, "AWS::S3::Bucket").values()
    assert bucket["Properties"]["BucketName"] == "my-notebooks"
    prefixed = render({"NamePrefix": "dev-"})
    (bucket,) = of_type(prefixed, "AWS::S3::Bucket").values()
    assert bucket["Properties"]["BucketName"].startswith("dev-emrserverless-")
    roles = {
        r["Properties"].get("RoleName")
        for r in of_type(prefixed, "AWS::IAM::Role").values()
    }
    assert {"dev-emr-serverless-runtime-role", "dev-emr-studio-service-role"} <= roles


def test_vpc_cidr_drives_every_subnet() -> None:
    rendered = render({"VpcCidr": "172.20.0.0/16", "NumberOfAZs": "3"})
    cidrs = sorted(
        s["Properties"]["CidrBlock"]
        for s in of_type(rendered, "AWS::EC2::Subnet").values()
    )
    assert cidrs == [f"172.20.{i * 16}.0/20" for i in range(6)]


def test_role_trust_policies() -> None:
    rendered = render()
    roles = of_type(rendered, "AWS::IAM::Role")
    runtime = roles["RuntimeRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    assert runtime["Principal"] == {"Service": ["emr-serverless.amazonaws.com"]}
    assert runtime["Condition"]["StringEquals"] == {"aws:SourceAccount": "555555555555"}
    studio = roles["StudioServiceRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    assert studio["Principal"] == {"Service": ["elasticmapreduce.amazonaws.com"]}
    assert studio["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "555555555555"},
        "ArnLike": {
            "aws:SourceArn": "arn:aws:elasticmapreduce:us-east-1:555555555555:*"
        },
    }


def test_unique_bucket_name_is_new_for_every_stack(monkeypatch) -> None:
    """A recreated stack (same name, new stack ID) gets a new bucket name, within
    S3's 63 characters at the longest prefix and region."""
    from cloud_radar.cf.unit import Template as RadarTemplate

    from generator.template import limits
    from generator.template.names import R
    from tests.helpers import template_dict

    names = []
    for uuid in ("0f3a9c12-aaaa-bbbb-cccc-000000000000",
                 "7d00e4b1-aaaa-bbbb-cccc-000000000000"):  # fmt: skip
        monkeypatch.setattr(
            RadarTemplate, "StackId",
            f"arn:aws:cloudformation:eu-west-1:555555555555:stack/emrs/{uuid}",
        )  # fmt: skip
        rendered = render({"UniqueBucketName": "true"}, region="eu-west-1")
        names.append(rendered["Resources"][R.BUCKET]["Properties"]["BucketName"])
    assert names == [
        "emrs-notebooks-555555555555-eu-west-1-0f3a9c12",
        "emrs-notebooks-555555555555-eu-west-1-7d00e4b1",
    ]
    template = template_dict()
    named = template["Resources"][R.BUCKET]["Properties"]["BucketName"]
    unique = named["Fn::If"][1]["Fn::If"][1]  # BucketName empty, UniqueBucketName
    longest = limits.Resolver(template).resolve(unique)
    assert "emrs-notebooks-" in longest and len(longest) <= 63, longest


def test_unique_bucket_name_refuses_a_bucket_name() -> None:
    from tests.helpers import template_dict

    (assertion,) = template_dict()["Rules"]["UniqueBucketNameNeedsNoBucketName"][
        "Assertions"
    ]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "BucketName"}, ""]}
    assert (
        "leave Notebook bucket name (BucketName) empty"
        in assertion["AssertDescription"]
    )


def test_the_yaml_uses_only_the_short_forms_aws_documents() -> None:
    """Rule functions have no documented short form; a reader that meets an unknown
    tag may drop it silently (rain issue 612), so they are written in full."""
    import json
    import re
    from pathlib import Path

    from generator.template.render import SHORT_FORMS, parse_template

    build = Path(__file__).resolve().parents[2] / "build"
    text = (build / "emr-serverless-interactive.yaml").read_text()
    tags = set(re.findall(r"(?:^|[\s\[,-])!([A-Za-z]+)\b", text, re.M))
    assert tags and tags <= SHORT_FORMS, tags - SHORT_FORMS
    assert "Fn::Contains" in text and "!Contains" not in text
    as_json = json.loads((build / "emr-serverless-interactive.json").read_text())
    assert parse_template(text) == as_json


# --- the renderer against cloud-radar, the independent oracle ----------------------


def _differences(ours: object, theirs: object, path: str = "") -> list[str]:
    """Where two rendered values differ, as paths. One difference is AWS's own:
    AWS::NoValue in an Fn::Join list leaves the list (CloudFormation User Guide,
    "Pseudo parameters reference": AWS::NoValue removes the value), where
    cloud-radar leaves an empty item; strings equal once empty items go are the
    same."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = set(ours) | set(theirs)
        return [
            d
            for k in sorted(keys)
            for d in (
                _differences(ours[k], theirs[k], f"{path}/{k}")
                if k in ours and k in theirs
                else [f"{path}/{k}"]
            )
        ]
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [path]
        pairs = enumerate(zip(ours, theirs, strict=True))
        return [d for i, pair in pairs for d in _differences(*pair, f"{path}[{i}]")]
    if isinstance(ours, str) and isinstance(theirs, str) and ours != theirs:
        parts = [p for p in theirs.split(",") if p]
        return [] if ",".join(parts) == ours else [path]
    return [] if ours == theirs else [path]


@pytest.mark.parametrize("name", sorted(used_by(READINESS)))
def test_the_renderer_agrees_with_cloud_radar(name: str) -> None:
    values = used_by(READINESS)[name]
    ours, theirs = clean(render(values)), clean(radar_render(values))
    for section in ("Resources", "Outputs"):
        assert _differences(ours[section], theirs[section], section) == []


def test_the_comparison_sees_a_difference() -> None:
    assert _differences({"a": ["x", "y,z"]}, {"a": ["x", "y,z,"]}) == []
    assert _differences({"a": "PrivateSubnet1"}, {"a": "PrivateSubnet2"}) == ["/a"]
    assert _differences({"a": [1]}, {"a": [1, 2]}) == ["/a"]
