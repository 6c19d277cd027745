"""The security and validation gates: cfn-lint, checkov and CloudFormation Guard.

All three run offline. cfn-guard and the AWS Control Tower proactive-control rules
come from the PyPI wheel cdklabs.cdk-validator-cfnguard, which carries both.
"""

from __future__ import annotations

import io
import json
import platform
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

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
# parliament findings that are not defects, by (resource, issue, action), and why.
PARLIAMENT_IGNORED = {
    ("StudioWorkspaceNetworkPolicy", "RESOURCE_MISMATCH", "ec2:CreateNetworkInterface"):
    "CreateNetworkInterface is split over two statements on purpose: the new "
    "interface must carry the EMR tag in the request, the subnet and security "
    "group must already carry it; parliament expects every resource type of the "
    "action in each statement",
    ("LaunchPolicy1", "RESOURCE_STAR", "s3:GetObject"):
    "the launch role reads product templates from buckets Service Catalog owns, "
    "which cannot be named; the statement requires the object tag "
    "servicecatalog:provisioning=true, as AWS documents for launch roles",
}  # fmt: skip
IDENTITY_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")


class ScannerError(RuntimeError):
    """A scanner could not run or its output could not be read."""


@dataclass
class Report:
    """What one scanner found in one template."""

    scanner: str
    path: Path
    findings: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True when the scanner found nothing."""
        return not self.findings

    @property
    def unparsable(self) -> bool:
        """True when cfn-lint could not parse the template (rule E0000)."""
        return any(f.startswith("E0000 ") for f in self.findings)


def cfn_lint(path: Path) -> Report:
    """cfn-lint with informational checks on."""
    from cfnlint.api import ManualArgs, lint

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScannerError(f"cannot read {path}: {exc.strerror}") from exc
    try:  # newlines read as open() in text mode reads them
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:  # reported as cfn-lint reports a parse error
        line = data[: exc.start].count(b"\n") + 1
        said = (
            f"E0000 not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; "
            f"CloudFormation reads templates as UTF-8 (line {line})"
        )
        return Report("cfn-lint", path, [said], "not UTF-8 text")
    matches = lint(
        text,
        config=ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"]),
    )
    findings = [f"{m.rule.id} {m.message[:200]} (line {m.linenumber})" for m in matches]
    return Report("cfn-lint", path, findings, f"{len(findings)} findings")


def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise ScannerError(f"{name} is not installed; run 'make install'")
    return found


def checkov(path: Path) -> tuple[Report, list[tuple[str, str]]]:
    """checkov's CloudFormation checks; returns the report and the skips used."""
    result = subprocess.run(
        [_tool("checkov"), "-f", str(path), "--framework", "cloudformation",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise ScannerError(f"checkov gave no report for {path}") from exc
    if isinstance(data, list):
        data = data[0]
    summary = data.get("summary", {})
    if not summary.get("resource_count"):
        raise ScannerError(f"checkov parsed no resources in {path}")
    results = data.get("results", {})
    findings = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in results.get("failed_checks", [])
    ]
    skips = [(c["check_id"], c["resource"]) for c in results.get("skipped_checks", [])]
    detail = (
        f"{summary['resource_count']} resources, {summary.get('passed', 0)} passed, "
        f"{len(findings)} failed, {len(skips)} skipped"
    )
    return Report("checkov", path, findings, detail), skips


def guard_bundle(cache: Path | None = None) -> tuple[Path, Path]:
    """The cfn-guard binary and the Control Tower rules, unpacked once."""
    import importlib.util

    spec = importlib.util.find_spec(GUARD_PACKAGE)
    if spec is None or spec.origin is None:
        raise ScannerError(
            "cdklabs.cdk-validator-cfnguard is not installed; run 'make install'"
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


def guard(path: Path) -> Report:
    """cfn-guard with every included Control Tower rule, on the template in the
    long-form JSON its rules can follow (cfn-guard reads YAML's short-form
    `!GetAtt` as a plain string)."""
    import tempfile

    binary, rules = guard_bundle()
    files = guard_rule_files(rules)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / f"{path.stem}.json"
        data.write_text(json.dumps(_load(path)), encoding="utf-8")
        args = [str(binary), "validate", "-d", str(data), "--show-summary", "none"]
        for rule_file in files:
            args += ["-r", str(rule_file)]
        result = subprocess.run(
            [*args, "-o", "json"], capture_output=True, text=True, check=False
        )
    try:
        docs = _json_documents(result.stdout)
    except json.JSONDecodeError as exc:
        raise ScannerError(f"cfn-guard gave no report for {path}") from exc
    if len(docs) != len(files):
        raise ScannerError(
            f"cfn-guard reported on {len(docs)} of {len(files)} rule files: "
            f"{result.stderr.strip()[:300]}"
        )
    findings = []
    for doc in docs:
        for item in doc.get("not_compliant", []):
            rule = item.get("Rule", {})
            findings.append(f"{rule.get('name', 'unknown rule')} failed")
    passed = sum(1 for d in docs if d.get("status") == "PASS")
    detail = f"{len(files)} rule files, {passed} passed, {len(findings)} failed"
    return Report("cfn-guard", path, sorted(set(findings)), detail)


def identity_policies(template: dict) -> list[tuple[str, dict]]:
    """Every identity policy of a template, resolved at its longest, by resource."""
    from generator.limits import Resolver

    resolver = Resolver(template)
    found = []
    for logical, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            docs = [props["PolicyDocument"]]
        elif resource["Type"] in IDENTITY_TYPES:
            docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
        else:
            continue
        found += [(logical, resolver.resolve(doc)) for doc in docs]
    return found


def _load(path: Path) -> dict:
    from generator.render import TemplateSyntaxError, parse_template

    try:
        return parse_template(path.read_text(encoding="utf-8"))
    except TemplateSyntaxError as exc:
        raise ScannerError(f"{path} is not a CloudFormation template: {exc}") from exc


def _newer_than_parliament(issue: str, detail: object) -> bool:
    """An action or service newer than parliament's database, known to cfn-lint's
    copy of the Service Authorization Reference (resource schemas list them)."""
    if issue not in ("UNKNOWN_ACTION", "UNKNOWN_PREFIX") or not isinstance(detail, str):
        return False
    from generator.provider_schemas import is_iam_action, known_prefix

    name = detail.split()[-1]
    return is_iam_action(name) if issue == "UNKNOWN_ACTION" else known_prefix(name)


def parliament(path: Path) -> tuple[Report, list[tuple[str, str, str]]]:
    """parliament on every identity policy; returns the report and ignored hits."""
    try:
        from parliament import analyze_policy_string
    except ImportError as exc:
        raise ScannerError("parliament is not installed; run 'make install'") from exc
    findings, ignored, checked = [], [], 0
    for logical, doc in identity_policies(_load(path)):
        checked += 1
        for hit in analyze_policy_string(json.dumps(doc)).findings:
            if _newer_than_parliament(hit.issue, hit.detail):
                ignored.append((logical, hit.issue, str(hit.detail).split()[-1]))
                continue
            details = hit.detail if isinstance(hit.detail, list) else [hit.detail]
            actions = {d.get("action", "") if isinstance(d, dict) else str(d)
                       for d in details}  # fmt: skip
            keys = {(logical, hit.issue, a) for a in actions or {""}}
            if keys <= set(PARLIAMENT_IGNORED):
                ignored += sorted(keys)
            else:
                findings.append(f"{hit.issue} {logical}: {str(hit.detail)[:200]}")
    detail = (
        f"{checked} policies, {len(findings)} findings, {len(ignored)} ignored"
        if checked
        else "no identity policies to check"
    )
    return Report("parliament", path, findings, detail), ignored
