"""The one table of deploy scenarios: every place that deploys a scenario reads it
there, and no scenario is written twice."""

from __future__ import annotations

import ast
from pathlib import Path

from generator.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
# Parameters that only the scenario table may set together in a literal dict.
MARKERS = ("IdentityCenterInstanceArn", "ExistingPrivateSubnetIds", "AdminRoleNames")


def test_no_scenario_is_written_twice() -> None:
    values = [tuple(sorted(s.values.items())) for s in SCENARIOS.values()]
    assert len(values) == len(set(values))
    assert all(s.used for s in SCENARIOS.values())


def test_the_old_copies_are_gone() -> None:
    """The gates, the lint, readiness and journey tests take their scenarios from
    the table: none of them writes a module-level dict of scenarios."""
    for path in (
        ROOT / "generator" / "gates" / "variants.py",
        ROOT / "tests" / "gates" / "test_lint.py",
        ROOT / "tests" / "template" / "test_deploy_readiness.py",
        ROOT / "tests" / "documents" / "test_journeys.py",
    ):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                text = ast.unparse(node.value)
                nested = [v for v in node.value.values if isinstance(v, ast.Dict)]
                assert not (
                    nested and any(m in text for m in MARKERS)
                ), f"{path.name} writes scenarios of its own"
