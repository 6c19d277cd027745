"""CloudFormation Guard with the AWS Control Tower proactive-control rules.

Both come from the PyPI wheel cdklabs.cdk-validator-cfnguard, which carries a
cfn-guard binary and the rule files; they run offline."""

from __future__ import annotations

import io
import json
import platform
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path

from generator.gates import Report, ScannerError, load

# Control Tower rule files that do not fit this environment, and why.
GUARD_EXCLUDED = {
    "ct-cloudwatch-pr-2.guard": "log retention is the LogRetentionDays parameter "
    "(default 365 days); the rule cannot resolve a parameter reference",
    "ct-cloudwatch-pr-3.guard": "log groups use CloudWatch Logs encryption, or the "
    "customer-managed key when EncryptionKey is customer-managed (a condition the "
    "rule cannot evaluate)",
    "ct-lambda-pr-3.guard": "the credentials function calls only the IAM and Secrets "
    "Manager public endpoints; a VPC would add NAT cost and no protection",
    "ct-s3-pr-2.guard": "server access logs would need a second bucket; CloudTrail "
    "data events are the audit trail for notebooks",
    "ct-s3-pr-4.guard": "nothing consumes bucket events; notebooks need no "
    "notification",
    "ct-s3-pr-9.guard": "Object Lock would forbid deleting notebooks; versioning "
    "and retain-on-delete keep them instead",
    "ct-s3-pr-10.guard": "the bucket uses SSE-S3, or SSE-KMS with the customer-"
    "managed key when EncryptionKey is customer-managed (a condition the rule "
    "cannot evaluate)",
}
GUARD_PACKAGE = "cdklabs.cdk_validator_cfnguard"


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


def _json_documents(text: str) -> list[dict]:
    decoder, docs, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


def scan(paths: Sequence[Path]) -> list[Report]:
    """cfn-guard once over every template with every included rule file, each
    template in the long-form JSON its rules can follow (cfn-guard reads YAML's
    short-form `!GetAtt` as a plain string)."""
    import tempfile

    if not paths:
        return []
    binary, rules = guard_bundle()
    files = guard_rule_files(rules)
    with tempfile.TemporaryDirectory() as folder:
        data = {}
        for i, path in enumerate(paths):  # one data file per template, by position
            written = Path(folder) / f"{i:03d}.json"
            written.write_text(json.dumps(load(path)), encoding="utf-8")
            data[str(written)] = path
        args = [str(binary), "validate", "-d", folder, "--show-summary", "none"]
        for rule_file in files:
            args += ["-r", str(rule_file)]
        result = subprocess.run(
            [*args, "-o", "json"], capture_output=True, text=True, check=False
        )
    try:
        docs = _json_documents(result.stdout)
    except json.JSONDecodeError as exc:
        raise ScannerError("cfn-guard gave no report") from exc
    by_path: dict[Path, list[dict]] = {path: [] for path in paths}
    for doc in docs:
        path = data.get(doc.get("name", ""))
        if path is not None:
            by_path[path].append(doc)
    reports = []
    for path in paths:
        found = by_path[path]
        if len(found) != len(files):
            raise ScannerError(
                f"cfn-guard reported on {len(found)} of {len(files)} rule files for "
                f"{path}: {result.stderr.strip()[:300]}"
            )
        findings = sorted(
            {
                f"{item.get('Rule', {}).get('name', 'unknown rule')} failed"
                for doc in found
                for item in doc.get("not_compliant", [])
            }
        )
        passed = sum(1 for d in found if d.get("status") == "PASS")
        detail = f"{len(files)} rule files, {passed} passed, {len(findings)} failed"
        reports.append(Report("cfn-guard", path, findings, detail))
    return reports
