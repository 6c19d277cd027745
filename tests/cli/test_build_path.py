"""The build path: one YAML dump, the same bytes from libyaml and PyYAML, limits."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from cfn_tools import load_yaml

from generator.template import render
from generator.template.portfolio import build_portfolio_template
from tests.helpers import template_dict

TEMPLATE = template_dict()


def plain(data: object) -> object:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("which", ["environment", "portfolio"])
def test_yaml_reads_back_as_the_template(which: str) -> None:
    data = TEMPLATE
    if which == "portfolio":
        data = build_portfolio_template(TEMPLATE).to_dict()
    assert plain(load_yaml(render.to_yaml(data))) == plain(data)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_c_and_python_emitters_write_the_same_bytes() -> None:
    assert issubclass(render.yaml_dumper(), yaml.CDumper)
    assert not issubclass(render.yaml_dumper(prefer_c=False), yaml.CDumper)
    assert render.to_yaml(TEMPLATE) == render.to_yaml(TEMPLATE, prefer_c=False)


def test_format_of_each_kind_of_value() -> None:
    text = render.to_yaml(
        {
            "b": [{"Ref": "Name"}, {"Fn::GetAtt": ["Role", "Arn"]}],
            "a": "012345678901",
            "c": {"Fn::Sub": ["${X}", {"X": "true"}]},
            "d": "x" * 200,
            "e": "\n".join("line" for _ in range(11)),
            "f": [1, True, None, ""],
        },
        prefer_c=False,
    )
    assert text.splitlines() == [
        "a: '012345678901'",
        "b:",
        "- !Ref 'Name'",
        "- !GetAtt 'Role.Arn'",
        "c: !Sub",
        "- ${X}",
        "- X: 'true'",
        "d: >-",
        "  " + "x" * 200,
        "e: |-",
        *["  line"] * 11,
        "f:",
        "- 1",
        "- true",
        "- null",
        "- ''",
    ]
    with pytest.raises(TypeError, match="cannot write object"):
        render.to_yaml({"x": object()})


def test_a_count_past_the_resource_quota_is_refused_before_building(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from generator.template import composer as template
    from generator.template.config import ConfigError, Options
    from generator.template.limits import MAX_RESOURCES

    def never(_options: Options) -> None:
        raise AssertionError("built a template that cannot fit")

    monkeypatch.setattr(template, "build_template", never)
    monkeypatch.setattr(template, "max_developers", lambda: 90)
    names = tuple(f"dev{i}" for i in range(MAX_RESOURCES + 1))
    with pytest.raises(ConfigError, match="at most 90 developers"):
        template.build_within_limits(Options(developers=names))


@pytest.mark.parametrize(
    ("raised", "said"),
    [
        ("Maximum number of resources 500 reached", "more than 500 resources, Cloud"),
        ("Maximum outputs 200 reached", "more than 200 outputs, CloudFormation's"),
        ("Maximum parameters 200 reached", "more than 200 parameters, Cloud"),
    ],
)
def test_troposphere_quota_errors_read_as_sentences(
    monkeypatch, raised: str, said: str
) -> None:
    from generator.template import composer as template
    from generator.template.config import ConfigError, Options

    def full(_options: Options) -> None:
        raise ValueError(raised)

    monkeypatch.setattr(template, "build_template", full)
    monkeypatch.setattr(template, "max_developers", lambda: 89)
    with pytest.raises(ConfigError, match=f"1 developers are too many: {said}"):
        template.build_within_limits(Options())


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Resources:\n  A: [\n", "expected the node content, but found '<stream end>'"),
        ('{"Resources": {\n', "Expecting property name enclosed in double quotes"),
        ("A: !GetAtt {a: b}\n", "'tuple' object has no attribute"),
        ("? [a, b]\n: c\n", "unhashable type: 'list'"),
        ("a: &x [*x]\n", "Circular reference detected"),
        ("[" * 100_000, "maximum recursion depth exceeded"),
    ],
    ids=["yaml", "json", "tag", "list key", "recursive alias", "deep"],
)
def test_a_template_that_does_not_parse_is_one_error(text: str, said: str) -> None:
    with pytest.raises(render.TemplateSyntaxError, match=re.escape(said)):
        render.parse_template(text)


def test_flow_style_yaml_and_short_forms_parse() -> None:
    assert render.parse_template('{Resources: {B: {Type: "AWS::S3::Bucket"}}}') == {
        "Resources": {"B": {"Type": "AWS::S3::Bucket"}}
    }
    assert render.parse_template("A: !GetAtt B.Arn\nC: !Ref D\n") == {
        "A": {"Fn::GetAtt": ["B", "Arn"]},
        "C": {"Ref": "D"},
    }


def test_a_scanner_given_a_broken_template_says_so(tmp_path) -> None:
    from generator import gates

    broken = tmp_path / "flow.yaml"
    broken.write_text("{Resources: [\n")
    with pytest.raises(gates.ScannerError, match="flow.yaml is not a Cloud"):
        gates.load(broken)
