"""checkov's CloudFormation checks, one run over every template, offline.

checkov returns no result for its IAM checks (CKV_AWS_107-111) on a policy whose
Statement list holds Fn::If, so it also reads each template's condition variants
(generator/gates/variants.py), rendered as AWS deploys them. A resource rendered the
same in several variants, or as written, is scanned once; checkov's resource checks
read one resource and the parameter values it refers to, which the key includes.

checkov applies the `Metadata: checkov: skip` entries itself, so it cannot say
whether a skipped check would fail. The gate gives checkov the templates without
those entries and applies them to the results: a skip whose check fails nowhere
(as written or in any variant) is a finding, so no skip outlives its reason.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.gates import Report, ScannerError, load
from generator.gates.tools import run_process, tool
from generator.template.intrinsics import parameter_values
from generator.words import count

AS_WRITTEN = "as written"
READ = ("AWSTemplateFormatVersion", "Parameters", "Mappings", "Resources")


@dataclass
class _Plan:
    """What the gate asks checkov about one template."""

    path: Path
    types: dict[str, str]  # logical ID -> resource type
    skips: dict[str, set[str]]  # logical ID -> checks its Metadata skips
    variants: int = 0
    problem: str = ""  # why no variant could be rendered
    # scanned file -> logical ID -> the variants sharing that rendering
    sharers: dict[Path, dict[str, list[str]]] = field(default_factory=dict)


def _unskipped(template: dict[str, Any]) -> tuple[dict, dict[str, set[str]]]:
    """The template without checkov skip entries, and the skips by resource."""
    skips: dict[str, set[str]] = {}
    resources = {}
    for logical, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        entries = metadata.get("checkov") if isinstance(metadata, dict) else None
        if isinstance(entries, dict) and "skip" in entries:
            ids = {str(e.get("id")) for e in entries["skip"] if isinstance(e, dict)}
            skips[logical] = ids
            rest = {k: v for k, v in entries.items() if k != "skip"}
            metadata = {k: v for k, v in metadata.items() if k != "checkov"}
            metadata |= {"checkov": rest} if rest else {}
            resource = {k: v for k, v in resource.items() if k != "Metadata"}
            resource |= {"Metadata": metadata} if metadata else {}
        resources[logical] = resource
    return template | {"Resources": resources}, skips


def _key(logical: str, resource: Any, values: dict[str, Any]) -> str:
    """A resource's rendering with the values of the parameters it refers to."""
    from generator.template.intrinsics import mentions

    body = {k: v for k, v in resource.items() if k not in ("Condition", "DependsOn")}
    used = {name for name, _ in mentions(body) if name in values}
    said = {n: values[n] for n in sorted(used)}
    return json.dumps([logical, body, said], sort_keys=True)


def _plan(path: Path, folder: Path, index: int) -> _Plan:
    """Write the template and the new renderings of its variants for checkov."""
    from generator.gates.variants import variants

    template, skips = _unskipped(load(path))
    resources = template.get("Resources", {})
    types = {k: str(r.get("Type")) for k, r in resources.items() if isinstance(r, dict)}
    plan = _Plan(path, types, skips)
    written = folder / f"{index:03d}.json"
    written.write_text(json.dumps(template), encoding="utf-8")
    defaults = parameter_values(template)
    plan.sharers[written] = {k: [AS_WRITTEN] for k in resources}
    seen: dict[str, list[str]] = {
        _key(k, r, defaults): plan.sharers[written][k]
        for k, r in resources.items()
        if isinstance(r, dict)
    }
    try:
        found = variants(template)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        plan.problem = f"cannot render its condition variants: {exc!r}"
        return plan
    plan.variants = len(found)
    for number, variant in enumerate(found, start=1):
        values = parameter_values(variant.template)
        new = {}
        for logical, resource in variant.template["Resources"].items():
            key = _key(logical, resource, values)
            if key in seen:
                seen[key].append(variant.name)
            else:
                seen[key] = [variant.name]
                new[logical] = resource
        if new:
            file = folder / f"{index:03d}-{number:02d}.json"
            # what resource checks read: the resources and what their Refs and
            # Fn::FindInMap read (outputs and rules would only cost checkov time)
            kept = {k: v for k, v in variant.template.items() if k in READ}
            file.write_text(json.dumps(kept | {"Resources": new}), encoding="utf-8")
            plan.sharers[file] = {k: seen[_key(k, r, values)] for k, r in new.items()}
    return plan


def _command(files: Sequence[Path]) -> list[str]:
    """checkov's CloudFormation checks over the files, JSON on standard output:
    through generator/gates/checkov_main.py (about half the time), or the checkov
    program as installed when this Python cannot import checkov."""
    if importlib.util.find_spec("checkov") is not None:
        return [sys.executable, "-m", "generator.gates.checkov_main", *map(str, files)]
    from generator.gates.checkov_main import ARGS

    return [tool("checkov"), *[a for f in files for a in ("-f", str(f))], *ARGS]


def _results(files: Sequence[Path]) -> tuple[list[dict], set[str]]:
    """Every check result, each with its kind; the files checkov could not parse."""
    result = run_process(_command(files))
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        said = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise ScannerError(f"checkov gave no report: {said[0][:300]}") from exc
    reports = data if isinstance(data, list) else [data]
    found, unparsed = [], set()
    for report in reports:
        if isinstance(report, dict) and report.get("check_type") == "cloudformation":
            results = report.get("results", {})
            for kind in ("passed_checks", "failed_checks", "skipped_checks"):
                found += [c | {"kind": kind} for c in results.get(kind, [])]
            unparsed |= {
                str(Path(p).resolve()) for p in results.get("parsing_errors", [])
            }
    return found, unparsed


def scan(paths: Sequence[Path]) -> list[Report]:
    """One report per template; `noted` holds the skips that fired, as (check,
    resource). checkov exits 0 when it could not parse a file, so a template with
    no evaluated resource is an error, not a pass."""
    if not paths:
        return []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        plans = [_plan(path, folder, i) for i, path in enumerate(paths)]
        checks, unparsed = _results([file for plan in plans for file in plan.sharers])
        by_file: dict[str, tuple[_Plan, Path]] = {
            str(file.resolve()): (plan, file) for plan in plans for file in plan.sharers
        }
    for where, (plan, _file) in by_file.items():
        if where in unparsed:
            raise ScannerError(f"checkov could not parse {plan.path}")
    found: dict[int, list[tuple[Path, dict]]] = {id(plan): [] for plan in plans}
    for check in checks:
        where = by_file.get(str(Path(check.get("file_abs_path", "")).resolve()))
        if where is not None:
            found[id(where[0])].append((where[1], check))
    return [_report(plan, found[id(plan)]) for plan in plans]


def _where(names: list[str], plan: _Plan) -> str:
    """Where a check failed: as written, in every variant, or in the ones named."""
    variants = [n for n in names if n != AS_WRITTEN]
    said = [AS_WRITTEN] if AS_WRITTEN in names else []
    if variants and len(variants) == plan.variants:
        said.append("in every variant")
    elif variants:
        said.append("in " + "; ".join(variants))
    return ", ".join(said)


def _report(plan: _Plan, checks: list[tuple[Path, dict]]) -> Report:
    if not checks:  # checkov exits 0 on a file it did not read
        raise ScannerError(f"checkov parsed no resources in {plan.path}")
    failed: dict[tuple[str, str], tuple[str, list[str]]] = {}
    fired: set[tuple[str, str]] = set()
    passed = 0
    for file, check in checks:
        resource = check["resource"]
        logical = resource.split(".", 1)[-1]
        if check["kind"] == "passed_checks":
            passed += 1
        elif check["kind"] == "failed_checks":
            ids = {check["check_id"], str(check.get("bc_check_id"))}
            if ids & plan.skips.get(logical, set()):
                fired.add((check["check_id"], resource))
                continue
            where = plan.sharers[file].get(logical, [])
            _, variants = failed.setdefault(
                (check["check_id"], resource), (check["check_name"], [])
            )
            variants += [w for w in where if w not in variants]
    findings = [
        f"{check} {resource.split('.', 1)[-1]}: {name} ({_where(where, plan)})"
        for (check, resource), (name, where) in sorted(failed.items())
    ]
    checked = {c["resource"] for _, c in checks}
    for logical, ids in sorted(plan.skips.items()):
        resource = f"{plan.types.get(logical)}.{logical}"
        for check in sorted(ids):
            if (check, resource) not in fired:
                findings.append(
                    f"{check} {logical}: skipped in its Metadata, but the check "
                    "fails neither as written nor in any variant; remove the skip"
                )
    if plan.problem:
        findings.append(plan.problem)
    resources = count(len(checked), "resource")
    variants = count(plan.variants, "condition variant")
    detail = (
        f"{resources} checked as written and in {variants}, {passed} passed, "
        f"{len(failed)} failed, {len(fired)} skipped"
    )
    return Report("checkov", plan.path, findings, detail, sorted(fired))
