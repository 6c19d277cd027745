"""`make bench` runs: a tiny sample, checked for its figures, never for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {"runs": 1, "min_ms": 1.0, "max_ms": 9.0, "iqr_ms": 1.0, "peak_rss_mib": 1.0}


def test_bench_script_runs_on_a_tiny_sample(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "bench/run.py", "--runs", "2", "--scale", "1,2"]
        + ["--no-handler", "--gate-runs", "0", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    for measure in ("bare_import", "build_whole_process", "help_whole_process"):
        figures = results[measure]
        assert figures["runs"] == 2
        assert figures["min_ms"] <= figures["median_ms"] <= figures["max_ms"]
    assert results["build_ratio"] > 0
    assert results["machine"]["cpu_count"] >= 1
    counts = [row["developers"] for row in results["scale"]]
    ceiling = results["max_developers_per_stack"]
    assert counts == [1, 2, ceiling, ceiling + 1]
    assert results["scale"][-1] == {"developers": ceiling + 1, "fits_one_stack": False}
    assert results["scale_fit"]["ms_per_developer"] is not None
    assert "ratio to the bare import" in result.stdout
    assert "ms per developer" in result.stdout
    assert results["gates"] == {}, "--gate-runs 0 leaves the gates out"
    assert 0 < results["base_install_mib"] < 500


def test_gate_timings_run_the_lint_command_and_cfn_lint_alone(monkeypatch) -> None:
    """The gates' figures, without running them (the gates take about 15 s; the
    gate tests run them): both commands exist, and the ratio and its line follow
    from what the processes measured."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench/run.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    asked: dict = {}

    def measured(commands: dict, runs: int) -> dict:
        asked.update(commands)
        figures = FIGURES | {"runs": runs}
        return {
            "gates": figures | {"median_ms": 6.0},
            "cfn_lint_alone": figures | {"median_ms": 2.0},
        }

    monkeypatch.setattr(bench, "whole_processes", measured)
    gates = bench.gate_timings(1)
    assert Path(asked["gates"][0]).exists() and asked["gates"][1:] == [
        "lint",
        str(ROOT / "build"),
    ]
    assert Path(asked["cfn_lint_alone"][0]).exists()
    assert sorted(asked["cfn_lint_alone"][4:]) == sorted(
        str(p) for p in (ROOT / "build").glob("*.yaml")
    )
    assert gates["ratio"] == 3.0 and gates["goal"] == bench.GATES_GOAL
    figures = {"median_ms": 1.0} | FIGURES
    results = {
        "bare_import": figures,
        "build_whole_process": figures,
        "build_new_folder_whole_process": figures,
        "build_template_in_process": figures,
        "help_whole_process": figures,
        "build_ratio": 1.0,
        "build_new_folder_ratio": 1.0,
        "scale": [],
        "scale_fit": {"ms_per_developer": None},
        "max_developers_per_stack": 1,
        "base_install_mib": 1.0,
        "gates": gates,
    }
    lines = bench.report(results)
    assert any(line.startswith("emrs-env lint build:") for line in lines)


def test_bench_never_judges_the_figures() -> None:
    source = (ROOT / "bench" / "run.py").read_text()
    assert "return 1" not in source and "sys.exit(1)" not in source
