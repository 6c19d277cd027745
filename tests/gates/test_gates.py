"""The security and validation gates, as a reviewer would run them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from cfn_flip import to_json
from policy_sentry.querying.actions import get_action_data

from generator import gates
from generator.gates import checkov, checkov_main, cloudsplaining, guard, parliament
from generator.gates.tools import tool
from generator.template import limits
from generator.template import provisioning as ps
from generator.template.composer import build_template
from tests.helpers import as_list, clean, render

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
TEMPLATES = sorted(BUILD.glob("*.yaml"))

# Every checkov skip in the templates, with where it is justified (resource Metadata).
# The gate fails on a listed skip whose check passes as written and in every
# condition variant, so each one here still suppresses a real failure.
ALLOWED_CHECKOV_SKIPS = {
    ("CKV_AWS_116", "AWS::Lambda::Function.CustomResourceFunction"),
    ("CKV_AWS_117", "AWS::Lambda::Function.CustomResourceFunction"),
    # Reserved concurrency: fails in new accounts (deploy-readiness tests).
    ("CKV_AWS_115", "AWS::Lambda::Function.CustomResourceFunction"),
    ("CKV_AWS_18", "AWS::S3::Bucket.NotebookBucket"),
    # EncryptionKey service-default: the services' own keys, as the parameter offers.
    ("CKV_AWS_149", "AWS::SecretsManager::Secret.AdminUserSecret"),
    ("CKV_AWS_149",
     "AWS::SecretsManager::Secret.DeveloperEmrsInteractiveAppDevUserSecret"),
    ("CKV_AWS_158", "AWS::Logs::LogGroup.CustomResourceLogGroup"),
    ("CKV_AWS_158", "AWS::Logs::LogGroup.FlowLogGroup"),
    # elasticmapreduce:CreateEditor on Resource "*" (OPTIONAL_RESOURCE_ONLY below).
    ("CKV_AWS_111", "AWS::IAM::ManagedPolicy.AdminPolicy"),
    ("CKV_AWS_111", "AWS::IAM::ManagedPolicy.DeveloperPolicy"),
    # The portfolio's permissions boundary caps; it grants nothing.
    ("CKV_AWS_111", "AWS::IAM::ManagedPolicy.ProductBoundary"),
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


def test_every_listed_checkov_skip_is_in_a_template(reports: dict) -> None:
    used = set()
    for path in TEMPLATES:
        used |= set(reports["checkov", path].noted)
    assert used == ALLOWED_CHECKOV_SKIPS


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_checkov_reads_the_condition_variants(path: Path, reports: dict) -> None:
    detail = reports["checkov", path].detail
    assert re.search(
        r"and in [1-9][0-9]* condition variants?, [1-9][0-9]* passed", detail
    )


# A statement granting everything, in an Fn::If branch: checkov's IAM checks return
# no result on a Statement list that holds Fn::If (checkov 3.2).
EVERYTHING = {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}
HIDDEN = {"Fn::If": ["UseCustomerManagedKey", EVERYTHING, {"Ref": "AWS::NoValue"}]}


@pytest.fixture(scope="module")
def tampered(tmp_path_factory) -> gates.Report:
    """checkov over the environment with an admin grant behind Fn::If in the
    runtime policy, and a skip of a check the bucket passes (versioning)."""
    data = json.loads((BUILD / "emr-serverless-interactive.json").read_text())
    resources = data["Resources"]
    resources["RuntimePolicy"]["Properties"]["PolicyDocument"]["Statement"].append(
        HIDDEN
    )
    resources["NotebookBucket"]["Metadata"]["checkov"]["skip"].append(
        {"id": "CKV_AWS_21", "comment": "versioning is on, so this never fires"}
    )
    path = tmp_path_factory.mktemp("tampered") / "tampered.json"
    path.write_text(json.dumps(data))
    [report] = checkov.scan([path])
    return report


def test_checkov_fails_a_grant_hidden_behind_fn_if(tampered: gates.Report) -> None:
    hits = [f for f in tampered.findings if " RuntimePolicy: " in f]
    assert {f.split()[0] for f in hits} >= {"CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"}
    for hit in hits:  # only where the condition holds: never as written
        assert hit.endswith(")") and "as written" not in hit
        assert "customer-managed key" in hit and "no NAT" not in hit
    assert not tampered.ok


def test_checkov_fails_a_policy_made_only_of_fn_if(tmp_path: Path) -> None:
    read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    template = {
        "Parameters": {
            "Open": {"Type": "String", "Default": "false",
                     "AllowedValues": ["true", "false"]},
        },
        "Conditions": {"IsOpen": {"Fn::Equals": [{"Ref": "Open"}, "true"]}},
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Fn::If": ["IsOpen", EVERYTHING, read]}],
                }},
            }
        },
    }  # fmt: skip
    path = tmp_path / "only-if.json"
    path.write_text(json.dumps(template))
    [report] = checkov.scan([path])
    assert "CKV_AWS_110 Policy: " in " ".join(report.findings)
    assert all("in defaults + Open=true)" in f for f in report.findings)


def test_checkov_reports_a_skip_that_does_not_fire(tampered: gates.Report) -> None:
    stale = [f for f in tampered.findings if "NotebookBucket" in f]
    assert stale == [
        "CKV_AWS_21 NotebookBucket: skipped in its Metadata, but the check fails "
        "neither as written nor in any variant; remove the skip"
    ]


def test_checkov_shortcut_reports_what_checkov_reports(tmp_path: Path) -> None:
    """generator/gates/checkov_main.py (parse tables reused, the runner called
    directly) against the checkov program, on the environment without its skips."""
    template, _skips = checkov._unskipped(
        gates.load(BUILD / "emr-serverless-interactive.yaml")
    )
    path = tmp_path / "environment.json"
    path.write_text(json.dumps(template))
    program = [tool("checkov"), "-f", str(path), *checkov_main.ARGS]
    said = {}
    for how, command in (("gate", checkov._command([path])), ("program", program)):
        assert Path(command[0]).exists()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        with mock.patch.object(subprocess, "run", return_value=result):
            checks, unparsed = checkov._results([path])
        said[how] = sorted((c["kind"], c["check_id"], c["resource"]) for c in checks)
        assert not unparsed
    assert len(said["gate"]) > 80 and said["gate"] == said["program"]


def test_checkov_gate_refuses_an_unreadable_template(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [unclosed\n")
    with pytest.raises(
        gates.ScannerError,
        match="parsed no resources|no report|not a CloudFormation template",
    ):
        checkov.scan([broken])


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cfn_guard_control_tower_rules_pass(path: Path, reports: dict) -> None:
    report = reports["cfn-guard", path]
    assert report.findings == [], report.detail


@pytest.mark.parametrize("rule", sorted(guard.GUARD_EXCLUDED))
def test_every_guard_exclusion_still_fails_a_template(guard_bundle, rule: str) -> None:
    _binary, rules = guard_bundle
    (rule_file,) = rules.rglob(rule)
    found = guard.validate([gates.load(p) for p in TEMPLATES], [rule_file])
    assert any(doc["status"] == "FAIL" for results in found for doc in results)


def test_guard_rule_files_left_out_apply_to_nothing(guard_bundle) -> None:
    """The gate passes cfn-guard only the rule files naming a resource type of the
    templates; every other file reports SKIP on each template."""
    _binary, rules = guard_bundle
    templates = [gates.load(p) for p in TEMPLATES]
    types = {r["Type"] for t in templates for r in t["Resources"].values()}
    every = guard.guard_rule_files(rules)
    kept = guard.applicable(every, types)
    left_out = sorted(set(every) - set(kept))
    assert kept and len(left_out) > 100
    found = guard.validate(templates, left_out)
    assert {doc["status"] for results in found for doc in results} == {"SKIP"}


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
        # Listed with a reason, an action parliament's database predates, or a
        # permissions boundary's Resource "*" (it caps; it grants nothing).
        assert (
            key in listed
            or ps.is_iam_action(key[2])
            or ps.known_prefix(key[2])
            or (key[0] in parliament.BOUNDARIES and key[1] == "RESOURCE_STAR")
        )
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


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cloudsplaining_finds_no_high_risk(path: Path, reports: dict) -> None:
    report = reports["cloudsplaining", path]
    assert report.findings == [], report.findings


def test_cloudsplaining_reads_every_variant_of_the_policies(reports: dict) -> None:
    detail = reports["cloudsplaining", BUILD / "emr-serverless-interactive.yaml"].detail
    found = re.match(r"([0-9]+) policies as written and in ([0-9]+) condition", detail)
    assert found, detail
    # more distinct documents than the template has policies: the variants count
    assert int(found[1]) > 9 and int(found[2]) >= 6


def test_cloudsplaining_catches_an_escalation_in_the_shorter_branch(
    tmp_path: Path,
) -> None:
    """As written, a policy's Fn::If reads as its longer branch; the variants read
    the other one too."""
    data = json.loads((BUILD / "emr-serverless-interactive.json").read_text())
    doc = data["Resources"]["RuntimePolicy"]["Properties"]["PolicyDocument"]
    harmless = {
        "Sid": "ReadOneObjectOfAnotherBucketWithAVeryLongStatementId",
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::another-bucket/some/long/prefix/object.json"],
    }
    escalation = {
        "Effect": "Allow",
        "Action": "iam:CreatePolicyVersion",
        "Resource": "*",
    }
    doc["Statement"].append({"Fn::If": ["ThreeAZs", harmless, escalation]})
    path = tmp_path / "escalation.json"
    path.write_text(json.dumps(data))
    [report] = cloudsplaining.scan([path])
    said = "PrivilegeEscalation RuntimePolicy: CreateNewPolicyVersion"
    assert f"{said} (iam:createpolicyversion)" in report.findings
    as_written = [
        d for n, d in parliament.identity_policies(data) if n == "RuntimePolicy"
    ]
    assert "iam:CreatePolicyVersion" not in json.dumps(as_written)


def test_cloudsplaining_says_each_risk_in_one_line() -> None:
    results = {
        "PrivilegeEscalation": {
            "findings": [
                {"type": "CreateAccessKey", "actions": ["iam:createaccesskey"]}
            ]
        },
        "ResourceExposure": {"findings": [f"s3:Put{n}" for n in range(10)]},
        "CredentialsExposure": {"findings": []},
        "DataExfiltration": {"findings": ["s3:GetObject"]},
    }
    assert cloudsplaining.risks("P", results) == [
        "PrivilegeEscalation P: CreateAccessKey (iam:createaccesskey)",
        "ResourceExposure P: s3:Put0, s3:Put1, s3:Put2, s3:Put3, s3:Put4, s3:Put5, "
        "s3:Put6, s3:Put7 and 2 more",
    ]


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


def artifacts(folder: Path) -> list[Path]:
    """Every file under the folder, config builds' folders (build/<config>/, which
    `make template CONFIG=...` writes) included."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_artifacts_are_files_of_every_build(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "t.yaml").write_text("x")
    (tmp_path / "t.yaml").write_text("x")
    assert artifacts(tmp_path) == [tmp_path / "t.yaml", tmp_path / "team" / "t.yaml"]


@pytest.mark.parametrize(
    "path", artifacts(BUILD), ids=lambda p: str(p.relative_to(BUILD))
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


def test_ctrl_c_on_lint_ends_it_and_every_scanner_process() -> None:
    """The tools run in daemon threads and their processes are killed on Ctrl-C,
    so nothing is left behind to finish its scan (a thread pool's workers, joined
    at exit, kept lint alive for seconds)."""
    import os
    import signal
    import sys
    import time

    lint = subprocess.Popen(
        [sys.executable, "-m", "generator", "lint", str(BUILD)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    started = time.monotonic()
    children: list[Path] = []
    while time.monotonic() - started < 20 and not children:  # checkov has started
        time.sleep(0.1)
        children = [  # field 4 of /proc/PID/stat is the parent's PID (proc(5))
            stat for stat in Path("/proc").glob("[0-9]*/stat")
            if _parent(stat) == lint.pid
        ]  # fmt: skip
    assert children, "a scanner process ran"
    os.killpg(lint.pid, signal.SIGINT)
    _out, err = lint.communicate(timeout=60)
    assert lint.returncode == 130
    assert err.strip().splitlines()[-1] == "emrs-env lint: interrupted"
    with pytest.raises(ProcessLookupError):
        os.killpg(lint.pid, 0)  # no process of the group is left


def _parent(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
