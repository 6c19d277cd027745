"""EMR Studio in IAM or SSO mode, with the two security groups AWS requires."""

from __future__ import annotations

from typing import Any

from troposphere import (
    AWSHelperFn,
    GetAtt,
    If,
    NoValue,
    Ref,
    Select,
    Split,
    Sub,
    Template,
    ec2,
    emr,
    iam,
)

from generator.template import names, policies
from generator.template.names import C, P, R, tags
from generator.template.network import Network, no_egress
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("studio", "emr", "EMR Studio<br/>workspace and engine security groups",
          (R.STUDIO, R.WORKSPACE_SG, R.ENGINE_SG, R.ENGINE_INGRESS,
           R.WORKSPACE_EGRESS_ENGINE)),
)  # fmt: skip
REPLACED = {
    "AWS::EMR::Studio": "the EMR Studio (workspaces stay with the old Studio, which "
    "is deleted; their files stay in the bucket)",
}


NOTEBOOK_PORT = 18888


def add_studio_network_policy(template: Template, studio_role: iam.Role) -> None:
    """What the Studio service role needs for workspace network interfaces."""
    template.add_resource(
        iam.ManagedPolicy(
            R.STUDIO_NETWORK_POLICY,
            ManagedPolicyName=names.iam_name(names.STUDIO_NETWORK_POLICY),
            Description="Lets EMR Studio manage workspace network interfaces in "
            "resources tagged for EMR.",
            PolicyDocument=policies.studio_network_policy(),
            Roles=[Ref(studio_role)],
        )
    )


def _group(
    logical: str, name: str, description: str, **props: Any
) -> ec2.SecurityGroup:
    return ec2.SecurityGroup(
        logical,
        Condition=C.CREATE_STUDIO,
        GroupDescription=description,
        Tags=tags(name, emr_managed=True),
        **props,
    )


def add_studio(
    template: Template,
    network: Network,
    bucket: AWSHelperFn,
    studio_role: iam.Role,
    key_arn: AWSHelperFn,
    user_role_arn: AWSHelperFn,
) -> emr.Studio:
    """Add the Studio and its workspace and engine security groups; in Identity
    Center mode it assumes `user_role_arn` for its users."""
    add = template.add_resource
    workspace = add(
        _group(
            R.WORKSPACE_SG,
            "studio-workspace",
            "EMR Studio workspaces: no inbound; out to the engine and HTTPS for Git.",
            VpcId=network.vpc_id,
            SecurityGroupEgress=[
                ec2.SecurityGroupRule(
                    Description="HTTPS to Git repositories",
                    IpProtocol="tcp",
                    FromPort=443,
                    ToPort=443,
                    CidrIp="0.0.0.0/0",
                )
            ],
        )
    )
    engine = add(
        _group(
            R.ENGINE_SG,
            "studio-engine",
            "EMR Studio engine: notebook traffic from workspaces only.",
            VpcId=network.vpc_id,
            SecurityGroupEgress=[no_egress()],
        )
    )
    add(
        ec2.SecurityGroupIngress(
            R.ENGINE_INGRESS,
            Condition=C.CREATE_STUDIO,
            Description="Notebook traffic from EMR Studio workspaces",
            GroupId=Ref(engine),
            SourceSecurityGroupId=Ref(workspace),
            IpProtocol="tcp",
            FromPort=NOTEBOOK_PORT,
            ToPort=NOTEBOOK_PORT,
        )
    )
    add(
        ec2.SecurityGroupEgress(
            R.WORKSPACE_EGRESS_ENGINE,
            Condition=C.CREATE_STUDIO,
            Description="Notebook traffic to the EMR Studio engine",
            GroupId=Ref(workspace),
            DestinationSecurityGroupId=Ref(engine),
            IpProtocol="tcp",
            FromPort=NOTEBOOK_PORT,
            ToPort=NOTEBOOK_PORT,
        )
    )
    return add(
        emr.Studio(
            R.STUDIO,
            Condition=C.CREATE_STUDIO,
            # Deleted before its role's policies: deleting the Studio and its
            # workspaces' network interfaces needs the role's permissions.
            DependsOn=[R.STUDIO_POLICY, R.STUDIO_NETWORK_POLICY],
            Name=studio_name(),
            Description=Sub("EMR Studio of emrs-env stack ${AWS::StackName}"),
            # EMR Management Guide, "Set up IAM Identity Center authentication
            # mode for Amazon EMR Studio": SSO mode names the instance and the
            # user role EMR Studio assumes for signed-in users. Assignment is
            # REQUIRED: only mapped groups and users open the Studio, each with
            # its session policy. OPTIONAL would let every user of the instance
            # in, and AWS documents no session policy for an unmapped user, so
            # they could hold the user role's whole (administrator) permissions.
            AuthMode=If(C.IDENTITY_CENTER, "SSO", "IAM"),
            IdcInstanceArn=If(C.IDENTITY_CENTER, Ref(P.IDC_INSTANCE), NoValue),
            IdcUserAssignment=If(C.IDENTITY_CENTER, "REQUIRED", NoValue),
            UserRole=If(C.IDENTITY_CENTER, user_role_arn, NoValue),
            DefaultS3Location=Sub("s3://${Bucket}/studio/", Bucket=bucket),
            EncryptionKeyArn=If(C.CMK, key_arn, NoValue),
            ServiceRole=GetAtt(studio_role, "Arn"),
            VpcId=network.vpc_id,
            SubnetIds=network.private_subnet_ids,
            EngineSecurityGroupId=Ref(engine),
            WorkspaceSecurityGroupId=Ref(workspace),
            Tags=tags("studio"),
        )
    )


def studio_name() -> Sub:
    """The Studio's name, which changes whenever a create-only property's source
    changes (the key, the service role's name, the VPC), so the Studio that
    replaces the old one never shares its name. CreateStudio documents no name
    uniqueness rule ("CreateStudio", Amazon EMR API Reference, lists no conflict
    error) and Name updates in place; a name of its own costs nothing if names need
    not be unique and saves the replacement if they must."""
    return Sub(
        f"${{{P.NAME_PREFIX}}}{names.STUDIO_NAME}${{Key}}${{Sso}}${{Region}}${{Vpc}}",
        Key=If(C.CMK, "-cmk", ""),
        # the instance's ID (arn:...:instance/ssoins-...), padded so that an empty
        # parameter still splits in two
        Sso=If(
            C.IDENTITY_CENTER,
            Sub(
                "-${Id}",
                Id=Select(1, Split("/", Sub(f"${{{P.IDC_INSTANCE}}}/"))),
            ),
            "",
        ),
        Region=If(C.REGIONAL_IAM, Sub("-${AWS::Region}"), ""),
        Vpc=If(C.CREATE_VPC, "", Sub(f"-${{{P.EXISTING_VPC}}}")),
    )
