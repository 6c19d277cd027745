"""The Service Catalog portfolio template, its launch role, and `emrs-env publish`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import boto3
import pytest
from cloud_radar.cf.unit import Template as RadarTemplate

from generator import __version__, cli
from generator.template import portfolio as sc
from generator.template import provisioning as ps
from generator.template.composer import build_template
from generator.template.config import Options
from tests.helpers import as_list, clean, of_type, template_dict

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
            for stmt in res["Properties"]["PolicyDocument"]["Statement"]:
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
        }
        assert needed <= granted, (resource_type, sorted(needed - granted)[:5])
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


def test_split_actions_respects_a_small_limit() -> None:
    actions = [f"ec2:Action{i:03d}" for i in range(100)]
    chunks = sc.split_actions(actions, limit=600)
    assert [a for c in chunks for a in c] == actions and len(chunks) > 3
    for chunk in chunks:
        assert sc.policy_size(sc._resources_document(chunk)) <= 600


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
    stack = rendered["Resources"]["LaunchPolicy1"]["Properties"]["PolicyDocument"]
    passing = [s for s in stack["Statement"] if "iam:PassRole" in as_list(s["Action"])]
    # One statement per service, each naming only the environment's roles.
    assert {
        clean(s)["Condition"]["StringEquals"]["iam:PassedToService"] for s in passing
    } == {
        "lambda.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
        "elasticmapreduce.amazonaws.com",
    }
    for pass_role in passing:
        for resource in as_list(pass_role["Resource"]):
            assert resource.startswith("arn:aws:iam::")
            assert resource.endswith(("role/SC-*", "role/*emr-studio-service-role"))


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
