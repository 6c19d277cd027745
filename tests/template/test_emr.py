"""EMR Studio, the interactive application and the network choices, rendered."""

from __future__ import annotations

import itertools

import pytest

from tests.helpers import clean, of_type, policy_documents, render

EXISTING = {
    "ExistingVpcId": "vpc-0123456789abcdef0",
    "ExistingPrivateSubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
}
MATRIX = list(
    itertools.product(
        ["true", "false"],  # CreateStudio
        ["true", "false"],  # CreateApplication
        ["true", "false"],  # EnableLivyEndpoint
        ["new-one-per-az", "new-none", "existing"],
    )
)


def params_for(studio: str, app: str, livy: str, network: str) -> dict[str, str]:
    params = {
        "CreateStudio": studio,
        "CreateApplication": app,
        "EnableLivyEndpoint": livy,
    }
    if network == "existing":
        return params | EXISTING
    return params | {"NatGateways": network.removeprefix("new-")}


def ingress_rules(rendered: dict) -> list[dict]:
    rules = []
    for group in of_type(rendered, "AWS::EC2::SecurityGroup").values():
        rules += clean(group["Properties"]).get("SecurityGroupIngress", [])
    rules += [
        r["Properties"]
        for r in of_type(rendered, "AWS::EC2::SecurityGroupIngress").values()
    ]
    return rules


@pytest.mark.parametrize(("studio", "app", "livy", "network"), MATRIX)
def test_emr_matrix(studio: str, app: str, livy: str, network: str) -> None:
    rendered = render(params_for(studio, app, livy, network))
    studios = of_type(rendered, "AWS::EMR::Studio")
    apps = of_type(rendered, "AWS::EMRServerless::Application")
    assert len(studios) == (studio == "true")
    assert len(apps) == (app == "true")
    subnets = (
        ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
        if network == "existing"
        else ["PrivateSubnet1", "PrivateSubnet2"]
    )
    vpc = EXISTING["ExistingVpcId"] if network == "existing" else "Vpc"
    for res in studios.values():
        props = clean(res["Properties"])
        assert props["AuthMode"] == "IAM"
        assert props["SubnetIds"] == subnets and props["VpcId"] == vpc
        assert props["ServiceRole"] == "StudioServiceRole.Arn"
        assert props["DefaultS3Location"] == "s3://NotebookBucket/studio/"
    for res in apps.values():
        props = clean(res["Properties"])
        assert props["Type"] == "Spark"
        assert props["InteractiveConfiguration"] == {
            "StudioEnabled": True,
            "LivyEndpointEnabled": livy == "true",
        }
        assert props["NetworkConfiguration"]["SubnetIds"] == subnets
        assert props["AutoStopConfiguration"] == {
            "Enabled": True,
            "IdleTimeoutMinutes": 15,
        }
        assert props["MaximumCapacity"] == {"Cpu": "32 vCPU", "Memory": "128 GB"}
        log_uri = props["MonitoringConfiguration"]["S3MonitoringConfiguration"][
            "LogUri"
        ]
        assert log_uri == "s3://NotebookBucket/logs/"

    for rule in ingress_rules(rendered):
        assert (
            rule.get("CidrIp") not in ("0.0.0.0/0",) and rule.get("CidrIpv6") != "::/0"
        )
    assert ("Vpc" in rendered["Resources"]) == (network != "existing")
    if network == "existing":
        for kind in (
            "AWS::EC2::Subnet",
            "AWS::EC2::NatGateway",
            "AWS::EC2::VPCEndpoint",
        ):
            assert of_type(rendered, kind) == {}

    livy_on = livy == "true" and app == "true"
    docs = policy_documents(rendered)
    for name in (
        "emrs-interactive-app-admin-policy",
        "emrs-interactive-app-dev-policy",
    ):
        actions = {a for s in docs[name]["Statement"] for a in s["Action"]}
        assert ("emr-serverless:AccessLivyEndpoints" in actions) == livy_on, name

    outputs = rendered["Outputs"]
    assert ("StudioUrl" in outputs) == (studio == "true")
    assert ("ApplicationId" in outputs) == (app == "true")
    both = studio == "true" and app == "true"
    assert ("StudioServerlessApplicationsUrl" in outputs) == both


def test_security_group_rules_exactly() -> None:
    rendered = render()
    groups = of_type(rendered, "AWS::EC2::SecurityGroup")
    workspace = clean(groups["StudioWorkspaceSecurityGroup"]["Properties"])
    engine = clean(groups["StudioEngineSecurityGroup"]["Properties"])
    app = clean(groups["ApplicationSecurityGroup"]["Properties"])
    assert "SecurityGroupIngress" not in workspace
    assert "SecurityGroupIngress" not in engine and "SecurityGroupIngress" not in app
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"])
        for r in workspace["SecurityGroupEgress"]
    ] == [("tcp", 443, 443, "0.0.0.0/0")]
    assert [(r["IpProtocol"], r["CidrIp"]) for r in engine["SecurityGroupEgress"]] == [
        ("-1", "127.0.0.1/32")
    ]  # fmt: skip
    (ingress,) = of_type(rendered, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"] | {"Description": ""} == {
        "Description": "",
        "GroupId": "StudioEngineSecurityGroup",
        "SourceSecurityGroupId": "StudioWorkspaceSecurityGroup",
        "IpProtocol": "tcp",
        "FromPort": 18888,
        "ToPort": 18888,
    }
    (egress,) = of_type(rendered, "AWS::EC2::SecurityGroupEgress").values()
    assert egress["Properties"]["GroupId"] == "StudioWorkspaceSecurityGroup"
    assert (
        egress["Properties"]["DestinationSecurityGroupId"]
        == "StudioEngineSecurityGroup"
    )
    assert egress["Properties"]["FromPort"] == egress["Properties"]["ToPort"] == 18888
    for group in groups.values():
        tags = {t["Key"]: t["Value"] for t in group["Properties"]["Tags"]}
        assert tags["for-use-with-amazon-emr-managed-policies"] == "true"


def test_vpc_and_private_subnets_carry_the_emr_tag() -> None:
    rendered = render()
    tagged = [rendered["Resources"]["Vpc"]] + [
        s
        for n, s in of_type(rendered, "AWS::EC2::Subnet").items()
        if n.startswith("Private")
    ]
    for res in tagged:
        tags = {t["Key"]: t["Value"] for t in res["Properties"]["Tags"]}
        assert tags["for-use-with-amazon-emr-managed-policies"] == "true"


def test_application_parameters_flow_through() -> None:
    rendered = render(
        {
            "ReleaseLabel": "emr-6.14.0",
            "Architecture": "ARM64",
            "IdleTimeoutMinutes": "60",
            "MaximumVcpu": "12",
            "MaximumMemoryGb": "48",
        }
    )
    (app,) = of_type(rendered, "AWS::EMRServerless::Application").values()
    props = app["Properties"]
    assert props["ReleaseLabel"] == "emr-6.14.0" and props["Architecture"] == "ARM64"
    assert props["AutoStopConfiguration"]["IdleTimeoutMinutes"] == "60"
    assert props["MaximumCapacity"] == {"Cpu": "12 vCPU", "Memory": "48 GB"}
