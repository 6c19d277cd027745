"""CloudFormation Guard with the AWS Control Tower proactive-control rules.

Both come from the PyPI wheel cdklabs.cdk-validator-cfnguard, which carries a
cfn-guard binary and the rule files; they run offline."""

from __future__ import annotations

import io
import json
import platform
import re
import shutil
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path

from generator.gates import Report, ScannerError, load
from generator.gates.tools import run_process

# Control Tower rule files that do not fit this environment, and why.
GUARD_EXCLUDED = {
    "ct-cloudwatch-pr-2.guard": "log retention is the LogRetentionDays parameter "
    "(default 365 days); the rule cannot resolve a parameter reference",
    "ct-cloudwatch-pr-3.guard": "log groups use CloudWatch Logs encryption, or the "
    "customer-managed key when EncryptionKey is customer-managed (a condition the "
    "rule cannot evaluate)",
    "ct-lambda-pr-3.guard": "the custom-resource function calls only the public "
    "endpoints of IAM, Secrets Manager, EC2, EMR Serverless and CloudFormation; "
    "attached to a VPC it would need a NAT gateway or an interface endpoint per "
    "service to reach them: cost without protection",
    "ct-s3-pr-2.guard": "server access logs would need a second bucket, itself "
    "unlogged; the stack creates no audit trail of object reads and writes, and "
    "docs/template.md (Security gates) says to turn on CloudTrail S3 data events for "
    "one",
    "ct-s3-pr-4.guard": "nothing consumes bucket events; notebooks need no "
    "notification",
    "ct-s3-pr-9.guard": "Object Lock would forbid deleting notebooks; versioning "
    "and retain-on-delete keep them instead",
    "ct-s3-pr-10.guard": "the bucket uses SSE-S3, or SSE-KMS with the customer-"
    "managed key when EncryptionKey is customer-managed (a condition the rule "
    "cannot evaluate)",
}
GUARD_PACKAGE = "cdklabs.cdk_validator_cfnguard"
RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


def guard_bundle(cache: Path | None = None) -> tuple[Path, Path]:
    """The cfn-guard binary and the Control Tower rules, unpacked once."""
    import importlib.util

    spec = importlib.util.find_spec(GUARD_PACKAGE)
    if spec is None or spec.origin is None:
        raise ScannerError(
            "cfn-guard is not installed; run 'make install', or pip install --no-deps "
            "'cdklabs.cdk-validator-cfnguard==0.0.62' (the wheel carries cfn-guard "
            "and the rules; its declared AWS CDK dependencies are not needed)"
        )
    jsii = Path(spec.origin).parent / "_jsii"
    (archive,) = jsii.glob("*.jsii.tgz")
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64",
               "arm64": "aarch64"}.get(platform.machine().lower())  # fmt: skip
    if machine is None or sys.platform != "linux":
        raise ScannerError(
            f"no cfn-guard binary for {sys.platform}/{platform.machine()}"
        )
    root = cache or Path(sys.prefix) / "share" / archive.stem
    binary = root / "cfn-guard"
    rules = root / "rules"
    if not binary.exists():
        tmp = root.with_name(root.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                name = member.name
                if name == f"package/bin/ubuntu/{machine}/cfn-guard":
                    target = tmp / "cfn-guard"
                elif name.startswith("package/rules/control-tower/cfn-guard/"):
                    target = tmp / "rules" / name.split("/cfn-guard/", 1)[1]
                else:
                    continue
                if member.isfile():
                    data = tar.extractfile(member)
                    assert data is not None
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(io.BytesIO(data.read()).getvalue())
        (tmp / "cfn-guard").chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
    return binary, rules


def guard_rule_files(rules: Path) -> list[Path]:
    """Every Control Tower rule file except the excluded ones."""
    return sorted(p for p in rules.rglob("*.guard") if p.name not in GUARD_EXCLUDED)


def applicable(files: Sequence[Path], types: set[str]) -> list[Path]:
    """The rule files that name a resource type of the templates, or none at all.

    Each Control Tower rule file selects its resources by type names it spells out
    (`let S3_BUCKET_TYPE = "AWS::S3::Bucket"`); on a template without those types
    every rule in it reports SKIP. Passing only the rest to cfn-guard gives the same
    findings: the three built templates took 6 s with all 230 files, 1.5 s with the
    41 that apply, on the two-core machine of `make bench`.
    """
    kept = []
    for path in files:
        named = set(RESOURCE_TYPE.findall(path.read_text(encoding="utf-8")))
        if not named or named & types:
            kept.append(path)
    return kept


def _json_documents(text: str) -> list[dict]:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def validate(templates: Sequence[dict], files: Sequence[Path]) -> list[list[dict]]:
    """cfn-guard once with these rule files over these templates: each template's
    results, one per rule file, each template in the long-form JSON its rules can
    follow (cfn-guard reads YAML's short-form `!GetAtt` as a plain string)."""
    import tempfile

    binary, _rules = guard_bundle()
    with tempfile.TemporaryDirectory() as folder:
        data = {}
        for i, template in enumerate(templates):  # one data file per template
            written = Path(folder) / f"{i:03d}.json"
            written.write_text(json.dumps(template), encoding="utf-8")
            data[str(written)] = i
        args = [str(binary), "validate", "-d", folder, "--show-summary", "none"]
        for rule_file in files:
            args += ["-r", str(rule_file)]
        result = run_process([*args, "-o", "json"])
    try:
        docs = _json_documents(result.stdout)
    except json.JSONDecodeError as exc:
        raise ScannerError("cfn-guard gave no report") from exc
    found: list[list[dict]] = [[] for _ in templates]
    for doc in docs:
        index = data.get(doc.get("name", ""))
        if index is not None:
            found[index].append(doc)
    for results in found:
        if len(results) != len(files):
            raise ScannerError(
                f"cfn-guard reported on {len(results)} of {len(files)} rule files: "
                f"{result.stderr.strip()[:300]}"
            )
    return found


def scan(paths: Sequence[Path]) -> list[Report]:
    """cfn-guard once over every template with every included rule file that
    applies to them."""
    if not paths:
        return []
    _binary, rules = guard_bundle()
    every = guard_rule_files(rules)
    templates = [load(path) for path in paths]
    types = {
        str(resource.get("Type"))
        for template in templates
        for resource in template.get("Resources", {}).values()
        if isinstance(resource, dict)
    }
    files = applicable(every, types)
    if not files:
        said = f"0 of {len(every)} rule files apply"
        return [Report("cfn-guard", path, [], said) for path in paths]
    reports = []
    for path, found in zip(paths, validate(templates, files), strict=True):
        findings = sorted(
            {
                f"{item.get('Rule', {}).get('name', 'unknown rule')} failed"
                for doc in found
                for item in doc.get("not_compliant", [])
            }
        )
        passed = sum(1 for d in found if d.get("status") == "PASS")
        detail = (
            f"{len(files)} of {len(every)} rule files apply, {passed} passed, "
            f"{len(findings)} failed"
        )
        reports.append(Report("cfn-guard", path, findings, detail))
    return reports
