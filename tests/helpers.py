"""Shared test helpers: build templates in memory and render them offline."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from cloud_radar.cf.unit import Template as RadarTemplate
from cloud_radar.cf.unit import functions as radar_functions

from generator.template import intrinsics
from generator.template.composer import build_template
from generator.template.config import Options

ACCOUNT = "5" * 12  # cloud-radar's pseudo account ID
REGION_AZS = {
    "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"],
    "us-west-2": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
    "eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
}
# cloud-radar downloads region data for Fn::GetAZs unless it is already set.
radar_functions.REGION_DATA = [
    {"code": code, "zones": zones} for code, zones in REGION_AZS.items()
]
# cloud-radar's render leaves AWS::StackId empty and resolves both branches of every
# Fn::If: the bucket name's UUID block needs an ID of the form CloudFormation gives.
STACK_ID = (
    f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/my-cloud-radar-stack/"
    "0f3a9c12-aaaa-bbbb-cccc-000000000000"
)
RadarTemplate.StackId = STACK_ID


@functools.lru_cache(maxsize=16)
def _template_json(developers: tuple[str, ...] | None) -> str:
    options = Options() if developers is None else Options(developers=developers)
    return json.dumps(build_template(options).to_dict())


def template_dict(developers: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A fresh copy of the environment template as a dict."""
    return json.loads(_template_json(developers))


STACK_NAME = "my-cloud-radar-stack"  # cloud-radar's pseudo stack name


def render(
    params: dict[str, str] | None = None,
    region: str = "us-east-1",
    developers: tuple[str, ...] | None = None,
    partition: str | None = None,
    stack_name: str | None = None,
) -> dict[str, Any]:
    """Render the template as one stack holds it: conditions applied, every
    function worked out (template/intrinsics.render, about 3 ms), with the pseudo
    parameters cloud-radar gives, so that the two agree (tests/template/
    test_rendering.py keeps cloud-radar as the oracle). Each distinct render is
    made once per test process; every caller gets its own copy."""
    pseudo = {
        "AWS::Region": region,
        "AWS::Partition": partition or RadarTemplate.Partition,
        "AWS::AccountId": RadarTemplate.AccountId,
        "AWS::StackName": stack_name or STACK_NAME,
        "AWS::StackId": RadarTemplate.StackId,
        "AWS::URLSuffix": RadarTemplate.URLSuffix,
    }
    chosen = tuple(sorted((params or {}).items()))
    return json.loads(_rendered_json(chosen, developers, tuple(sorted(pseudo.items()))))


@functools.lru_cache(maxsize=256)
def _rendered_json(
    chosen: tuple[tuple[str, str], ...],
    developers: tuple[str, ...] | None,
    pseudo: tuple[tuple[str, str], ...],
) -> str:
    rendered = intrinsics.render(
        json.loads(_template_json(developers)), dict(chosen), dict(pseudo)
    )
    return json.dumps(rendered)


def radar_render(
    params: dict[str, str] | None = None,
    region: str = "us-east-1",
    developers: tuple[str, ...] | None = None,
    partition: str | None = None,
    stack_name: str | None = None,
) -> dict[str, Any]:
    """The same render by cloud-radar (0.2 to 0.5 s): the oracle."""
    radar = RadarTemplate(template_dict(developers))
    if partition:
        radar.Partition = partition
    radar.StackName = stack_name or STACK_NAME
    return radar.render(params or {}, region=region)


def of_type(rendered: dict[str, Any], resource_type: str) -> dict[str, dict]:
    """Rendered resources of one type, by logical ID."""
    return {
        name: res
        for name, res in rendered["Resources"].items()
        if res["Type"] == resource_type
    }


def clean(value: Any) -> Any:
    """Drop the empty strings cloud-radar leaves where AWS::NoValue stood."""
    if isinstance(value, list):
        return [clean(v) for v in value if v != ""]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v != ""}
    return value


ARN_FORMS = {
    "AWS::S3::Bucket": ("BucketName", "arn:aws:s3:::{}"),
    "AWS::IAM::Role": ("RoleName", f"arn:aws:iam::{ACCOUNT}:role/{{}}"),
    "AWS::IAM::User": ("UserName", f"arn:aws:iam::{ACCOUNT}:user/{{}}"),
}


def resolve_arns(rendered: dict[str, Any], value: Any) -> Any:
    """Replace cloud-radar's 'Logical.Arn' strings with the ARN AWS would give."""
    arns = {}
    for logical, res in rendered["Resources"].items():
        if res["Type"] in ARN_FORMS:
            prop, form = ARN_FORMS[res["Type"]]
            arns[f"{logical}.Arn"] = form.format(res["Properties"].get(prop, logical))

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, str):
            head, dot, tail = item.partition(".Arn")
            if dot and f"{head}.Arn" in arns:
                return arns[f"{head}.Arn"] + tail
        return item

    return walk(value)


def policy_documents(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rendered managed policy documents by ManagedPolicyName, ARNs resolved."""
    found = {}
    for res in of_type(rendered, "AWS::IAM::ManagedPolicy").values():
        props = res["Properties"]
        doc = clean(copy.deepcopy(props["PolicyDocument"]))
        found[props["ManagedPolicyName"]] = resolve_arns(rendered, doc)
    return found


def as_list(value: Any) -> list[Any]:
    """An IAM element that may be a string or a list, as a list."""
    return value if isinstance(value, list) else [value]


def walk_dicts(value: Any) -> Any:
    """Every dict inside a parsed template value, outermost first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk_dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_dicts(item)
