"""The change matrix: every parameter's change, derived from the template and the
provider schemas, and the transitions refused before any change set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.aws.deploy import Deployment
from generator.aws.session import Aws
from generator.aws.stack import TemplateFile
from generator.errors import CommandError
from generator.template import changes
from generator.template.composer import build_template
from generator.template.config import Options
from generator.template.intrinsics import parameter_values
from tests.aws.commands import one_line_error, run
from tests.documents.test_documents import parameters_reaching
from tests.scripted import error, scripted

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "build" / "emr-serverless-interactive.json").read_text())
DEFAULTS = {k: str(v) for k, v in parameter_values(TEMPLATE).items()}
SUBNETS = "subnet-0123456789abcdef0,subnet-0123456789abcdef1"


def test_the_recorded_create_only_table_is_the_schemas() -> None:
    from generator.template.provisioning import environment_types

    recorded = json.loads(changes.TABLE.read_text())
    assert recorded == changes.derive_table(environment_types())


@pytest.mark.parametrize(
    "options",
    [Options(), Options(developers=tuple(f"dev{i}" for i in range(12)))],
    ids=["defaults", "twelve developers"],
)
def test_the_matrix_covers_every_parameter(options: Options) -> None:
    template = build_template(options).to_dict()
    table = changes.matrix(template)
    assert set(table) == set(template["Parameters"])
    assert all(change.words() for change in table.values())


def test_every_change_that_reaches_the_application_stops_it_first() -> None:
    application = TEMPLATE["Resources"]["Application"]["Properties"]
    reaching = parameters_reaching(application, TEMPLATE)
    assert {"VpcCidr", "NumberOfAZs", "ExistingPrivateSubnetIds", "ExistingVpcId",
            "BucketName", "ReleaseLabel"} <= reaching  # fmt: skip
    table = changes.matrix(TEMPLATE)
    for name in reaching:
        assert table[name].stops_application, name
        assert "application is stopped first" in table[name].words(), name
    assert not table["NoncurrentVersionExpirationDays"].stops_application


@pytest.mark.parametrize(
    ("parameter", "replaced"),
    [
        ("VpcCidr", {"Vpc", "Studio", "InternetGatewayAttachment"}),
        ("EncryptionKey", {"Studio"}),  # EncryptionKeyArn is create-only
        ("RegionalIamNames", {"Studio", "StudioServiceRole"}),  # ServiceRole
        ("BucketName", {"NotebookBucket"}),
    ],
)
def test_create_only_properties_replace_what_refers_to_them(
    parameter: str, replaced: set[str]
) -> None:
    assert replaced <= set(changes.change_of(TEMPLATE, parameter).replaced)


def transition(**changed: str) -> tuple[dict[str, str], dict[str, str]]:
    return DEFAULTS, DEFAULTS | changed


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ({}, {"VpcCidr": "10.1.0.0/16"}, "Changing VPC CIDR block (VpcCidr) while"),
        ({"EncryptionKey": "customer-managed"}, {"EncryptionKey": "service-default"},
         "nobody could read them"),
        ({"NumberOfAZs": "3"}, {"NumberOfAZs": "2"}, "subnets can only grow"),
        ({"ExistingVpcId": "vpc-0123456789abcdef0",
          "ExistingPrivateSubnetIds": SUBNETS},
         {"ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"},
         "subnets can only grow"),
    ],
)  # fmt: skip
def test_transitions_aws_refuses_are_refused_with_the_way_out(
    old: dict, new: dict, says: str
) -> None:
    before = DEFAULTS | old
    refused = changes.refusal(TEMPLATE, before, before | new)
    assert refused is not None and says in str(refused)
    assert "\n" not in str(refused) and "; " in str(refused), "reason; way out"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({}, {"NumberOfAZs": "3"}),  # subnets only grow
        ({"EncryptionKey": "service-default"}, {"EncryptionKey": "customer-managed"}),
        ({"EncryptionKey": "aws-managed"}, {"EncryptionKey": "service-default"}),
        ({"ExistingVpcId": "vpc-0123456789abcdef0",
          "ExistingPrivateSubnetIds": SUBNETS},
         {"VpcCidr": "10.1.0.0/16"}),  # the CIDR is unused with an existing VPC
        ({"NumberOfAZs": "3", "CreateStudio": "false"}, {"NumberOfAZs": "2"}),
        # a subnet added to an existing VPC's list: UpdateStudio takes it
        ({"ExistingVpcId": "vpc-0123456789abcdef0",
          "ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"},
         {"ExistingPrivateSubnetIds": SUBNETS}),
        # another VPC replaces the Studio (VpcId is create-only): not UpdateStudio
        ({"ExistingVpcId": "vpc-0123456789abcdef0",
          "ExistingPrivateSubnetIds": SUBNETS},
         {"ExistingVpcId": "vpc-0123456789abcdef1",
          "ExistingPrivateSubnetIds":
          "subnet-0123456789abcdef2,subnet-0123456789abcdef3"}),
        # the prefix does not name a bucket with its own name
        ({"BucketName": "my-notebooks"}, {"NamePrefix": "dev-"}),
        ({"CreateStudio": "false"}, {"BucketName": "my-notebooks"}),
    ],
)  # fmt: skip
def test_transitions_aws_takes_are_allowed(old: dict, new: dict) -> None:
    before = DEFAULTS | old
    assert changes.refusal(TEMPLATE, before, before | new) is None


def test_effects_say_what_a_transition_does() -> None:
    old, new = transition(EncryptionKey="service-default")
    old = old | {"EncryptionKey": "aws-managed"}
    assert changes.effects(TEMPLATE, old, new) == [
        "EncryptionKey 'aws-managed' to 'service-default': Changes nothing in AWS."
    ]
    old, new = transition(ReleaseLabel="emr-7.12.0")
    [said] = changes.effects(TEMPLATE, old, new)
    assert "application is stopped first" in said


def deployed(parameters: dict[str, str]) -> dict[str, Any]:
    return {
        "StackName": "emrs", "StackStatus": "UPDATE_COMPLETE",
        "CreationTime": "2026-11-28T09:00:00Z",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                       for k, v in parameters.items()],
    }  # fmt: skip


def test_deploy_refuses_before_any_change_set(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    cfn = scripted(
        "cloudformation",
        describe_stacks=[{"Stacks": [deployed(DEFAULTS)]}],
        create_change_set=[error("AccessDenied", "must not be called")],
    )
    monkeypatch.setattr(Aws, "client", lambda _self, _service: cfn)
    code = run("deploy", "--stack-name", "emrs", "--region", "eu-west-1", "--yes",
               "--template-bucket", "templates",
               "--parameter", "VpcCidr=10.1.0.0/16")  # fmt: skip
    assert code == 2
    line = one_line_error(capsys)
    assert line.startswith(
        "emrs-env deploy: error: Changing VPC CIDR block (VpcCidr) while the stack "
        "creates the VPC is refused:"
    )
    assert "deploy a new stack" in line
    assert "create_change_set" not in cfn.script.names()


@pytest.mark.parametrize("imported", [True, False])
def test_dropping_an_export_another_stack_imports_is_refused(imported: bool) -> None:
    """Updating a stack made with per-developer outputs: the outputs go, and an
    export another stack imports would fail the update, so it is refused first."""
    stack = deployed(DEFAULTS) | {"Outputs": [
        {"OutputKey": "BucketName", "OutputValue": "b",
         "ExportName": "emrs-BucketName"},
        {"OutputKey": "DeveloperAnaSecretArn", "OutputValue": "arn",
         "ExportName": "emrs-DeveloperAnaSecretArn"},
    ]}  # fmt: skip
    answer = (
        {"Imports": ["team-dashboards"]}
        if imported
        else error("ValidationError",
                   "Export 'emrs-DeveloperAnaSecretArn' is not imported by any stack.",
                   "ListImports")
    )  # fmt: skip
    cfn = scripted("cloudformation", region="eu-west-1", list_imports=[answer])
    deployment = Deployment(
        Aws("eu-west-1", None, "emrs"), TemplateFile(Path("t"), "", TEMPLATE), {}
    )
    if imported:
        with pytest.raises(CommandError) as refused:
            deployment.check_exports(cfn, stack)
        assert refused.value.code == 2
        assert str(refused.value) == (
            "output DeveloperAnaSecretArn goes with this change, but stack "
            "team-dashboards imports its export emrs-DeveloperAnaSecretArn; remove "
            "that import first (CloudFormation refuses to delete an export in use)"
        )
    else:
        deployment.check_exports(cfn, stack)
    # only the dropped output's export is looked up; BucketName stays
    assert cfn.script.called("list_imports") == [
        {"ExportName": "emrs-DeveloperAnaSecretArn"}
    ]


def test_a_change_the_matrix_takes_is_said_in_words(capsys) -> None:
    deployment = Deployment(
        Aws("eu-west-1", None, "emrs"),
        TemplateFile(Path("t"), "", TEMPLATE),
        {"MaximumVcpu": "64"},
    )
    deployment.check_change(deployed(DEFAULTS))
    out = capsys.readouterr().out
    assert out.startswith(f"change: MaximumVcpu '{DEFAULTS['MaximumVcpu']}' to '64':")
    assert "application is stopped first" in out
    with pytest.raises(CommandError) as refused:
        Deployment(
            Aws("eu-west-1", None, "emrs"),
            TemplateFile(Path("t"), "", TEMPLATE),
            {"EncryptionKey": "service-default"},
        ).check_change(deployed(DEFAULTS | {"EncryptionKey": "customer-managed"}))
    assert refused.value.code == 2


def test_the_guide_s_update_table_is_the_matrix() -> None:
    readme = (ROOT / "docs" / "updating.md").read_text()
    begin, end = "<!-- change matrix: begin -->\n", "<!-- change matrix: end -->"
    assert begin in readme and end in readme
    shown = readme.split(begin, 1)[1].split(end, 1)[0]
    assert shown == changes.markdown_table(TEMPLATE)


VPC = {"ExistingVpcId": "vpc-0123456789abcdef0", "ExistingPrivateSubnetIds": SUBNETS}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({}, {"EncryptionKey": "customer-managed"}),
        ({}, {"RegionalIamNames": "true"}),
        ({}, {"NamePrefix": "dev-"}),
        ({}, VPC),
        (VPC, {**VPC, "ExistingVpcId": "vpc-0fedcba9876543210"}),
    ],
)
def test_a_studio_that_is_replaced_gets_a_new_name(old: dict, new: dict) -> None:
    from tests.helpers import render

    changed = [k for k in new if old.get(k, DEFAULTS[k]) != new[k]]
    assert any("Studio" in changes.change_of(TEMPLATE, k).replaced for k in changed)

    def name(values: dict) -> str:
        rendered = render({k: v for k, v in values.items()})
        return rendered["Resources"]["Studio"]["Properties"]["Name"]

    assert name(old) != name(new)
    assert name({}) == "emrs-interactive-studio", "the default Studio keeps its name"


def test_effects_resolve_create_only_properties_under_both_values() -> None:
    """Adding a subnet updates the Studio in place (SubnetIds is not create-only:
    AWS::EMR::Studio provider schema; UpdateStudio takes added subnets); another VPC
    replaces it (VpcId is)."""
    vpc = {"ExistingVpcId": "vpc-0123456789abcdef0"}
    old = DEFAULTS | vpc | {"ExistingPrivateSubnetIds": "subnet-0123456789abcdef0"}
    [said] = changes.effects(TEMPLATE, old, old | {"ExistingPrivateSubnetIds": SUBNETS})
    assert "Replaces" not in said and "Creates or deletes" not in said, said
    assert "application is stopped first" in said
    other = old | {"ExistingVpcId": "vpc-0123456789abcdef1"}
    [said] = changes.effects(TEMPLATE, old, other)
    assert "Replaces" in said and "the EMR Studio" in said, said


@pytest.mark.parametrize(
    "change",
    [
        {"NamePrefix": "dev-"},
        {"RegionalIamNames": "true"},
        {"EncryptionKey": "customer-managed"},
        {"ExistingVpcId": "vpc-0123456789abcdef0", "ExistingPrivateSubnetIds": SUBNETS},
        {"ReleaseLabel": "emr-7.12.0"},
        {"NumberOfAZs": "3"},
        {"NatGateways": "single"},
        {"MaximumVcpu": "64"},
    ],
)
def test_the_guard_s_studio_scope_changes_exactly_when_the_studio_is_replaced(
    change: dict[str, str],
) -> None:
    """A check scoped to the Studio judges only updates that keep it: the scope
    the template computes must change exactly when the change matrix, resolving
    the Studio's create-only properties, says the Studio is replaced."""
    from generator.template.intrinsics import Conditions, parameter_values

    before, after = DEFAULTS, DEFAULTS | change
    checks = TEMPLATE["Resources"]["ChangeGuard"]["Properties"]["Checks"]
    scope = checks["NumberOfAZs"]["Scope"]
    old = Conditions(TEMPLATE, parameter_values(TEMPLATE, **before)).resolve(scope)
    new = Conditions(TEMPLATE, parameter_values(TEMPLATE, **after)).resolve(scope)
    replaced = any(
        "Studio"
        in changes.transition(TEMPLATE, name, before, before | {name: value}).replaced
        for name, value in change.items()
    )
    assert (old != new) == replaced, (old, new)
