"""The security and validation gates, as a reviewer would run them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cfn_flip import to_json
from policy_sentry.querying.actions import get_action_data

from generator import gates
from generator.gates import checkov, guard, parliament
from generator.template import limits
from generator.template import provisioning as ps
from generator.template.composer import build_template
from tests.helpers import as_list, clean, render

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TEMPLATES = sorted(BUILD.glob("*.yaml"))

# Every checkov skip in the templates, with where it is justified (resource Metadata).
ALLOWED_CHECKOV_SKIPS = {
    ("CKV_AWS_116", "AWS::Lambda::Function.CustomResourceFunction"),
    ("CKV_AWS_117", "AWS::Lambda::Function.CustomResourceFunction"),
    # Reserved concurrency: fails in new accounts (deploy-readiness tests).
    ("CKV_AWS_115", "AWS::Lambda::Function.CustomResourceFunction"),
    ("CKV_AWS_18", "AWS::S3::Bucket.NotebookBucket"),
} | {
    # The Service Catalog launch role provisions every resource type of the
    # environment, so its resource policies cannot name resources in advance.
    (check, f"AWS::IAM::ManagedPolicy.LaunchPolicy{n}")
    for check in ("CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110",
                  "CKV_AWS_111")
    for n in (2, 3)
}  # fmt: skip
# Actions allowed on Resource "*": IAM scopes none of them to a resource (or, for
# CreateEditor, only to an EMR on EC2 cluster, which this environment does not use).
UNSCOPED_ACTIONS = {
    "emr-serverless:CreateApplication",
    "emr-serverless:ListApplications",
    "elasticmapreduce:CreateEditor",
    "elasticmapreduce:ListEditors",
    "elasticmapreduce:CreateStudio",
    "elasticmapreduce:ListStudios",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:DescribeInstances",
    "iam:ListRoles",
    "iam:GetAccountPasswordPolicy",
    "iam:ListAccountAliases",
    "s3:ListAllMyBuckets",
}
OPTIONAL_RESOURCE_ONLY = {"elasticmapreduce:CreateEditor"}


@pytest.fixture(scope="module")
def guard_bundle() -> tuple[Path, Path]:
    return guard.guard_bundle()


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, Path], gates.Report]:
    """Every gate over every built template, as `emrs-env lint build` runs them."""
    return {(r.scanner, r.path): r for r in gates.run(TEMPLATES)}


def test_every_gate_reports_on_every_template(reports: dict) -> None:
    assert set(reports) == {
        (tool, path) for tool in gates.scanners() for path in TEMPLATES
    }


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cfn_lint_finds_nothing(path: Path, reports: dict) -> None:
    assert reports["cfn-lint", path].findings == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_checkov_fails_nothing_and_skips_only_what_is_listed(
    path: Path, reports: dict
) -> None:
    report = reports["checkov", path]
    skips = report.noted
    assert report.findings == []
    assert set(skips) <= ALLOWED_CHECKOV_SKIPS
    data = json.loads(to_json(path.read_text()))
    for _check, resource in skips:
        logical = resource.split(".", 1)[1]
        entries = data["Resources"][logical]["Metadata"]["checkov"]["skip"]
        assert all(len(e["comment"]) > 20 for e in entries)


def test_checkov_gate_refuses_an_unreadable_template(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [unclosed\n")
    with pytest.raises(gates.ScannerError, match="parsed no resources|no report"):
        checkov.scan([broken])


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cfn_guard_control_tower_rules_pass(path: Path, reports: dict) -> None:
    report = reports["cfn-guard", path]
    assert report.findings == [], report.detail


def test_guard_exclusions_name_real_rule_files(guard_bundle) -> None:
    _binary, rules = guard_bundle
    names = {p.name for p in rules.rglob("*.guard")}
    assert len(names) > 200
    assert set(guard.GUARD_EXCLUDED) <= names
    assert all(len(reason) > 30 for reason in guard.GUARD_EXCLUDED.values())


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_guard_catches_a_public_bucket(
    tmp_path: Path, guard_bundle, suffix: str
) -> None:
    from generator.template.render import to_yaml

    data = json.loads((BUILD / "emr-serverless-interactive.json").read_text())
    del data["Resources"]["NotebookBucket"]["Properties"][
        "PublicAccessBlockConfiguration"
    ]
    path = tmp_path / f"public{suffix}"
    path.write_text(json.dumps(data) if suffix == ".json" else to_yaml(data))
    [report] = guard.scan([path])
    assert any("s3" in f for f in report.findings) and report.path == path


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_parliament_finds_nothing_unexplained(path: Path, reports: dict) -> None:
    report = reports["parliament", path]
    ignored = report.noted
    assert report.findings == [], report.findings
    listed = set(parliament.PARLIAMENT_IGNORED)
    for key in ignored:
        # Listed with a reason, or an action parliament's database predates.
        assert key in listed or ps.is_iam_action(key[2]) or ps.known_prefix(key[2])
    assert all(len(r) > 40 for r in parliament.PARLIAMENT_IGNORED.values())


def test_parliament_reads_the_policies_that_exist() -> None:
    environment, imported = parliament.scan(
        [
            BUILD / "emr-serverless-interactive.json",
            BUILD / "emr-serverless-import.yaml",
        ]
    )
    assert re.match(r"[1-9][0-9]* policies, 0 findings", environment.detail)
    assert imported.ok and imported.detail == "no identity policies to check"


def test_every_parliament_ignore_is_still_needed(reports: dict) -> None:
    used = set()
    for path in TEMPLATES:
        used |= set(reports["parliament", path].noted)
    assert set(parliament.PARLIAMENT_IGNORED) <= used


def test_parliament_catches_a_bad_policy(tmp_path: Path) -> None:
    data = json.loads((BUILD / "emr-serverless-interactive.json").read_text())
    doc = data["Resources"]["RuntimePolicy"]["Properties"]["PolicyDocument"]
    doc["Statement"].append(
        {"Effect": "Allow", "Action": ["s3:GetObjekt"], "Resource": ["*"]}
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    [report] = parliament.scan([path])
    assert any("UNKNOWN_ACTION" in f and "RuntimePolicy" in f for f in report.findings)


def test_size_and_limits() -> None:
    template = build_template()
    size = len(template.to_yaml().encode("utf-8"))
    assert limits.problems(template.to_dict(), size) == []
    readme = (ROOT / "README.md").read_text()
    if size > limits.MAX_BODY_BYTES:
        assert "51,200 bytes" in readme and "--template-url" in readme


SECRET_PATTERNS = {
    "access key ID": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "account ID": re.compile(r"(?<![0-9.])[0-9]{12}(?![0-9])"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "password value": re.compile(r'"Password"\s*:\s*"[^"$]'),
    "secret access key": re.compile(
        # 40 base64 characters with three or more digits (identifiers have fewer)
        r"(?<![A-Za-z0-9/+])(?=(?:[A-Za-z/+]*[0-9]){3})[A-Za-z0-9/+]{40}"
        r"(?![A-Za-z0-9/+])"
    ),
}


@pytest.mark.parametrize(
    "path", sorted(p for p in BUILD.iterdir()), ids=lambda p: p.name
)
def test_no_secrets_in_artifacts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for what, pattern in SECRET_PATTERNS.items():
        assert not pattern.search(text), f"{what} in {path.name}"


def test_secret_scan_would_catch_a_leak() -> None:
    leaked = (
        'x = "AKIAABCDEFGHIJKLMNOP" account 123456789012 "Password": "hunter2" '
        "wJa1rXUtnFEMI/K7MDENG/bPxRfiCY3XAMPLEKEY"
    )
    found = [w for w, p in SECRET_PATTERNS.items() if p.search(leaked)]
    assert found == [
        "access key ID",
        "account ID",
        "password value",
        "secret access key",
    ]


def all_policy_statements() -> list[tuple[str, dict]]:
    """Every identity-policy statement of the template, all options on."""
    rendered = render(
        {"EncryptionKey": "customer-managed", "EnableLivyEndpoint": "true"}
    )
    found = []
    for name, res in rendered["Resources"].items():
        props = clean(res.get("Properties", {}))
        docs = []
        if "PolicyDocument" in props and res["Type"] == "AWS::IAM::ManagedPolicy":
            docs.append(props["PolicyDocument"])
        docs += [p["PolicyDocument"] for p in props.get("Policies", [])]
        for doc in docs:
            found += [(name, s) for s in doc["Statement"]]
    return found


def test_no_wildcard_actions() -> None:
    for name, stmt in all_policy_statements():
        if stmt["Effect"] == "Allow":
            for action in as_list(stmt["Action"]):
                assert "*" not in action, (name, stmt.get("Sid"), action)


def test_resource_star_only_on_unscoped_actions() -> None:
    used = set()
    for name, stmt in all_policy_statements():
        if "*" in as_list(stmt["Resource"]):
            assert as_list(stmt["Resource"]) == ["*"], (name, stmt["Sid"])
            for action in as_list(stmt["Action"]):
                assert action in UNSCOPED_ACTIONS, (name, stmt["Sid"], action)
                used.add(action)
    assert used == UNSCOPED_ACTIONS, "the list names only actions the template uses"


@pytest.mark.parametrize("action", sorted(UNSCOPED_ACTIONS))
def test_unscoped_actions_take_no_resource(action: str) -> None:
    service, name = action.split(":")
    rows = get_action_data(service, name)[service]
    formats = {r["resource_arn_format"] for r in rows}
    if action in OPTIONAL_RESOURCE_ONLY:
        assert all(":cluster/" in f or f == "*" for f in formats), formats
    else:
        assert formats == {"*"}, formats


def test_pass_role_always_names_the_service() -> None:
    checked = 0
    for name, stmt in all_policy_statements():
        if "iam:PassRole" in as_list(stmt["Action"]):
            assert "iam:PassedToService" in stmt["Condition"]["StringEquals"], name
            checked += 1
    assert checked == 3


def test_default_security_group_is_closed_in_a_new_vpc() -> None:
    rendered = render()
    lockdown = rendered["Resources"]["DefaultSecurityGroupRules"]
    assert lockdown["Type"] == "Custom::DefaultSecurityGroup"
    assert lockdown["Properties"]["GroupId"] == "Vpc.DefaultSecurityGroup"
    existing = render(
        {
            "ExistingVpcId": "vpc-0123456789abcdef0",
            "ExistingPrivateSubnetIds": "subnet-0123abcd,subnet-4567abcd",
            "CreateIamUsers": "false",
            "CreateStudio": "false",
            "CreateApplication": "false",
        }
    )
    assert "DefaultSecurityGroupRules" not in existing["Resources"]
    assert "CustomResourceFunction" not in existing["Resources"]


def test_every_log_group_has_a_retention() -> None:
    rendered = render({"EncryptionKey": "customer-managed"})
    groups = [
        r for r in rendered["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"
    ]
    assert len(groups) == 2
    for group in groups:
        assert group["Properties"]["RetentionInDays"] == 365
        assert group["Properties"]["KmsKeyId"] == "EnvironmentKey.Arn"


def test_customer_managed_key() -> None:
    rendered = render({"EncryptionKey": "customer-managed"})
    key = rendered["Resources"]["EnvironmentKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    sids = {s["Sid"] for s in key["KeyPolicy"]["Statement"]}
    assert "DenyGrantsExceptForAWSResources" in sids
    bucket = rendered["Resources"]["NotebookBucket"]["Properties"]
    sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": "EnvironmentKey.Arn",
    }
    assert "EnvironmentKey" not in render()["Resources"]


def test_bucket_lifecycle_expires_old_versions() -> None:
    bucket = render({"NoncurrentVersionExpirationDays": "7"})["Resources"][
        "NotebookBucket"
    ]
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": "7"}


def test_flow_logs_follow_the_parameter() -> None:
    assert "FlowLog" in render()["Resources"]
    assert "FlowLog" not in render({"EnableFlowLogs": "false"})["Resources"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_arn_is_partition_aware(path: Path) -> None:
    text = path.read_text()
    assert "arn:aws:" not in text
    assert text.count("${AWS::Partition}") >= 3
