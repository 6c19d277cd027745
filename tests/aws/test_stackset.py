"""`emrs-env stackset`: a service-managed StackSet over moto's CloudFormation and
Organizations (CreateStackSet, CreateStackInstances, ListStackInstances,
DescribeStackSetOperation: AWS CloudFormation API Reference), botocore's Stubber
for DeleteStackInstances with DeploymentTargets, which moto ignores."""

from __future__ import annotations

import datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from generator import cli
from generator.aws import stackset
from generator.aws.session import Aws

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = str(ROOT / "build")
REGIONS = "us-east-1,eu-west-1"


def run(*argv: str) -> int:
    return cli.main(list(argv))


def organization() -> tuple[list[str], list[str]]:
    """Two OUs with one member account each; their IDs."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ous, accounts = [], []
    for name in ("analytics", "science"):
        ou = org.create_organizational_unit(ParentId=root, Name=name)
        ou_id = ou["OrganizationalUnit"]["Id"]
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        account = org.describe_create_account_status(
            CreateAccountRequestId=status["CreateAccountStatus"]["Id"]
        )["CreateAccountStatus"]["AccountId"]
        org.move_account(
            AccountId=account, SourceParentId=root, DestinationParentId=ou_id
        )
        ous.append(ou_id)
        accounts.append(account)
    return ous, accounts


# moto deploys each instance's stack itself and knows few of the environment's
# resource types: the rollout runs with a small template of the same parameters.
SMALL = """AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  NamePrefix: {Type: String, Default: ''}
  BucketName: {Type: String, Default: ''}
  NatGateways:
    {Type: String, Default: one-per-az, AllowedValues: [one-per-az, single, none]}
  RegionalIamNames: {Type: String, Default: 'false', AllowedValues: ['true', 'false']}
  UniqueBucketName: {Type: String, Default: 'false', AllowedValues: ['true', 'false']}
Resources:
  Topic: {Type: AWS::SNS::Topic}
"""


def deploy_args(ous: list[str], *extra: str, template: str = TEMPLATE) -> list[str]:
    args = ["stackset", "deploy", "--name", "emrs", "--regions", REGIONS,
            "--template", template, "--template-bucket", "templates",
            "--poll-seconds", "0", "--yes"]  # fmt: skip
    for ou in ous:
        args += ["--ou", ou]
    return [*args, *extra]


def test_rollout_to_two_ous_and_two_regions(mocked_aws, capsys, tmp_path) -> None:
    ous, accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    args = ("--template", str(small))

    assert run(*deploy_args(ous, "--parameter", "NatGateways=single", *args)) == 0
    out = capsys.readouterr().out
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    found = cfn.describe_stack_set(StackSetName="emrs")["StackSet"]
    assert found["PermissionModel"] == "SERVICE_MANAGED"
    sent = {p["ParameterKey"]: p["ParameterValue"] for p in found["Parameters"]}
    # Several regions of one account: IAM names carry the region.
    # and each stack names its bucket anew, so a recreated instance gets a bucket.
    assert sent == {"NatGateways": "single", "RegionalIamNames": "true",
                    "UniqueBucketName": "true"}  # fmt: skip
    instances = cfn.list_stack_instances(StackSetName="emrs")["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted(
        (a, r) for a in accounts for r in REGIONS.split(",")
    )
    assert "created StackSet emrs" in out
    assert "stack instances: SUCCEEDED" in out
    table = [line for line in out.splitlines() if line.startswith("****")]
    assert len(table) == 4
    # The table names accounts by their last four digits, never the whole ID.
    assert all(a not in out for a in accounts)
    assert any(f"****{accounts[0][-4:]}" in line for line in table)

    # Again, with a per-account override: the set is updated, nothing duplicated.
    assert run(*deploy_args(ous, "--account-parameter",
                            f"{accounts[0]}:NatGateways=none", *args)) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "update of existing instances: SUCCEEDED" in out
    assert f"overrides of ****{accounts[0][-4:]}: SUCCEEDED" in out
    assert len(cfn.list_stack_instances(StackSetName="emrs")["Summaries"]) == 4

    assert run("stackset", "status", "--name", "emrs") == 0
    out = capsys.readouterr().out
    # moto keeps no AutoDeployment, so its answer reads "off".
    assert "emrs: ACTIVE, SERVICE_MANAGED permissions, automatic deployment" in out
    assert len([line for line in out.splitlines() if line.startswith("****")]) == 4


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ou", "ou-bad"], "--ou 'ou-bad' is not an organizational unit ID"),
        (["--ou", "ou-ab12-cdef3456", "--regions", " , "], "--regions lists no region"),
        (["--ou", "ou-ab12-cdef3456", "--parameter", "Nope=1"],
         "unknown parameter 'Nope'"),
        (["--ou", "ou-ab12-cdef3456", "--account-parameter", "1234:NatGateways=none"],
         "12-digit account ID"),
        (["--ou", "ou-ab12-cdef3456", "--account-parameter",
          "111122223333:Nope=1"], "unknown parameter 'Nope'"),
        (["--ou", "ou-ab12-cdef3456", "--parameter", "BucketName=mine"],
         "S3 bucket names are global"),
        (["--ou", "ou-ab12-cdef3456", "--parameter", "RegionalIamNames=false"],
         "would collide"),
        (["--ou", "ou-ab12-cdef3456", "--max-concurrent", "3"], "StackSets refuse"),
        (["--ou", "r-ab12", "--name", "9bad"], "a StackSet name starts with a letter"),
        ([], "give at least one --ou"),
        (["--ou", "ou-ab12-cdef3456", "--parameter", "IdentityCenterInstanceArn="
          "arn:aws:sso:::instance/ssoins-0123456789abcdef"],
         "an Identity Center instance serves EMR Studio in its own region"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_any_aws_call(
    monkeypatch, capsys, extra: list[str], message: str
) -> None:
    def no_aws(self, service):
        raise AssertionError(f"{service} called")

    monkeypatch.setattr(Aws, "client", no_aws)
    args = ["stackset", "deploy", "--name", "emrs", "--regions", REGIONS,
            "--template", TEMPLATE, "--template-bucket", "t"]  # fmt: skip
    # A later option wins in argparse: the bad value replaces the good one.
    assert run(*args, *extra) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def destroy_script(cfn, unique: bool = False) -> Stubber:
    """DescribeStackSet, ListStackInstances (one account, two regions),
    DeleteStackInstances by OU, its operation, DeleteStackSet."""
    stub = Stubber(cfn)
    call = {"StackSetName": "emrs", "CallAs": "SELF"}
    stub.add_response(
        "describe_stack_set",
        {"StackSet": {"StackSetName": "emrs", "Status": "ACTIVE", "Parameters": [
            {"ParameterKey": "NamePrefix", "ParameterValue": "dev-"},
            {"ParameterKey": "UniqueBucketName",
             "ParameterValue": "true" if unique else "false"}]}},
        call,
    )  # fmt: skip
    rows = [
        {"Account": "111122223333", "Region": region, "Status": "CURRENT",
         "OrganizationalUnitId": "ou-ab12-cdef3456", "StackSetId": "emrs:1",
         "StackId": f"arn:aws:cloudformation:{region}:111122223333:stack/"
                    f"StackSet-emrs-{n}/{n}e4b1c2d-1111-2222-3333-444455556666"}
        for n, region in enumerate(("eu-west-1", "us-east-1"))
    ]  # fmt: skip
    stub.add_response("list_stack_instances", {"Summaries": rows}, call)
    stub.add_response(
        "delete_stack_instances",
        {"OperationId": "op-1"},
        {**call, "DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-cdef3456"]},
         "Regions": ["eu-west-1", "us-east-1"], "RetainStacks": False,
         "OperationPreferences": ANY},
    )  # fmt: skip
    stub.add_response(
        "describe_stack_set_operation",
        {"StackSetOperation": {"OperationId": "op-1", "Status": "SUCCEEDED",
                               "CreationTimestamp": datetime.datetime(2026, 1, 1)}},
        {**call, "OperationId": "op-1"},
    )  # fmt: skip
    stub.add_response(
        "list_stack_set_operation_results",
        {"Summaries": [{"Account": "111122223333", "Region": "eu-west-1",
                        "Status": "SUCCEEDED"}]},
        {**call, "OperationId": "op-1"},
    )  # fmt: skip
    stub.add_response("delete_stack_set", {}, call)
    return stub


def test_destroy_deletes_instances_then_the_set_and_lists_kept_buckets(
    mocked_aws, capsys
) -> None:
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = destroy_script(cfn)
    aws = Aws("us-east-1")
    aws._clients["cloudformation"] = cfn
    seen: list[str] = []
    with stub:
        code = stackset.destroy(stackset.StackSet(aws, "emrs", say=seen.append))
        stub.assert_no_pending_responses()
    assert code == 0
    text = "\n".join(seen)
    assert "****3333 eu-west-1: SUCCEEDED" in text
    assert "deleted StackSet emrs" in text
    assert (
        "****3333 us-east-1: dev-emrserverless-interactive-blog-<account>-us-east-1"
        in text
    )
    assert "111122223333" not in text


def test_destroy_names_each_stacks_own_bucket_when_unique(mocked_aws) -> None:
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = destroy_script(cfn, unique=True)
    aws = Aws("us-east-1")
    aws._clients["cloudformation"] = cfn
    seen: list[str] = []
    with stub:
        assert stackset.destroy(stackset.StackSet(aws, "emrs", say=seen.append)) == 0
    text = "\n".join(seen)
    assert "eu-west-1: dev-emrs-notebooks-<account>-eu-west-1-0e4b1c2d" in text
    assert "us-east-1: dev-emrs-notebooks-<account>-us-east-1-1e4b1c2d" in text
    assert "111122223333" not in text


def test_only_a_new_set_gets_unique_bucket_names() -> None:
    """A set made before UniqueBucketName keeps its buckets' names on a re-run: the
    parameter is not sent, so its stacks take the template's default, false."""
    template = {"Parameters": {"UniqueBucketName": {}, "NamePrefix": {}}}
    new = stackset.set_parameters({}, None, template)
    assert {"ParameterKey": "UniqueBucketName", "ParameterValue": "true"} in new
    older = {"Parameters": [{"ParameterKey": "NamePrefix", "ParameterValue": ""}]}
    again = stackset.set_parameters({}, older, template)
    assert again == [{"ParameterKey": "NamePrefix", "UsePreviousValue": True}]


def test_destroy_json_reports_what_was_deleted_and_kept(
    mocked_aws, monkeypatch, capsys
) -> None:
    import json

    cfn = boto3.client("cloudformation", region_name="us-east-1")
    stub = destroy_script(cfn)
    monkeypatch.setattr(Aws, "client", lambda self, service: cfn)
    with stub:
        code = run("stackset", "destroy", "--name", "emrs", "--json", "--yes",
                   "--poll-seconds", "0")  # fmt: skip
        stub.assert_no_pending_responses()
    assert code == 0
    captured = capsys.readouterr()
    bucket = "dev-emrserverless-interactive-blog-<account>-{}"
    assert json.loads(captured.out) == {
        "StackSetName": "emrs",
        "Status": "DELETED",
        "Deleted": True,
        "Instances": [],
        "Kept": [
            {"Account": "****3333", "Region": region, "Bucket": bucket.format(region)}
            for region in ("eu-west-1", "us-east-1")
        ],
        "Operations": [
            {"Operation": "deletion of stack instances", "Status": "SUCCEEDED",
             "Reason": ""}
        ],
        "Succeeded": True,
    }  # fmt: skip
    assert "deleted StackSet emrs" in captured.err
    assert "111122223333" not in captured.out + captured.err


def test_status_of_a_missing_set_is_one_line(mocked_aws, capsys) -> None:
    assert run("stackset", "status", "--name", "nothere") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("emrs-env stackset status: error: no StackSet nothere")
    assert len(err.splitlines()) == 1


def test_destroy_of_a_missing_set_deletes_nothing_as_destroy_does(
    mocked_aws, capsys
) -> None:
    """As `destroy` of a missing stack (and delete-stack): exit 0, one line."""
    assert run("stackset", "destroy", "--name", "nothere", "--yes") == 0
    said = capsys.readouterr()
    text = (said.out + said.err).strip()
    assert text.startswith("StackSet nothere does not exist") and "nothing" in text


def test_a_new_set_says_what_it_adds(mocked_aws, capsys, tmp_path) -> None:
    ous, _accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    assert run(*deploy_args(ous, "--template", str(small), "--regions",
                            "eu-west-1")) == 0  # fmt: skip
    said = capsys.readouterr()
    assert "parameters given: none; added for a new set: RegionalIamNames=true, " \
           "UniqueBucketName=true" in said.out + said.err  # fmt: skip


# --- publish --share-with: CreatePortfolioShare (AWS Service Catalog API Reference),
# which moto lacks: botocore's Stubber.


def test_publish_shares_with_an_ou_with_principal_sharing(
    mocked_aws, monkeypatch, capsys
) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="templates")
    catalog = boto3.client("servicecatalog", region_name="us-east-1")
    stub = Stubber(catalog)
    stub.add_response(
        "create_portfolio_share",
        {"PortfolioShareToken": "share-1"},
        {"PortfolioId": "port-abc123", "SharePrincipals": True,
         "OrganizationNode": {"Type": "ORGANIZATIONAL_UNIT",
                              "Value": "ou-ab12-cdef3456"}},
    )  # fmt: skip
    real_client = Aws.client

    def client(self, service):
        return catalog if service == "servicecatalog" else real_client(self, service)

    monkeypatch.setattr(Aws, "client", client)
    with stub:
        code = run("publish", "--template", TEMPLATE, "--template-bucket",
                   "templates", "--share-with", "ou-ab12-cdef3456",
                   "--portfolio-id", "port-abc123")  # fmt: skip
        stub.assert_no_pending_responses()
    assert code == 0
    out = capsys.readouterr().out
    assert "shared portfolio port-abc123 with ou-ab12-cdef3456" in out
    assert "associate the IAM roles" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--share-with", "everyone", "--portfolio-id", "port-a"],
            "not an organization",
        ),
        (["--share-with", "o-abcdefghij"], "needs --portfolio-id"),
    ],
)
def test_bad_share_targets_are_refused_before_any_aws_call(
    monkeypatch, capsys, extra: list[str], message: str
) -> None:
    def no_aws(self, service):
        raise AssertionError(f"{service} called")

    monkeypatch.setattr(Aws, "client", no_aws)
    args = ["publish", "--template", TEMPLATE, "--template-bucket", "t"]
    assert run(*args, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_re_run_changes_only_what_it_names(
    mocked_aws, capsys, tmp_path, monkeypatch
) -> None:
    """UpdateStackSet drops tags sent as [] and resets parameters not sent to their
    defaults; a re-run keeps both, and never flips RegionalIamNames."""
    ous, _accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    one_region = ["--template", str(small), "--regions", "eu-west-1"]
    assert run(*deploy_args(ous, "--parameter", "NatGateways=single",
                            "--parameter", "RegionalIamNames=false",
                            "--tags", "team=data", *one_region)) == 0  # fmt: skip
    sent: list[dict] = []
    original = Aws.client

    def recording(self: Aws, service: str):  # the real client, its calls recorded
        client = original(self, service)
        client.meta.events.register(
            "before-parameter-build.cloudformation.UpdateStackSet",
            lambda params, **_k: sent.append(dict(params)),
            unique_id="record-update-stack-set",
        )
        return client

    monkeypatch.setattr(Aws, "client", recording)
    assert run(*deploy_args(ous, *one_region)) == 0
    [update] = sent
    assert "Tags" not in update, "tags not given are kept"
    assert sorted(update["Parameters"], key=lambda p: p["ParameterKey"]) == [
        {"ParameterKey": "NatGateways", "UsePreviousValue": True},
        {"ParameterKey": "RegionalIamNames", "UsePreviousValue": True},
        {"ParameterKey": "UniqueBucketName", "UsePreviousValue": True},
    ]
    capsys.readouterr()


def test_a_rollout_asks_first_and_refuses_without_a_terminal(
    mocked_aws, capsys, tmp_path, monkeypatch
) -> None:
    import io

    ous, accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    override = f"{accounts[0]}:NatGateways=none"
    args = [a for a in deploy_args(ous, "--template", str(small), "--parameter",
                                   "NatGateways=single", "--account-parameter",
                                   override) if a != "--yes"]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(*args) == 2
    assert "no terminal to confirm on; pass --yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    asked: list[str] = []
    monkeypatch.setattr(
        "builtins.input", lambda question: asked.append(question) or "n"
    )
    assert run(*args) == 1
    out = capsys.readouterr().out
    assert asked == ["Roll it out? [y/N] "]
    assert (
        f"Create StackSet emrs: every account of {ous[0]}, {ous[1]} (and accounts "
        "that join them) in us-east-1, eu-west-1; parameters given: "
        "NatGateways=single; added for a new set: RegionalIamNames=true, "
        "UniqueBucketName=true (IAM names carry the region, and each stack's bucket "
        f"its own name); for ****{accounts[0][-4:]}: NatGateways=none"
    ) in out
    assert accounts[0] not in out
    assert "Nothing was changed." in out
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    assert cfn.list_stack_sets()["Summaries"] == []


@pytest.mark.parametrize(
    ("region", "why"),
    [
        ("eu-west-9", "is not a region CloudFormation serves"),
        ("us-east-7", "is not a region CloudFormation serves"),
        ("us-east1", "is not a region name such as eu-west-1"),
    ],
)
def test_an_unknown_region_is_refused_before_any_aws_call(
    monkeypatch, capsys, region: str, why: str
) -> None:
    def no_aws(self, service):
        raise AssertionError(f"{service} called")

    monkeypatch.setattr(Aws, "client", no_aws)
    # The region list is botocore's data, not a session: a profile that does not
    # exist changes nothing.
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    code = run("stackset", "deploy", "--name", "emrs", "--ou", "ou-ab12-cdef3456",
               "--regions", f"eu-west-1,{region}", "--yes")  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"--regions: {region!r} {why}" in err
    assert len(err.strip().splitlines()) == 1


def test_every_region_the_template_serves_is_known() -> None:
    from generator.template.regions import EMR_SERVERLESS_REGIONS

    text = ",".join(EMR_SERVERLESS_REGIONS)
    assert stackset.check_regions(text) == list(EMR_SERVERLESS_REGIONS)


def test_json_reports_of_every_action(mocked_aws, capsys, tmp_path) -> None:
    import json

    ous, accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    override = f"{accounts[0]}:NatGateways=none"
    assert run(*deploy_args(ous, "--template", str(small), "--json", "--parameter",
                            "NatGateways=single", "--account-parameter",
                            override)) == 0  # fmt: skip
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    short = f"****{accounts[0][-4:]}"
    assert report == {
        "StackSetName": "emrs",
        "Action": "CREATE",
        "Executed": True,
        "OrganizationalUnits": ous,
        "Regions": REGIONS.split(","),
        "Parameters": {"NatGateways": "single"},
        "Overrides": [{"Account": short, "Parameters": {"NatGateways": "none"}}],
        "Operations": [
            {"Operation": "stack instances", "Status": "SUCCEEDED", "Reason": ""},
            {"Operation": f"overrides of {short}", "Status": "SUCCEEDED",
             "Reason": ""},
        ],
        "Instances": report["Instances"],
        "Succeeded": True,
    }  # fmt: skip
    assert len(report["Instances"]) == 4
    # The lines for people go to standard error, the question's summary too.
    assert "Create StackSet emrs" in captured.err and "stack instances" in captured.err
    assert run(*deploy_args(ous, "--template", str(small), "--json")) == 0
    update = json.loads(capsys.readouterr().out)
    assert update["Action"] == "UPDATE" and update["Executed"] is True
    assert run("stackset", "status", "--name", "emrs", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["Status"] == "ACTIVE" and len(status["Instances"]) == 4
    assert status["PermissionModel"] == "SERVICE_MANAGED"
    text = json.dumps([report, update, status])
    assert all(a not in text for a in accounts), "accounts are shortened"
    assert all(i["Account"].startswith("****") for i in status["Instances"])


@pytest.mark.parametrize("action", ["deploy", "destroy"])
def test_json_without_yes_is_refused_before_any_aws_call(
    monkeypatch, capsys, action: str
) -> None:
    """As deploy: the question would land in the JSON on standard output."""

    def no_aws(self, service):
        raise AssertionError(f"{service} called")

    monkeypatch.setattr(Aws, "client", no_aws)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda _question: "y")
    args = ["stackset", action, "--name", "emrs", "--json"]
    if action == "deploy":
        args += ["--ou", "ou-ab12-cdef3456", "--regions", REGIONS]
    assert run(*args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        f"emrs-env stackset {action}: error: --json needs --yes: a script cannot "
        "answer the question"
    )


def test_destroy_asks_and_an_end_of_input_deletes_nothing(
    mocked_aws, capsys, tmp_path, monkeypatch
) -> None:
    ous, _accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    assert run(*deploy_args(ous, "--template", str(small))) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)

    def end_of_input(question: str) -> str:
        assert question == "Delete StackSet emrs and its 4 stack instances? [y/N] "
        raise EOFError

    monkeypatch.setattr("builtins.input", end_of_input)
    assert run("stackset", "destroy", "--name", "emrs") == 1
    assert "Nothing was deleted." in capsys.readouterr().out
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    assert cfn.describe_stack_set(StackSetName="emrs")["StackSet"]["Status"] == "ACTIVE"
    assert len(cfn.list_stack_instances(StackSetName="emrs")["Summaries"]) == 4


def test_an_update_the_change_matrix_refuses_stops_before_any_change(
    mocked_aws, capsys, tmp_path
) -> None:
    """The set's current values against the new ones, as the template's change
    guard judges them in each account; a tag change while the stacks have an
    application is refused with the way out (cloudformation-coverage-roadmap 2370:
    UpdateApplication is refused while the application is STARTED)."""
    ous, accounts = organization()
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    one_region = ["--regions", "eu-west-1"]
    assert run(*deploy_args(ous, "--template", str(small), "--tags", "team=data",
                            *one_region)) == 0  # fmt: skip
    capsys.readouterr()
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    before = cfn.describe_stack_set(StackSetName="emrs")["StackSet"]
    for extra, says in [
        (["--parameter", "VpcCidr=10.1.0.0/16"], "Changing VPC CIDR block (VpcCidr)"),
        (["--account-parameter", f"{accounts[0]}:BucketName=mine"],
         "Renaming the notebook bucket"),
        (["--tags", "team=other"], "run again with --tags-when-stopped"),
    ]:  # fmt: skip
        assert run(*deploy_args(ous, *extra, *one_region)) == 2
        line = capsys.readouterr().err.strip()
        assert says in line and "\n" not in line, line
        assert line.startswith("emrs-env stackset") and "Traceback" not in line
    after = cfn.describe_stack_set(StackSetName="emrs")["StackSet"]
    assert after["Parameters"] == before["Parameters"]
    assert after["Tags"] == before["Tags"]
