"""IAM Identity Center mode: the Studio's user role and the session mappings that
give named Identity Center groups and users the administrator or developer policy.

EMR Management Guide, "Set up IAM Identity Center authentication mode for Amazon
EMR Studio": a Studio in SSO mode names an Identity Center instance and a user role
that EMR Studio assumes for every signed-in user; "Create an EMR Studio user role
with session policies": each user or group is mapped to a session policy
(AWS::EMR::StudioSessionMapping SessionPolicyArn, an IAM policy ARN), every session
policy is attached to the user role too, and a session holds what both the role and
the session policy allow (STS: "the intersection of the role's identity-based
policy and the session policies"). The user role therefore holds both of the
seed's user policies, and the mapping chooses one.

CloudFormation cannot loop over a list parameter, so each list has a fixed number
of slots, each a conditional mapping; emrs-env deploy refuses a longer list
(Metadata EmrsEnvListLimits), and groups carry a team of any size.
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import (
    And,
    Equals,
    GetAtt,
    Not,
    Ref,
    Select,
    Template,
    emr,
    iam,
)

from generator.template import names, policies
from generator.template.names import C, P, R, list_slot
from generator.template.placement import Drawn


@dataclass(frozen=True)
class Mapped:
    """One list parameter of Identity Center names and what its names get."""

    parameter: str
    identity_type: str  # GROUP or USER (CreateStudioSessionMapping IdentityType)
    admin: bool
    slots: int

    def logical_id(self, index: int) -> str:
        """Logical ID of the index-th (0-based) slot's mapping."""
        return f"{self.parameter.removesuffix('s')}{index + 1}Mapping"

    def condition(self, index: int) -> str:
        """Name of the condition that the index-th slot holds a name."""
        return f"{self.logical_id(index)}Named"


# 7 slots in all (8 resources with the user role): each is a declared resource, and
# developers' IAM users share the 500 resources of a stack with them
# (composer.max_developers).
MAPPED = (
    Mapped(P.IDC_ADMIN_GROUPS, "GROUP", admin=True, slots=2),
    Mapped(P.IDC_DEV_GROUPS, "GROUP", admin=False, slots=3),
    Mapped(P.IDC_ADMIN_USERS, "USER", admin=True, slots=1),
    Mapped(P.IDC_DEV_USERS, "USER", admin=False, slots=1),
)
LIST_LIMITS = {m.parameter: m.slots for m in MAPPED}

# Boxes of the architecture picture (generator.template.placement).
DRAWN = (
    Drawn("userrole", "roles", "EMR Studio user role<br/>(Identity Center users)",
          (R.STUDIO_USER_ROLE,)),
    Drawn("mappings", "people", "Identity Center groups and users<br/>(session "
          "mappings)", tuple(m.logical_id(i) for m in MAPPED for i in range(m.slots))),
)  # fmt: skip
REPLACED = {
    "AWS::EMR::StudioSessionMapping": "the Identity Center session mappings of the "
    "names that change",
}


def repeated(values: dict[str, str]) -> str | None:
    """The first name that two places of the lists share, in words, or None: each
    would be its own session mapping of the same identity, and the second
    CreateStudioSessionMapping of a Studio's user or group fails."""
    seen: dict[tuple[str, str], str] = {}
    for mapped in MAPPED:
        for name in values.get(mapped.parameter, "").split(","):
            key = (mapped.identity_type, name.strip())
            if not key[1]:
                continue
            if key in seen:
                return (
                    f"{mapped.identity_type.lower()} {key[1]!r} is named twice "
                    f"({seen[key]} and {mapped.parameter}); an Identity Center "
                    "group or user gets one policy in a Studio, so name it once"
                )
            seen[key] = mapped.parameter
    return None


def places(values: dict[str, str]) -> dict[tuple[str, str], tuple[str, int]]:
    """Each named identity (type, name) and its place: list parameter and index."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    for mapped in MAPPED:
        names = values.get(mapped.parameter, "").split(",")
        for index, name in enumerate(n.strip() for n in names):
            if name:
                found.setdefault(
                    (mapped.identity_type, name), (mapped.parameter, index)
                )
    return found


def moved(old: dict[str, str], new: dict[str, str]) -> str | None:
    """The list parameter into which a named identity moves from another place (in
    its list or from another list), or None: its new place's mapping would be
    created while the old place's still maps it."""
    before, after = places(old), places(new)
    for identity, place in after.items():
        if identity in before and before[identity] != place:
            return place[0]
    return None


def slot(mapped: Mapped, index: int) -> Select:
    """The index-th name of the list, or "" past its end."""
    return list_slot(mapped.parameter, mapped.slots, index)


def slot_conditions() -> dict[str, And]:
    """Each slot's condition: Identity Center mode, and a name in the slot."""
    return {
        m.condition(i): And(
            {"Condition": C.IDENTITY_CENTER}, Not(Equals(slot(m, i), ""))
        )
        for m in MAPPED
        for i in range(m.slots)
    }


def add_identity_center(
    template: Template,
    studio: emr.Studio,
    admin_policy: iam.ManagedPolicy,
    developer_policy: iam.ManagedPolicy,
) -> None:
    """Add the session mappings of every slot to the Studio."""
    for mapped in MAPPED:
        policy = admin_policy if mapped.admin else developer_policy
        for index in range(mapped.slots):
            template.add_resource(
                emr.StudioSessionMapping(
                    mapped.logical_id(index),
                    Condition=mapped.condition(index),
                    StudioId=GetAtt(studio, "StudioId"),
                    IdentityName=slot(mapped, index),
                    IdentityType=mapped.identity_type,
                    SessionPolicyArn=Ref(policy),
                )
            )


def add_user_role(
    template: Template,
    admin_policy: iam.ManagedPolicy,
    developer_policy: iam.ManagedPolicy,
) -> iam.Role:
    """The role EMR Studio assumes for Identity Center users: both user policies,
    narrowed by each mapping's session policy."""
    return template.add_resource(
        iam.Role(
            R.STUDIO_USER_ROLE,
            Condition=C.IDENTITY_CENTER,
            RoleName=names.iam_name(names.STUDIO_USER_ROLE),
            AssumeRolePolicyDocument=policies.studio_user_trust(),
            ManagedPolicyArns=[Ref(admin_policy), Ref(developer_policy)],
        )
    )
