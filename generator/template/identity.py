"""Roles, the seed's managed policies, groups, users and federated roles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from awacs.aws import PolicyDocument, Statement
from troposphere import AWSHelperFn, GetAtt, If, NoValue, Ref, Sub, Template, iam

from generator.template import names, policies
from generator.template.config import Options
from generator.template.names import C, P, R, iam_name
from generator.template.placement import Drawn

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("policies", "people", "Admin and developer policies<br/>(also on federated "
          "roles)", (R.ADMIN_POLICY, R.DEV_POLICY)),
    Drawn("runtime", "roles", "EMR Serverless runtime role",
          (R.RUNTIME_ROLE, R.RUNTIME_POLICY)),
    Drawn("studiorole", "roles", "EMR Studio service role",
          (R.STUDIO_ROLE, R.STUDIO_POLICY, R.STUDIO_NETWORK_POLICY)),
)  # fmt: skip
REPLACED = {
    "AWS::IAM::Role": "roles",
    "AWS::IAM::User": "IAM users (each gets a new password)",
    "AWS::IAM::ManagedPolicy": "managed policies",
    "AWS::IAM::Group": "groups",
}


Conditional = tuple[str, Statement]
# checkov's CKV_AWS_111 (cloudsplaining's write actions without resource constraints)
# reads the policies rendered per condition variant (generator/gates/checkov.py).
CREATE_EDITOR_SKIP = {
    "checkov": {
        "skip": [
            {
                "id": "CKV_AWS_111",
                "comment": "elasticmapreduce:CreateEditor (create an EMR Studio "
                "workspace, as the seed grants) stays on Resource *: IAM scopes it "
                "only to an EMR on EC2 cluster, which this environment does not "
                "use. Every other write action names its resources or takes none "
                "(tests/gates/test_gates.py, UNSCOPED_ACTIONS).",
            }
        ]
    }
}


def with_conditional(
    doc: PolicyDocument, extra: Sequence[Conditional] = ()
) -> dict[str, Any]:
    """A policy document whose extra statements exist only under a condition."""
    statements: list[Any] = list(doc.properties["Statement"])
    statements += [If(condition, stmt, NoValue) for condition, stmt in extra]
    return {"Version": policies.VERSION, "Statement": statements}


@dataclass
class Identity:
    """Handles the other concerns need of roles, policies and users."""

    runtime_role: iam.Role
    studio_role: iam.Role
    admin_policy: iam.ManagedPolicy
    developer_policy: iam.ManagedPolicy
    admin_group: iam.Group
    developer_group: iam.Group
    users: dict[str, iam.User] = field(default_factory=dict)
    admin_name: str = ""

    @property
    def admin_user(self) -> iam.User:
        """The administrator's IAM user."""
        return self.users[self.admin_name]

    @property
    def developer_users(self) -> list[iam.User]:
        """The developers' IAM users, in config order."""
        return [u for name, u in self.users.items() if name != self.admin_name]


def _role(
    template: Template, logical: str, name: str, trust: PolicyDocument
) -> iam.Role:
    return template.add_resource(
        iam.Role(logical, RoleName=iam_name(name), AssumeRolePolicyDocument=trust)
    )


def _attached_policy(
    logical: str,
    name: str,
    doc: dict[str, Any],
    description: str,
    **attachments: Any,
) -> iam.ManagedPolicy:
    return iam.ManagedPolicy(
        logical,
        ManagedPolicyName=iam_name(name),
        Description=description,
        PolicyDocument=doc,
        **attachments,
    )


def _group(logical: str, name: str) -> iam.Group:
    return iam.Group(
        logical,
        Condition=C.CREATE_USERS,
        GroupName=iam_name(name),
        Policies=[
            iam.Policy(
                PolicyName="change-own-password",
                PolicyDocument=policies.change_own_password(),
            )
        ],
    )


def add_identity(
    template: Template,
    options: Options,
    bucket_arn: AWSHelperFn,
    key_arn: AWSHelperFn,
    admin_extra: Sequence[Conditional] = (),
) -> Identity:
    """Add the runtime and Studio roles, the user policies, groups and users."""
    add = template.add_resource
    runtime_role = _role(
        template, R.RUNTIME_ROLE, names.RUNTIME_ROLE, policies.runtime_trust()
    )
    studio_role = _role(
        template, R.STUDIO_ROLE, names.STUDIO_ROLE, policies.studio_trust()
    )
    arns = policies.Arns(
        bucket=bucket_arn,
        runtime_role=GetAtt(runtime_role, "Arn"),
        studio_role=GetAtt(studio_role, "Arn"),
    )
    use_key = (C.CMK, policies.use_key_statement(key_arn, *policies.KEY_READ_WRITE))
    studio_key = (C.CMK, policies.use_key_statement(key_arn, *policies.KEY_STUDIO))
    read_key = (C.CMK, policies.use_key_statement(key_arn, *policies.KEY_DECRYPT))
    livy = (C.LIVY, policies.livy_statement())
    git = (C.IDENTITY_CENTER, policies.tag_studio_git_secrets_statement())
    add(
        _attached_policy(
            R.RUNTIME_POLICY,
            names.RUNTIME_POLICY,
            with_conditional(policies.runtime_policy(arns), [use_key]),
            "Lets EMR Serverless jobs use the notebook bucket, sample data and "
            "the Glue Data Catalog.",
            Roles=[Ref(runtime_role)],
        )
    )
    add(
        _attached_policy(
            R.STUDIO_POLICY,
            names.STUDIO_POLICY,
            with_conditional(policies.studio_service_policy(arns), [studio_key]),
            "Lets EMR Studio read and write workspace files in the notebook bucket.",
            Roles=[Ref(studio_role)],
        )
    )
    admin_group = add(_group(R.ADMIN_GROUP, names.ADMIN_GROUP))
    developer_group = add(_group(R.DEV_GROUP, names.DEV_GROUP))
    admin_policy = add(
        _attached_policy(
            R.ADMIN_POLICY,
            names.ADMIN_POLICY,
            with_conditional(
                policies.admin_policy(arns), [livy, read_key, git, *admin_extra]
            ),
            "EMR administrator: creates Studios, serverless applications and "
            "workspaces.",
            Groups=If(C.CREATE_USERS, [Ref(admin_group)], NoValue),
            Roles=If(C.HAS_ADMIN_ROLES, Ref(P.ADMIN_ROLES), NoValue),
            Metadata=CREATE_EDITOR_SKIP,
        )
    )
    developer_policy = add(
        _attached_policy(
            R.DEV_POLICY,
            names.DEV_POLICY,
            with_conditional(policies.developer_policy(arns), [livy, read_key, git]),
            "EMR Studio data developer: works in workspaces attached to "
            "serverless applications.",
            Groups=If(C.CREATE_USERS, [Ref(developer_group)], NoValue),
            Roles=If(C.HAS_DEV_ROLES, Ref(P.DEV_ROLES), NoValue),
            Metadata=CREATE_EDITOR_SKIP,
        )
    )
    identity = Identity(
        runtime_role=runtime_role,
        studio_role=studio_role,
        admin_policy=admin_policy,
        developer_policy=developer_policy,
        admin_group=admin_group,
        developer_group=developer_group,
        admin_name=options.admin_user,
    )
    members = [(options.admin_user, True, admin_group)]
    members += [(name, False, developer_group) for name in options.developers]
    for name, is_admin, group in members:
        logical = names.user_id(name, admin=is_admin)
        identity.users[name] = add(
            iam.User(
                logical,
                Condition=C.CREATE_USERS,
                UserName=iam_name(name),
                Path=Sub(names.USER_PATH),
                Groups=[Ref(group)],
            )
        )
    return identity


def add_permissions_boundary(template: Template) -> None:
    """Every role and IAM user of the stack carries the boundary that Permissions
    boundary (PermissionsBoundary) names, when it names one: a Service Catalog
    launch role may create principals only with its portfolio's boundary (IAM
    User Guide, "Permissions boundaries for IAM entities")."""
    for resource in template.resources.values():
        if isinstance(resource, iam.Role | iam.User):
            resource.PermissionsBoundary = If(
                C.HAS_BOUNDARY, Ref(P.PERMISSIONS_BOUNDARY), NoValue
            )
