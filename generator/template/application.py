"""The interactive EMR Serverless Spark application, enabled for EMR Studio."""

from __future__ import annotations

from troposphere import AWSHelperFn, If, Ref, Sub, Template, ec2
from troposphere import emrserverless as emrs

from generator.template import names
from generator.template.names import C, P, R, prefixed, tags
from generator.template.network import Network
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("application", "emr", "Interactive Spark application",
          (R.APPLICATION, R.APPLICATION_SG)),
)  # fmt: skip
REPLACED = {"AWS::EMRServerless::Application": "the application"}


def add_application_group(template: Template, network: Network) -> ec2.SecurityGroup:
    """The application workers' egress-only security group."""
    return template.add_resource(
        ec2.SecurityGroup(
            R.APPLICATION_SG,
            Condition=C.CREATE_APPLICATION,
            GroupDescription="EMR Serverless application workers: no inbound; "
            "outbound for packages, S3 and data sources.",
            VpcId=network.vpc_id,
            SecurityGroupEgress=[
                ec2.SecurityGroupRule(
                    Description="Outbound to data sources and package repositories",
                    IpProtocol="-1",
                    CidrIp="0.0.0.0/0",
                )
            ],
            Tags=tags(names.APPLICATION_TAG, emr_managed=True),
        )
    )


def add_application(
    template: Template,
    network: Network,
    bucket: AWSHelperFn,
    group: ec2.SecurityGroup,
) -> emrs.Application:
    """Add the interactive Spark application in the private subnets."""
    return template.add_resource(
        emrs.Application(
            R.APPLICATION,
            Condition=C.CREATE_APPLICATION,
            Name=prefixed(names.APPLICATION_NAME),
            Type="Spark",
            ReleaseLabel=Ref(P.RELEASE_LABEL),
            Architecture=Ref(P.ARCHITECTURE),
            AutoStartConfiguration=emrs.AutoStartConfiguration(Enabled=True),
            AutoStopConfiguration=emrs.AutoStopConfiguration(
                Enabled=True, IdleTimeoutMinutes=Ref(P.IDLE_TIMEOUT)
            ),
            MaximumCapacity=emrs.MaximumAllowedResources(
                Cpu=Sub(f"${{{P.MAX_VCPU}}} vCPU"),
                Memory=Sub(f"${{{P.MAX_MEMORY}}} GB"),
            ),
            InteractiveConfiguration=emrs.InteractiveConfiguration(
                StudioEnabled=True,
                LivyEndpointEnabled=If(C.LIVY, True, False),
            ),
            NetworkConfiguration=emrs.NetworkConfiguration(
                SubnetIds=network.private_subnet_ids,
                SecurityGroupIds=[Ref(group)],
            ),
            MonitoringConfiguration=emrs.MonitoringConfiguration(
                S3MonitoringConfiguration=emrs.S3MonitoringConfiguration(
                    LogUri=Sub("s3://${Bucket}/logs/", Bucket=bucket)
                )
            ),
            Tags=tags(names.APPLICATION_TAG),
        )
    )
