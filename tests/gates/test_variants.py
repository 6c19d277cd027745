"""The condition variants the gates read, and the renderer that makes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.gates import load, variants
from generator.template.intrinsics import render
from tests.helpers import radar_render, template_dict

BUILD = Path(__file__).resolve().parents[2] / "build"
TEMPLATES = sorted(BUILD.glob("*.yaml"))

NO_VALUE = {"Ref": "AWS::NoValue"}
B_TAG = {"Fn::If": ["IsB", {"Key": "b", "Value": "1"}, NO_VALUE]}
X_TAG = {"Key": "x", "Value": {"Fn::If": ["HasNames", "named", "anonymous"]}}
SMALL = {
    "Parameters": {
        "Mode": {"Type": "String", "Default": "a", "AllowedValues": ["a", "b"]},
        "Names": {"Type": "CommaDelimitedList", "Default": ""},
    },
    "Conditions": {
        "IsB": {"Fn::Equals": [{"Ref": "Mode"}, "b"]},
        "HasNames": {
            "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "Names"}]}, ""]}]
        },
    },
    "Resources": {
        "Always": {
            "Type": "AWS::S3::Bucket",
            "DependsOn": ["OnlyB"],
            "Properties": {
                "Tags": [B_TAG, X_TAG],
                "BucketName": {"Fn::If": ["IsB", "b", NO_VALUE]},
            },
        },
        "OnlyB": {"Type": "AWS::SNS::Topic", "Condition": "IsB"},
    },
    "Outputs": {
        "Topic": {"Condition": "IsB", "Value": {"Ref": "OnlyB"}},
        "Mode": {"Value": {"Fn::If": ["IsB", "b", "a"]}},
    },
}  # fmt: skip


def test_render_resolves_what_aws_would() -> None:
    default = render(SMALL, {})
    assert "Conditions" not in default
    assert set(default["Resources"]) == {"Always"}
    always = default["Resources"]["Always"]
    assert always == {
        "Type": "AWS::S3::Bucket",
        "Properties": {"Tags": [{"Key": "x", "Value": "anonymous"}]},
    }
    assert default["Outputs"] == {"Mode": {"Value": "a"}}

    chosen = render(SMALL, {"Mode": "b", "Names": ["x", "y"]})
    assert chosen["Parameters"]["Mode"]["Default"] == "b"
    assert chosen["Parameters"]["Names"]["Default"] == "x,y"
    assert chosen["Resources"]["Always"]["DependsOn"] == ["OnlyB"]
    assert chosen["Resources"]["Always"]["Properties"] == {
        "Tags": [{"Key": "b", "Value": "1"}, {"Key": "x", "Value": "named"}],
        "BucketName": "b",
    }
    assert chosen["Resources"]["OnlyB"] == {"Type": "AWS::SNS::Topic"}
    assert chosen["Outputs"]["Topic"] == {"Value": {"Ref": "OnlyB"}}
    assert SMALL["Resources"]["OnlyB"]["Condition"] == "IsB"  # left unchanged


def test_variants_of_a_small_template_take_every_branch() -> None:
    found = variants.variants(SMALL)
    assert [v.name for v in found][0] == "defaults"
    wanted = {(c, b) for c in SMALL["Conditions"] for b in (True, False)}
    assert variants.covered(SMALL, found) == wanted
    assert variants.variants({"Resources": {}}) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_variants_take_both_branches_of_every_condition(path: Path) -> None:
    template = load(path)
    found = variants.variants(template)
    wanted = {(c, b) for c in template.get("Conditions", {}) for b in (True, False)}
    assert variants.covered(template, found) == wanted
    for variant in found:
        text = json.dumps(variant.template)
        assert "Fn::If" not in text and "AWS::NoValue" not in text
        assert "Condition" not in json.dumps(list(variant.template["Resources"]))


def test_environment_variants_include_the_cases_people_deploy() -> None:
    found = variants.variants(load(BUILD / "emr-serverless-interactive.yaml"))
    names = [v.name for v in found]
    assert names[: len(variants.NAMED)] == list(variants.NAMED)
    assert len(found) <= 12  # each one costs checkov time


@pytest.mark.parametrize("name", sorted(variants.NAMED))
def test_render_keeps_the_resources_cloud_radar_keeps(name: str) -> None:
    values = variants.NAMED[name]
    ours = render(template_dict(), values)
    theirs = radar_render(values)
    assert set(ours["Resources"]) == set(theirs["Resources"])
    assert set(ours.get("Outputs", {})) == set(theirs.get("Outputs", {}))
