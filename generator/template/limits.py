"""The quotas a built template must fit, checked before anything is written.

CloudFormation's per-stack quotas (CloudFormation User Guide, "Understand
CloudFormation quotas") and the IAM quotas that only show at deploy time (IAM User
Guide, "IAM and AWS STS quotas"). IAM counts policy characters without white
space, on the policy as IAM receives it: every intrinsic function resolved. This
module resolves them at their longest (partition aws-us-gov, the longest region
name, 12-digit account, 128-character stack name, each parameter at its longest
allowed value, generated names at their longest), so a template that passes here
passes in every account, region and partition.

It checks a built template (a dict); it never builds one.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.template.intrinsics import NO_VALUE, Walk
from generator.template.regions import LONGEST_PARTITION, LONGEST_REGION

# CloudFormation, per stack.
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_MAPPINGS = 200
MAX_S3_TEMPLATE_BYTES = 1_000_000  # a template body read from S3
MAX_BODY_BYTES = 51_200  # a template body sent in the request
MAX_STACK_NAME = 128
# Template Metadata key of the list lengths no CloudFormation constraint or Rule can
# express (Rule functions cannot count list items); emrs-env deploy enforces them.
LIST_LIMITS_KEY = "EmrsEnvListLimits"

# IAM, in characters without white space.
MANAGED_POLICY_CHARS = 6_144
ROLE_INLINE_CHARS = 10_240  # all inline policies of one role together
USER_INLINE_CHARS = 2_048
GROUP_INLINE_CHARS = 5_120
ROLE_TRUST_CHARS = 2_048  # default quota of a role trust policy
MANAGED_PER_PRINCIPAL = 10  # managed policies attached to a user, group or role
GROUPS_PER_USER = 10
USER_NAME_CHARS = 64
# KMS key policy: 32 KB (KMS Developer Guide, "Key policies").
KEY_POLICY_BYTES = 32_768

ACCOUNT = "123456789012"
GENERATED_NAME = 64  # CloudFormation-generated physical names, at most
SECRET_SUFFIX = "-AbCdEf"  # Secrets Manager appends six random characters
PSEUDO = {
    "AWS::Partition": LONGEST_PARTITION,
    "AWS::Region": LONGEST_REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": "s" * MAX_STACK_NAME,
    "AWS::URLSuffix": "amazonaws.com.cn",
    "AWS::StackId": f"arn:{LONGEST_PARTITION}:cloudformation:{LONGEST_REGION}:"
    f"{ACCOUNT}:stack/{'s' * MAX_STACK_NAME}/{'0' * 8}-{'0' * 4}-{'0' * 4}-"
    f"{'0' * 4}-{'0' * 12}",  # the stack's UUID, 36 characters
}
NAME_PROPERTY = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
}


class Resolver(Walk):
    """Resolves a template's intrinsic functions to their longest values: the
    longest-value mode of intrinsics.Walk."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.resources = template.get("Resources", {})
        self.parameters = template.get("Parameters", {})

    # --- what a reference stands for -------------------------------------------

    def parameter(self, name: str) -> Any:
        spec = self.parameters[name]
        if "AllowedValues" in spec:
            return max((str(v) for v in spec["AllowedValues"]), key=len)
        if spec.get("Type") == "Number":
            return str(spec.get("MaxValue", spec.get("Default", 0)))
        longest = "x" * int(spec.get("MaxLength", USER_NAME_CHARS))
        if spec.get("Type") == "CommaDelimitedList":
            return [longest]
        return longest

    def name_of(self, logical: str) -> str:
        resource = self.resources[logical]
        prop = NAME_PROPERTY.get(resource["Type"])
        value = resource.get("Properties", {}).get(prop) if prop else None
        if value is None:
            return "g" * GENERATED_NAME
        return str(self.resolve(value))

    def ref(self, name: str) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameter(name)
        kind = self.resources[name]["Type"]
        if kind in ("AWS::SecretsManager::Secret", "AWS::IAM::ManagedPolicy"):
            return self.arn(name)
        return self.name_of(name)

    def path_of(self, logical: str) -> str:
        path = self.resources[logical].get("Properties", {}).get("Path", "/")
        return str(self.resolve(path))

    def arn(self, logical: str) -> str:
        kind = self.resources[logical]["Type"]
        head = f"arn:{LONGEST_PARTITION}"
        regional = f"{LONGEST_REGION}:{ACCOUNT}"
        name = self.name_of(logical)
        forms: dict[str, Callable[[], str]] = {
            "AWS::IAM::Role": lambda: f"{head}:iam::{ACCOUNT}:role"
            f"{self.path_of(logical)}{name}",
            "AWS::IAM::User": lambda: f"{head}:iam::{ACCOUNT}:user"
            f"{self.path_of(logical)}{name}",
            "AWS::IAM::ManagedPolicy": lambda: f"{head}:iam::{ACCOUNT}:policy"
            f"{self.path_of(logical)}{name}",
            "AWS::S3::Bucket": lambda: f"{head}:s3:::{name}",
            "AWS::SecretsManager::Secret": lambda: f"{head}:secretsmanager:"
            f"{regional}:secret:{name}{SECRET_SUFFIX}",
            "AWS::Logs::LogGroup": lambda: f"{head}:logs:{regional}:log-group:"
            f"{name}:*",
            "AWS::KMS::Key": lambda: f"{head}:kms:{regional}:key/{'k' * 36}",
            "AWS::Lambda::Function": lambda: f"{head}:lambda:{regional}:function:"
            f"{name}",
        }
        form = forms.get(kind)
        if form is None:
            service = kind.split("::")[1].lower()
            return f"{head}:{service}:{regional}:{'r' * 128}"
        return form()

    def get_att(self, logical: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical)
        if attribute == "DefaultSecurityGroup":
            return "sg-" + "0" * 17
        return "a" * 128

    # --- functions --------------------------------------------------------------

    def longer(self, *values: Any) -> Any:
        kept = [v for v in values if v is not NO_VALUE]
        if not kept:
            return NO_VALUE
        return max(kept, key=lambda v: len(json.dumps(v, default=str)))

    def branch(self, condition: str, yes: Any, no: Any) -> Any:
        return self.longer(self.resolve(yes), self.resolve(no))

    def fn_select(self, arg: list) -> Any:
        items = self.resolve(arg[1])
        return items[min(int(arg[0]), len(items) - 1)] if items else ""

    def fn_split(self, arg: list) -> list[str]:
        return str(self.resolve(arg[1])).split(arg[0])

    def fn_get_azs(self, _arg: Any) -> list[str]:
        return [f"{LONGEST_REGION}a", f"{LONGEST_REGION}b"]

    def fn_cidr(self, arg: list) -> list[str]:
        return ["255.255.255.255/20"] * int(arg[1])

    def fn_find_in_map(self, arg: list) -> Any:
        table = self.template["Mappings"][arg[0]]
        top = self.resolve(arg[1])
        row = table.get(top) or max(table.values(), key=lambda r: len(json.dumps(r)))
        return row[self.resolve(arg[2])]


def iam_chars(document: Any) -> int:
    """Characters IAM counts for a policy document: white space excluded."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


@dataclass(frozen=True)
class Measure:
    """One quantity of a template against its quota."""

    what: str
    value: int
    limit: int

    @property
    def over(self) -> bool:
        """True when the value exceeds the quota."""
        return self.value > self.limit

    def __str__(self) -> str:
        return f"{self.what}: {self.value:,} (limit {self.limit:,})"


Principal = tuple[str, str]  # ("role" | "user" | "group", logical ID or name)
PRINCIPAL_LISTS = (("Roles", "role"), ("Groups", "group"), ("Users", "user"))


def _principals(value: Any, kind: str) -> list[Principal]:
    """Who a Roles/Groups/Users list names: a resource or a parameter's entries."""
    keys: list[Principal] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "Fn::If" in item:
            keys += _principals(item["Fn::If"][1], kind)
        elif isinstance(item, dict) and "Ref" in item:
            keys.append((kind, item["Ref"]))
        elif isinstance(item, str) and item:
            keys.append((kind, item))
    return keys


def _named(principal: Principal) -> str:
    return f"{principal[0]} {principal[1]}"


def iam_measures(template: dict[str, Any]) -> list[Measure]:
    """Every IAM quota the template's identities and policies count against."""
    resolver = Resolver(template)
    measures: list[Measure] = []
    inline: Counter[Principal] = Counter()
    attached: Counter[Principal] = Counter()
    inline_limit = {
        "role": ROLE_INLINE_CHARS,
        "user": USER_INLINE_CHARS,
        "group": GROUP_INLINE_CHARS,
    }
    for logical, resource in template.get("Resources", {}).items():
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::ManagedPolicy":
            doc = resolver.resolve(props["PolicyDocument"])
            measures.append(
                Measure(
                    f"managed policy {logical}", iam_chars(doc), MANAGED_POLICY_CHARS
                )
            )
            for prop, who in PRINCIPAL_LISTS:
                for key in _principals(props.get(prop, []), who):
                    attached[key] += 1
        elif kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            key = (kind.rsplit("::", 1)[1].lower(), logical)
            for policy in props.get("Policies", []):
                inline[key] += iam_chars(resolver.resolve(policy["PolicyDocument"]))
            attached[key] += len(resolver.resolve(props.get("ManagedPolicyArns", [])))
            if kind == "AWS::IAM::Role":
                trust = resolver.resolve(props["AssumeRolePolicyDocument"])
                measures.append(
                    Measure(
                        f"trust policy of {_named(key)}",
                        iam_chars(trust),
                        ROLE_TRUST_CHARS,
                    )
                )
            if kind == "AWS::IAM::User":
                groups = resolver.resolve(props.get("Groups", []))
                measures.append(
                    Measure(f"groups of {_named(key)}", len(groups), GROUPS_PER_USER)
                )
                name = str(resolver.resolve(props.get("UserName", "")))
                measures.append(
                    Measure(f"name of {_named(key)}", len(name), USER_NAME_CHARS)
                )
        elif kind == "AWS::IAM::Policy":
            chars = iam_chars(resolver.resolve(props["PolicyDocument"]))
            for prop, who in PRINCIPAL_LISTS:
                for key in _principals(props.get(prop, []), who):
                    inline[key] += chars
        elif kind == "AWS::KMS::Key":
            doc = resolver.resolve(props["KeyPolicy"])
            measures.append(
                Measure(
                    f"key policy of {logical}",
                    len(json.dumps(doc, separators=(",", ":"))),
                    KEY_POLICY_BYTES,
                )
            )
    for key, chars in sorted(inline.items()):
        measures.append(
            Measure(f"inline policies of {_named(key)}", chars, inline_limit[key[0]])
        )
    for key, count in sorted(attached.items()):
        measures.append(
            Measure(
                f"managed policies attached to {_named(key)}",
                count,
                MANAGED_PER_PRINCIPAL,
            )
        )
    return measures


def stack_measures(template: dict[str, Any], template_bytes: int) -> list[Measure]:
    """CloudFormation's per-stack quotas."""
    return [
        Measure("resources", len(template.get("Resources", {})), MAX_RESOURCES),
        Measure("parameters", len(template.get("Parameters", {})), MAX_PARAMETERS),
        Measure("outputs", len(template.get("Outputs", {})), MAX_OUTPUTS),
        Measure("mappings", len(template.get("Mappings", {})), MAX_MAPPINGS),
        Measure("template bytes", template_bytes, MAX_S3_TEMPLATE_BYTES),
    ]


def measures(template: dict[str, Any], template_bytes: int) -> list[Measure]:
    """Every quota this module models, for one built template."""
    return stack_measures(template, template_bytes) + iam_measures(template)


def problems(template: dict[str, Any], template_bytes: int) -> list[str]:
    """The quotas the template exceeds, as short phrases (empty when it fits)."""
    return [str(m) for m in measures(template, template_bytes) if m.over]


def fits(have: int, base: int, step: int, limit: int) -> int | None:
    """How many units fit under `limit` when `have` units measure `base` and each
    further unit adds `step`; None when units add nothing."""
    if step <= 0:
        return None
    return have + max((limit - base) // step, 0)
