"""template/intrinsics.py is the one reader of built templates' intrinsic
functions: a new place that tests a value for an Fn:: function fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from generator.template.intrinsics import Conditions, Walk, attributes, mentions

ROOT = Path(__file__).resolve().parents[2]
HOME = "generator/template/intrinsics.py"
# (file, function) that look at an Fn:: function outside the home, and why each
# is not a second evaluator.
ALLOWED = {
    ("generator/template/policies.py", "statements_of"): "lists a built policy's "
    "statements, both branches of a conditional one: structure, not a value",
    ("generator/template/limits.py", "_principals"): "names the principals a "
    "policy lists, the true branch being the principal and the false AWS::NoValue",
    ("generator/template/portfolio.py", "name_patterns"): "the launch role's "
    "patterns mode: every form a name takes, both branches where a launch decides",
    ("generator/documents/reach.py", "_text"): "the text of a resource written "
    "as an Fn::Sub, to say what it reaches",
    (
        "tests/gates/test_variants.py",
        "test_variants_take_both_branches_of_every_condition",
    ): "a rendered variant's text must hold no Fn::If",
    (
        "tests/template/test_deploy_readiness.py",
        "test_subnets_are_placed_by_served_az_id",
    ): "the template's text must hold no Fn::GetAZs",
    (
        "tests/template/test_rendering.py",
        "test_the_yaml_uses_only_the_short_forms_aws_documents",
    ): "the YAML's text may hold Fn::Contains",
}


def readers_in(name: str, source: str) -> set[tuple[str, str]]:
    """(file, function) of every comparison with an "Fn::" string in the source."""
    found = set()
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant)
                and isinstance(c.value, str)
                and c.value.startswith("Fn::")
                for part in [node.left, *node.comparators]
                for c in [part, *getattr(part, "elts", [])]
            ):
                found.add((name, function.name))
    return found


def readers() -> set[tuple[str, str]]:
    found = set()
    for path in [*ROOT.glob("generator/**/*.py"), *ROOT.glob("tests/**/*.py")]:
        name = str(path.relative_to(ROOT))
        if name != HOME:
            found |= readers_in(name, path.read_text(encoding="utf-8"))
    return found


def test_no_second_reader_of_intrinsic_functions() -> None:
    assert readers() == set(ALLOWED)


def test_a_planted_reader_is_found_in_any_form() -> None:
    source = (
        "def a(v):\n    return 'Fn::If' in v\n"
        "def b(key):\n    if key == 'Fn::Sub':\n        return 1\n"
        "def c(key):\n    return key in ('Ref', 'Fn::Join')\n"
        "def d(key):\n    return key == 'Ref'\n"
    )
    assert readers_in("x.py", source) == {("x.py", "a"), ("x.py", "b"), ("x.py", "c")}


def test_one_walk_serves_every_mode() -> None:
    """A mode says only what the leaves are; the walk drops AWS::NoValue."""

    class Named(Walk):
        def ref(self, name: str) -> str:
            return name.lower()

        def branch(self, condition: str, yes: object, no: object) -> object:
            return self.resolve(yes)

    value = {
        "A": {"Fn::Sub": ["${X}-${Y}-${!Z}", {"Y": {"Ref": "Bee"}}]},
        "B": [{"Fn::If": ["C", {"Ref": "AWS::NoValue"}, "no"]}, "kept"],
        "C": {"Fn::Join": ["/", [{"Ref": "Dee"}, "e"]]},
    }
    assert Named().resolve(value) == {"A": "x-bee-${Z}", "B": ["kept"], "C": "dee/e"}
    assert set(attributes({"Fn::Sub": "${Role.Arn} ${Name}"})) == {("Role", "Arn")}
    assert {n for n, _ in mentions(value)} == {"X", "Bee", "C", "Dee", "AWS::NoValue"}


def test_three_valued_conditions_answer_none_where_a_launch_decides() -> None:
    template = {
        "Parameters": {"Pinned": {"Type": "String"}, "Open": {"Type": "String"}},
        "Conditions": {
            "IsPinned": {"Fn::Equals": [{"Ref": "Pinned"}, ""]},
            "IsOpen": {"Fn::Equals": [{"Ref": "Open"}, "true"]},
            "Both": {"Fn::And": [{"Condition": "IsPinned"}, {"Condition": "IsOpen"}]},
            "Either": {"Fn::Or": [{"Condition": "IsPinned"}, {"Condition": "IsOpen"}]},
        },
    }
    partial = Conditions(template, {"Pinned": ""}, partial=True)
    assert partial.known("IsPinned") is True
    assert partial.known("IsOpen") is None and partial.known("Both") is None
    assert partial.known("Either") is True
    assert Conditions(template, {"Pinned": "x"}, partial=True).known("Both") is False
