"""checkov's CloudFormation checks, one run over every template, offline."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

from generator.gates import Report, ScannerError
from generator.gates.tools import tool
from generator.words import count


def scan(paths: Sequence[Path]) -> list[Report]:
    """One report per template; `noted` holds its skips as (check, resource).
    checkov exits 0 when it could not parse a file, so a template with no
    evaluated resource is an error, not a pass."""
    if not paths:
        return []
    args = [tool("checkov")]
    for path in paths:
        args += ["-f", str(path)]
    result = subprocess.run(
        [*args, "--framework", "cloudformation", "--skip-download", "-o", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        names = ", ".join(str(p) for p in paths)
        raise ScannerError(f"checkov gave no report for {names}") from exc
    if isinstance(data, list):
        data = data[0]
    results = data.get("results", {})
    by_file: dict[Path, dict[str, list[dict]]] = {p.resolve(): {} for p in paths}
    for kind in ("passed_checks", "failed_checks", "skipped_checks"):
        for check in results.get(kind, []):
            where = Path(check.get("file_abs_path", "")).resolve()
            if where in by_file:
                by_file[where].setdefault(kind, []).append(check)
    reports = []
    for path in paths:
        checks = by_file[path.resolve()]
        every = [c for found in checks.values() for c in found]
        if not every:
            raise ScannerError(f"checkov parsed no resources in {path}")
        failed = checks.get("failed_checks", [])
        findings = [
            f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in failed
        ]
        skips = [
            (c["check_id"], c["resource"]) for c in checks.get("skipped_checks", [])
        ]
        resources = count(len({c["resource"] for c in every}), "resource")
        passed = len(checks.get("passed_checks", []))
        detail = (
            f"{resources} checked, {passed} passed, {len(findings)} failed, "
            f"{len(skips)} skipped"
        )
        reports.append(Report("checkov", path, findings, detail, skips))
    return reports
