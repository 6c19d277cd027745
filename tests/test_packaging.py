"""What `pip install emrs-env` brings, read from the installed package's metadata:
the base install stays light, each heavy tool sits in the extra that needs it."""

from __future__ import annotations

import re
from importlib import metadata

import pytest

HEAVY = {"pygraphviz", "sympy", "cfn-lint", "checkov", "parliament"}


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower()


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(requirements: list[str]) -> set[str]:
    """Every distribution the requirements pull in, transitively, as installed
    here (markers for extras are not followed)."""
    seen: set[str] = set()
    todo = [_normal(_name(r)) for r in requirements]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_normal(_name(r)) for r in needs if "extra ==" not in r]
    return seen


def base_requirements() -> list[str]:
    return [r for r in metadata.requires("emrs-env") or [] if "extra ==" not in r]


def extra(name: str) -> set[str]:
    return {
        _normal(_name(r))
        for r in metadata.requires("emrs-env") or []
        if re.search(rf"extra == ['\"]{name}['\"]", r)
    }


def test_the_base_install_pulls_no_heavy_tool() -> None:
    pulled = closure(base_requirements())
    assert {"troposphere", "awacs", "boto3", "pyyaml", "cfn-flip"} <= pulled
    assert not pulled & HEAVY, sorted(pulled & HEAVY)


@pytest.mark.parametrize(
    ("name", "holds"),
    [("diagram", {"pygraphviz"}), ("lint", {"cfn-lint", "checkov", "parliament"})],
)
def test_each_heavy_tool_sits_in_its_extra(name: str, holds: set[str]) -> None:
    assert holds <= extra(name)


def test_every_module_the_code_imports_is_declared() -> None:
    """Third-party modules imported by generator/ and custom_resources/ come from
    a declared requirement (base or extra), not by accident through another."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    declared = closure(base_requirements()) | {
        n for e in ("diagram", "lint") for n in closure(sorted(extra(e)))
    }
    packages = metadata.packages_distributions()
    imported: set[str] = set()
    for folder in ("generator", "custom_resources"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    imported.add(str(node.module).split(".")[0])
    ours = {"generator", "custom_resources"}
    third_party = {m for m in imported if m in packages and m not in ours}
    missing = {
        m for m in third_party if not {_normal(d) for d in packages[m]} & declared
    }
    assert missing == set()
