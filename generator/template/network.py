"""The VPC: public and private subnets per AZ, NAT gateways, S3 endpoint, flow logs.

Or none of it, when the administrator names an existing VPC and its subnets.
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import (
    AWSHelperFn,
    Cidr,
    FindInMap,
    GetAtt,
    If,
    NoValue,
    Ref,
    Select,
    Sub,
    Template,
    ec2,
    iam,
    logs,
)
from troposphere.cloudformation import CustomResource
from troposphere.validators import integer

from generator.template.names import C, P, R, numbered, tags
from generator.template.placement import Drawn
from generator.template.policies import (
    LOG_GROUP_KEY_SKIP,
    flow_log_policy,
    flow_logs_trust,
)
from generator.template.regions import EMR_SERVERLESS_AZ_IDS

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("flowlogrole", "roles", "Flow-log role", (R.FLOW_LOG_ROLE,)),
    Drawn("vpc", "network", "VPC", (R.VPC, R.DEFAULT_SG_RULES)),
    Drawn("igw", "network", "Internet gateway", (R.IGW, R.IGW_ATTACHMENT,
          R.PUBLIC_ROUTE_TABLE, R.PUBLIC_ROUTE)),
    Drawn("private{i}", "network", "Private subnet {i}", ("PrivateSubnet{i}",
          "PrivateRouteTable{i}", "PrivateSubnetRouteTableAssociation{i}",
          "PrivateDefaultRoute{i}")),
    Drawn("public{i}", "network", "Public subnet {i}", ("PublicSubnet{i}",
          "PublicSubnetRouteTableAssociation{i}")),
    Drawn("nat{i}", "network", "NAT gateway {i}", ("NatGateway{i}", "NatEip{i}")),
    Drawn("s3endpoint", "network", "S3 gateway endpoint", (R.S3_ENDPOINT,)),
    Drawn("endpoints", "network", "Glue and STS interface endpoints",
          ("GlueInterfaceEndpoint", "StsInterfaceEndpoint", R.ENDPOINT_SG)),
    Drawn("kmsendpoint", "network", "KMS interface endpoint",
          ("KmsInterfaceEndpoint",)),
    Drawn("flowlogs", "network", "VPC flow logs", (R.FLOW_LOG, R.FLOW_LOG_GROUP)),
)  # fmt: skip
REPLACED = {
    "AWS::EC2::VPC": "the VPC",
    "AWS::EC2::Subnet": "subnets",
    "AWS::EC2::SecurityGroup": "security groups",
}


AZ_INDEXES = (1, 2, 3)
SUBNET_COUNT = 6  # three private /20s, then three public /20s
SUBNET_HOST_BITS = 12


@dataclass(frozen=True)
class Network:
    """What the other concerns need of the network."""

    vpc_id: AWSHelperFn
    private_subnet_ids: AWSHelperFn


def _per_az(index: int, two: str, three: str) -> str:
    return three if index == 3 else two


AZ_MAP = "EmrServerlessAvailabilityZones"
AZ_MAP_KEY = "AzIds"


def add_az_mapping(template: Template) -> None:
    """Per region, the AZ IDs EMR Serverless serves (generator/template/regions.py)."""
    template.add_mapping(
        AZ_MAP,
        {
            region: {AZ_MAP_KEY: list(ids)}
            for region, ids in sorted(EMR_SERVERLESS_AZ_IDS.items())
        },
    )


def _subnet(kind: str, index: int, offset: int, condition: str) -> ec2.Subnet:
    return ec2.Subnet(
        numbered(f"{kind}Subnet", index),
        Condition=condition,
        VpcId=Ref(R.VPC),
        # By AZ ID, not name: names map to different IDs in each account, and EMR
        # Serverless serves only some IDs of each region.
        AvailabilityZoneId=Select(
            index - 1, FindInMap(AZ_MAP, Ref("AWS::Region"), AZ_MAP_KEY)
        ),
        CidrBlock=Select(
            offset + index - 1, Cidr(Ref(P.VPC_CIDR), SUBNET_COUNT, SUBNET_HOST_BITS)
        ),
        MapPublicIpOnLaunch=False,
        Tags=tags(f"{kind.lower()}-{index}", emr_managed=kind == "Private"),
    )


def _association(
    kind: str, index: int, condition: str, subnet: ec2.Subnet, table: ec2.RouteTable
) -> ec2.SubnetRouteTableAssociation:
    return ec2.SubnetRouteTableAssociation(
        numbered(f"{kind}SubnetRouteTableAssociation", index),
        Condition=condition,
        SubnetId=Ref(subnet),
        RouteTableId=Ref(table),
    )


def no_egress() -> ec2.SecurityGroupRule:
    """The one egress rule that closes a group's default allow-all egress."""
    return ec2.SecurityGroupRule(
        Description="No outbound traffic (loopback only)",
        IpProtocol="-1",
        CidrIp="127.0.0.1/32",
    )


def new_private_subnet_ids() -> list:
    """The new VPC's private subnets (under CreateVpc only)."""
    new = [Ref(numbered("PrivateSubnet", 1)), Ref(numbered("PrivateSubnet", 2))]
    new.append(If(C.THREE_AZS, Ref(numbered("PrivateSubnet", 3)), NoValue))
    return new


def private_subnet_ids() -> If:
    """The new VPC's private subnets, or the existing ones given as parameters."""
    return If(C.CREATE_VPC, new_private_subnet_ids(), Ref(P.EXISTING_SUBNETS))


def add_network(template: Template, key_arn: AWSHelperFn) -> Network:
    """Add the VPC (when none is given) and return its handles."""
    add_az_mapping(template)
    add = template.add_resource
    vpc = add(
        ec2.VPC(
            R.VPC,
            Condition=C.CREATE_VPC,
            CidrBlock=Ref(P.VPC_CIDR),
            EnableDnsHostnames=True,
            EnableDnsSupport=True,
            Tags=tags("vpc", emr_managed=True),
        )
    )
    add(ec2.InternetGateway(R.IGW, Condition=C.HAS_NAT, Tags=tags("igw")))
    attachment = add(
        ec2.VPCGatewayAttachment(
            R.IGW_ATTACHMENT,
            Condition=C.HAS_NAT,
            VpcId=Ref(vpc),
            InternetGatewayId=Ref(R.IGW),
        )
    )
    public_rt = add(
        ec2.RouteTable(
            R.PUBLIC_ROUTE_TABLE,
            Condition=C.HAS_NAT,
            VpcId=Ref(vpc),
            Tags=tags("public"),
        )
    )
    add(
        ec2.Route(
            R.PUBLIC_ROUTE,
            Condition=C.HAS_NAT,
            DependsOn=[attachment],
            RouteTableId=Ref(public_rt),
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=Ref(R.IGW),
        )
    )
    private_rts = []
    for i in AZ_INDEXES:
        in_vpc = _per_az(i, C.CREATE_VPC, C.VPC_THREE_AZS)
        with_nat = _per_az(i, C.HAS_NAT, C.HAS_NAT_THREE_AZS)
        public = add(_subnet("Public", i, 3, with_nat))
        add(_association("Public", i, with_nat, public, public_rt))
        nat_condition = {1: C.HAS_NAT, 2: C.NAT_PER_AZ, 3: C.NAT_PER_AZ_THREE}[i]
        eip = add(
            ec2.EIP(
                numbered("NatEip", i),
                Condition=nat_condition,
                DependsOn=[attachment],
                Domain="vpc",
                Tags=tags(f"nat-{i}"),
            )
        )
        add(
            ec2.NatGateway(
                numbered("NatGateway", i),
                Condition=nat_condition,
                AllocationId=GetAtt(eip, "AllocationId"),
                SubnetId=Ref(public),
                Tags=tags(f"nat-{i}"),
            )
        )
        private = add(_subnet("Private", i, 0, in_vpc))
        rt = add(
            ec2.RouteTable(
                numbered("PrivateRouteTable", i),
                Condition=in_vpc,
                VpcId=Ref(vpc),
                Tags=tags(f"private-{i}"),
            )
        )
        private_rts.append(Ref(rt) if i < 3 else If(C.THREE_AZS, Ref(rt), NoValue))
        nat = Ref(numbered("NatGateway", 1))
        if i > 1:
            nat = If(C.NAT_PER_AZ, Ref(numbered("NatGateway", i)), nat)
        add(
            ec2.Route(
                numbered("PrivateDefaultRoute", i),
                Condition=with_nat,
                RouteTableId=Ref(rt),
                DestinationCidrBlock="0.0.0.0/0",
                NatGatewayId=nat,
            )
        )
        add(_association("Private", i, in_vpc, private, rt))
    add(
        ec2.VPCEndpoint(
            R.S3_ENDPOINT,
            Condition=C.CREATE_VPC,
            VpcId=Ref(vpc),
            ServiceName=Sub("com.amazonaws.${AWS::Region}.s3"),
            VpcEndpointType="Gateway",
            RouteTableIds=private_rts,
        )
    )
    _add_flow_logs(template, key_arn)
    return Network(
        vpc_id=If(C.CREATE_VPC, Ref(vpc), Ref(P.EXISTING_VPC)),
        private_subnet_ids=private_subnet_ids(),
    )


def vpc_arn(network: Network) -> Sub:
    """ARN of the environment's VPC, new or existing."""
    return Sub(
        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${Vpc}",
        Vpc=network.vpc_id,
    )


def default_group_arn() -> Sub:
    """ARN of the new VPC's default security group."""
    return Sub(
        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
        "security-group/${Group}",
        Group=GetAtt(R.VPC, "DefaultSecurityGroup"),
    )


class DefaultSecurityGroupRules(CustomResource):
    """Custom::DefaultSecurityGroup: removes every rule of a default group."""

    resource_type = "Custom::DefaultSecurityGroup"
    props = {
        "ServiceToken": (str, True),
        "ServiceTimeout": (integer, False),
        "GroupId": (str, True),
    }


def add_default_group_lockdown(
    template: Template, service_token: AWSHelperFn, service_timeout: int
) -> None:
    """Leave the new VPC's default security group without any rule."""
    template.add_resource(
        DefaultSecurityGroupRules(
            R.DEFAULT_SG_RULES,
            Condition=C.CREATE_VPC,
            DependsOn=[R.FUNCTION_INVOKE_CONFIG],
            ServiceToken=service_token,
            ServiceTimeout=service_timeout,
            GroupId=GetAtt(R.VPC, "DefaultSecurityGroup"),
        )
    )


def _add_flow_logs(template: Template, key_arn: AWSHelperFn) -> None:
    group = template.add_resource(
        logs.LogGroup(
            R.FLOW_LOG_GROUP,
            Condition=C.FLOW_LOGS,
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            RetentionInDays=Ref(P.LOG_RETENTION),
            KmsKeyId=If(C.CMK, key_arn, NoValue),
            Metadata=LOG_GROUP_KEY_SKIP,
        )
    )
    role = template.add_resource(
        iam.Role(
            R.FLOW_LOG_ROLE,
            Condition=C.FLOW_LOGS,
            AssumeRolePolicyDocument=flow_logs_trust(),
            Policies=[
                iam.Policy(
                    PolicyName="deliver-flow-logs",
                    PolicyDocument=flow_log_policy(GetAtt(group, "Arn")),
                )
            ],
        )
    )
    template.add_resource(
        ec2.FlowLog(
            R.FLOW_LOG,
            Condition=C.FLOW_LOGS,
            ResourceId=Ref(R.VPC),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(group),
            DeliverLogsPermissionArn=GetAtt(role, "Arn"),
            Tags=tags("flow-log"),
        )
    )


# Interface endpoints a VPC without NAT needs for notebooks: the Glue Data Catalog
# (Studio's default metastore for EMR Serverless) and STS; KMS with the
# customer-managed key. Application logs go to S3 (gateway endpoint).
PRIVATE_ENDPOINTS = (("Glue", "glue", C.PRIVATE_ENDPOINTS),
                     ("Sts", "sts", C.PRIVATE_ENDPOINTS),
                     ("Kms", "kms", C.PRIVATE_KMS_ENDPOINT))  # fmt: skip


def add_private_endpoints(template: Template, client_group: AWSHelperFn) -> None:
    """With NatGateways none: interface endpoints the application's group may use."""
    group = template.add_resource(
        ec2.SecurityGroup(
            R.ENDPOINT_SG,
            Condition=C.PRIVATE_ENDPOINTS,
            GroupDescription="Interface endpoints: HTTPS from the EMR Serverless "
            "application only.",
            VpcId=Ref(R.VPC),
            SecurityGroupIngress=[
                ec2.SecurityGroupRule(
                    Description="HTTPS from the application's workers",
                    IpProtocol="tcp",
                    FromPort=443,
                    ToPort=443,
                    SourceSecurityGroupId=client_group,
                )
            ],
            SecurityGroupEgress=[no_egress()],
            Tags=tags("endpoints"),
        )
    )
    for name, service, condition in PRIVATE_ENDPOINTS:
        template.add_resource(
            ec2.VPCEndpoint(
                f"{name}InterfaceEndpoint",
                Condition=condition,
                VpcId=Ref(R.VPC),
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Interface",
                PrivateDnsEnabled=True,
                SubnetIds=new_private_subnet_ids(),
                SecurityGroupIds=[Ref(group)],
            )
        )
