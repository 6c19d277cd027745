"""The quota model (generator/template/limits.py) and config validation, at their
boundaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.template import config, limits
from generator.template.config import ConfigError, Options


def stack(resources: int = 1, outputs: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "Resources": {
            f"R{i}": {"Type": "AWS::SNS::Topic", "Properties": {}}
            for i in range(resources)
        },
        "Outputs": {f"O{i}": {"Value": "x"} for i in range(outputs)},
        **extra,
    }


@pytest.mark.parametrize(
    ("what", "at_limit", "over"),
    [
        ("resources", stack(resources=500), stack(resources=501)),
        ("outputs", stack(outputs=200), stack(outputs=201)),
        (
            "parameters",
            stack(Parameters={f"P{i}": {"Type": "String"} for i in range(200)}),
            stack(Parameters={f"P{i}": {"Type": "String"} for i in range(201)}),
        ),
        (
            "mappings",
            stack(Mappings={f"M{i}": {"a": {"b": "c"}} for i in range(200)}),
            stack(Mappings={f"M{i}": {"a": {"b": "c"}} for i in range(201)}),
        ),
    ],
)
def test_stack_quotas_at_and_past_the_limit(what: str, at_limit: dict, over: dict):
    assert limits.problems(at_limit, 100) == []
    (problem,) = limits.problems(over, 100)
    assert problem.startswith(f"{what}: ") and "(limit " in problem


def test_template_bytes_at_and_past_the_limit() -> None:
    assert limits.problems(stack(), 1_000_000) == []
    assert limits.problems(stack(), 1_000_001) == [
        "template bytes: 1,000,001 (limit 1,000,000)"
    ]


def test_inline_body_limit_is_51200_bytes() -> None:
    from generator.aws.stack import TemplateFile
    from generator.errors import CommandError

    def location(text: str) -> dict[str, str]:
        return TemplateFile(Path("t.yaml"), text, {}).location(None, None)

    assert location("x" * 51_200) == {"TemplateBody": "x" * 51_200}
    assert location("é" * 25_600) == {"TemplateBody": "é" * 25_600}, "bytes count"
    with pytest.raises(CommandError, match="51,201 bytes"):
        location("x" * 51_201)


def test_measure_is_over_only_past_its_limit() -> None:
    assert not limits.Measure("m", 10, 10).over
    assert limits.Measure("m", 11, 10).over
    assert str(limits.Measure("m", 6145, 6144)) == "m: 6,145 (limit 6,144)"


def test_fits() -> None:
    assert limits.fits(1, 24, 2, 200) == 89
    assert limits.fits(1, 24, 2, 25) == 1
    assert limits.fits(1, 24, 2, 20) == 1
    assert limits.fits(1, 24, 0, 200) is None
    assert limits.fits(1, 24, -1, 200) is None


def test_iam_counts_characters_without_white_space() -> None:
    assert limits.iam_chars({"a b": ["c  d", 1]}) == len('{"ab":["cd",1]}')


def resolver(**template: Any) -> limits.Resolver:
    return limits.Resolver({"Resources": {}, "Parameters": {}, **template})


def test_resolver_takes_each_function_at_its_longest() -> None:
    r = resolver(
        Mappings={"M": {"short": {"k": ["a"]}, "long": {"k": ["a", "bbbbbb"]}}},
        Parameters={
            "Choice": {"Type": "String", "AllowedValues": ["a", "ccc", "bb"]},
            "Count": {"Type": "Number", "MaxValue": 4000, "Default": 3},
            "Name": {"Type": "String", "MaxLength": 4},
            "Free": {"Type": "String"},
            "Roles": {"Type": "CommaDelimitedList"},
        },
    )
    assert r.resolve({"Ref": "Choice"}) == "ccc"
    assert r.resolve({"Ref": "Count"}) == "4000"
    assert r.resolve({"Ref": "Name"}) == "xxxx"
    assert r.resolve({"Ref": "Free"}) == "x" * 64
    assert r.resolve({"Ref": "Roles"}) == ["x" * 64]
    assert r.resolve({"Fn::If": ["C", "a", "bbb"]}) == "bbb"
    assert r.resolve({"Fn::If": ["C", "abcd", {"Ref": "AWS::NoValue"}]}) == "abcd"
    assert r.resolve(["a", {"Ref": "AWS::NoValue"}, "b"]) == ["a", "b"]
    assert r.resolve({"k": {"Ref": "AWS::NoValue"}, "j": 1}) == {"j": 1}
    assert r.resolve({"Fn::Join": ["-", ["a", "b"]]}) == "a-b"
    assert r.resolve({"Fn::Select": [5, ["a", "b"]]}) == "b"
    assert r.resolve({"Fn::Select": [0, ["a", "b"]]}) == "a"
    assert r.resolve({"Fn::Split": [",", "a,b"]}) == ["a", "b"]
    assert r.resolve({"Fn::FindInMap": ["M", "nowhere", "k"]}) == ["a", "bbbbbb"]
    assert r.resolve({"Fn::FindInMap": ["M", "short", "k"]}) == ["a"]
    assert len(r.resolve({"Fn::Cidr": ["10.0.0.0/16", 3, 12]})) == 3
    assert len(r.resolve({"Fn::GetAZs": ""})) == 2
    assert r.resolve({"Fn::Sub": "${!Literal}-${AWS::Partition}"}) == (
        "${Literal}-aws-us-gov"
    )
    assert r.resolve({"Fn::Sub": ["${A}/${Name}", {"A": "z"}]}) == "z/xxxx"
    assert r.resolve({"Ref": "AWS::AccountId"}) == limits.ACCOUNT
    assert len(r.resolve({"Ref": "AWS::StackName"})) == limits.MAX_STACK_NAME


def test_resolver_gives_resources_their_longest_arns() -> None:
    r = resolver(
        Resources={
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": "r", "Path": "/p/"},
            },
            "Anon": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {}},
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
        }
    )
    assert r.resolve({"Fn::GetAtt": ["Role", "Arn"]}) == (
        f"arn:aws-us-gov:iam::{limits.ACCOUNT}:role/p/r"
    )
    assert r.resolve({"Fn::GetAtt": "Role.Arn"}).endswith(":role/p/r")
    assert r.resolve({"Ref": "Anon"}) == "g" * limits.GENERATED_NAME
    assert r.resolve({"Ref": "Secret"}).endswith(limits.SECRET_SUFFIX)
    assert r.resolve({"Fn::Sub": "${Role.Arn}"}).endswith(":role/p/r")
    assert (
        r.resolve({"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}) == "sg-" + "0" * 17
    )


def iam_template(**resources: dict) -> dict[str, Any]:
    return {"Resources": resources, "Parameters": {}}


def doc(chars: int) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                           "Resource": "x" * chars}]}  # fmt: skip


def over(template: dict[str, Any]) -> list[str]:
    return [m.what for m in limits.iam_measures(template) if m.over]


def test_inline_policy_quotas_per_principal_kind() -> None:
    base = limits.iam_chars(doc(0))
    user = {"Type": "AWS::IAM::User", "Properties": {"Policies": [
        {"PolicyDocument": doc(2048 - base)}]}}  # fmt: skip
    assert over(iam_template(U=user)) == []
    user["Properties"]["Policies"][0]["PolicyDocument"] = doc(2049 - base)
    assert over(iam_template(U=user)) == ["inline policies of user U"]
    group = {"Type": "AWS::IAM::Group", "Properties": {"Policies": [
        {"PolicyDocument": doc(5121 - base)}]}}  # fmt: skip
    assert over(iam_template(G=group)) == ["inline policies of group G"]
    trust = {"Statement": []}
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": trust,
        "Policies": [{"PolicyDocument": doc(6000)}, {"PolicyDocument": doc(4300)}],
    }}  # fmt: skip
    assert over(iam_template(R=role)) == ["inline policies of role R"]
    role["Properties"]["Policies"].pop()
    standalone = {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyDocument": doc(4300), "Roles": [{"Ref": "R"}]}}  # fmt: skip
    assert over(iam_template(R=role, P=standalone)) == ["inline policies of role R"]


def test_managed_policy_size_and_attachment_counts() -> None:
    base = limits.iam_chars(doc(0))
    managed = {
        f"M{i}": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": doc(10), "Groups": [{"Ref": "G"}]}}  # fmt: skip
        for i in range(10)
    }
    group = {"Type": "AWS::IAM::Group", "Properties": {}}
    assert over(iam_template(G=group, **managed)) == []
    managed["M10"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": doc(6145 - base), "Groups": [{"Ref": "G"}]}}  # fmt: skip
    assert over(iam_template(G=group, **managed)) == [
        "managed policy M10",
        "managed policies attached to group G",
    ]


def test_user_groups_name_and_trust_quotas() -> None:
    user = {"Type": "AWS::IAM::User", "Properties": {
        "UserName": "u" * 64, "Groups": [f"g{i}" for i in range(10)]}}  # fmt: skip
    assert over(iam_template(U=user)) == []
    user["Properties"]["UserName"] = "u" * 65
    user["Properties"]["Groups"].append("g10")
    assert over(iam_template(U=user)) == ["groups of user U", "name of user U"]
    role = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": doc(2100)}}  # fmt: skip
    assert over(iam_template(R=role)) == ["trust policy of role R"]


GOV = "arn:aws-us-gov"
REGIONAL = f"{limits.LONGEST_REGION}:{limits.ACCOUNT}"


def test_every_arn_form_at_its_longest() -> None:
    named = {
        "User": ("AWS::IAM::User", {"UserName": "u", "Path": "/x/"}),
        "Policy": ("AWS::IAM::ManagedPolicy", {"ManagedPolicyName": "p"}),
        "Bucket": ("AWS::S3::Bucket", {"BucketName": "b"}),
        "Secret": ("AWS::SecretsManager::Secret", {"Name": "s"}),
        "Logs": ("AWS::Logs::LogGroup", {"LogGroupName": "l"}),
        "Key": ("AWS::KMS::Key", {}),
        "Function": ("AWS::Lambda::Function", {"FunctionName": "f"}),
        "Queue": ("AWS::SQS::Queue", {}),
        "Group": ("AWS::IAM::Group", {}),
    }
    r = resolver(Resources={k: {"Type": t, "Properties": p}
                            for k, (t, p) in named.items()})  # fmt: skip
    account = limits.ACCOUNT
    assert {k: r.arn(k) for k in named} == {
        "User": f"{GOV}:iam::{account}:user/x/u",
        "Policy": f"{GOV}:iam::{account}:policy/p",
        "Bucket": f"{GOV}:s3:::b",
        "Secret": f"{GOV}:secretsmanager:{REGIONAL}:secret:s-AbCdEf",
        "Logs": f"{GOV}:logs:{REGIONAL}:log-group:l:*",
        "Key": f"{GOV}:kms:{REGIONAL}:key/{'k' * 36}",
        "Function": f"{GOV}:lambda:{REGIONAL}:function:f",
        "Queue": f"{GOV}:sqs:{REGIONAL}:{'r' * 128}",
        "Group": f"{GOV}:iam:{REGIONAL}:{'r' * 128}",
    }
    assert r.ref("Policy") == r.arn("Policy") and r.ref("Secret") == r.arn("Secret")
    assert r.ref("Bucket") == "b" and r.ref("Key") == "g" * 64
    assert r.get_att("Bucket", "DomainName") == "a" * 128


def test_parameters_without_bounds_and_dotted_attributes() -> None:
    r = resolver(
        Parameters={
            "Days": {"Type": "Number", "Default": 30},
            "Bare": {"Type": "Number"},
            "Pick": {"Type": "Number", "AllowedValues": [1, 365, 30]},
        },
        Resources={"Res": {"Type": "AWS::EC2::VPC"}},
    )
    assert r.resolve({"Ref": "Days"}) == "30"
    assert r.resolve({"Ref": "Bare"}) == "0"
    assert r.resolve({"Ref": "Pick"}) == "365"
    assert r.get_att("Res", "Arn") == f"{GOV}:ec2:{REGIONAL}:{'r' * 128}"
    calls: list[tuple[str, str]] = []
    r.get_att = lambda logical, attribute: calls.append((logical, attribute)) or "v"
    r.resolve({"Fn::GetAtt": "Res.Outputs.Name"})
    r.resolve({"Fn::Sub": "${Res.Outputs.Name}"})
    assert calls == [("Res", "Outputs.Name")] * 2
    assert r.resolve({"Fn::Select": [0, []]}) == ""
    assert r.resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["255.255.255.255/20"] * 2
    assert r.longer({"a": "x"}, "yy") == {"a": "x"}, "longest as JSON"
    assert r.longer(limits.NO_VALUE) is limits.NO_VALUE


def test_who_a_policy_names_and_how_many_policies_each_has() -> None:
    template = iam_template(
        Early={"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": {}, "Users": [{"Ref": "Admin"}],
            "Roles": ["RefRole"]}},
        Admin={"Type": "AWS::IAM::User", "Properties": {
            "ManagedPolicyArns": ["arn:a", {"Fn::If": ["C", "arn:b", "arn:c"]}]}},
        Role={"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {}}},
        Shared={"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": {},
            "Roles": [{"Ref": "Role"}, {"Fn::If": ["C", {"Ref": "Other"}, ""]},
                      "named-role", ""],
            "Users": [{"Ref": "Admin"}],
            "Groups": {"Ref": "Team"}}},
    )  # fmt: skip
    found = {m.what: m.value for m in limits.iam_measures(template)}
    assert {k: v for k, v in found.items() if k.startswith("managed policies")} == {
        "managed policies attached to user Admin": 4,
        "managed policies attached to role RefRole": 1,
        "managed policies attached to role Role": 1,
        "managed policies attached to role Other": 1,
        "managed policies attached to role named-role": 1,
        "managed policies attached to group Team": 1,
    }
    assert (
        found["managed policy Shared"] == 2 and found["trust policy of role Role"] == 2
    )


def test_every_iam_measure_exactly() -> None:
    key_policy = {"Statement": [{"Effect": "Allow", "Principal": "*"}]}
    template = iam_template(
        Team={"Type": "AWS::IAM::Group"},
        Ana={"Type": "AWS::IAM::User", "Properties": {"UserName": "ana"}},
        Anon={"Type": "AWS::IAM::User"},
        Inline={"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyDocument": doc(1), "Users": [{"Ref": "Ana"}],
            "Groups": ["Team"], "Roles": []}},
        Key={"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": key_policy}},
    )  # fmt: skip
    chars = limits.iam_chars(doc(1))
    assert [(m.what, m.value, m.limit) for m in limits.iam_measures(template)] == [
        ("groups of user Ana", 0, 10),
        ("name of user Ana", 3, 64),
        ("groups of user Anon", 0, 10),
        ("name of user Anon", 0, 64),
        ("key policy of Key", len(json.dumps(key_policy, separators=(",", ":"))),
         32_768),
        ("inline policies of group Team", chars, 5_120),
        ("inline policies of user Ana", chars, 2_048),
        ("managed policies attached to group Team", 0, 10),
        ("managed policies attached to user Ana", 0, 10),
        ("managed policies attached to user Anon", 0, 10),
    ]  # fmt: skip
    assert limits.iam_measures({}) == []


def test_resolver_defaults_for_bare_templates_and_resources() -> None:
    bare = limits.Resolver({})
    assert bare.ref("AWS::Region") == limits.LONGEST_REGION
    with pytest.raises(KeyError):
        bare.ref("Missing")
    r = resolver(
        Resources={"Role": {"Type": "AWS::IAM::Role"}},
        Parameters={"Pick": {"Type": "String", "AllowedValues": ["zz", "aaa"]}},
    )
    assert r.arn("Role") == f"{GOV}:iam::{limits.ACCOUNT}:role/{'g' * 64}"
    assert r.resolve({"Ref": "Pick"}) == "aaa", "the longest, not the last"


def test_fits_with_a_step_of_one() -> None:
    assert limits.fits(1, 24, 1, 30) == 7


# --- config ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["ana\n", "ana ", "", "a" * 46, "bad/name", "ana\nraj", "ünï"],
)
def test_bad_user_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match=r"developers\[0\].*not a valid IAM user"):
        Options(developers=(name,))
    with pytest.raises(ConfigError, match="admin_user"):
        Options(admin_user=name)


def test_good_user_names() -> None:
    # 64 IAM characters less the NamePrefix (4) and the longest region and hyphen
    # RegionalIamNames adds (15).
    Options(admin_user="a" * 45, developers=("x+y=z,w.v@u_t-s",))


NON_EMPTY = "must be a non-empty list of IAM user names"
PUNCTUATION = "choose names that differ in letters or digits"


@pytest.mark.parametrize(
    ("developers", "field", "problem"),
    [
        (("Ana", "ana"), "developers[1]", "'ana' is already used by developers[0]"),
        (("emrs-interactive-app-admin-user".upper(),), "developers[0]",
         "'EMRS-INTERACTIVE-APP-ADMIN-USER' is already used by admin_user"),
        (("a.b", "a-b"), "developers[1]",
         f"'a-b' and developers[0] differ only in punctuation; {PUNCTUATION}"),
        ((), "developers", NON_EMPTY),
        ("ana", "developers", NON_EMPTY),
    ],
)  # fmt: skip
def test_config_errors_name_the_field_exactly(
    developers: Any, field: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Options(developers=developers)
    assert caught.value.field_name == field
    assert str(caught.value) == f"config field '{field}': {problem}"


def test_admin_user_errors_name_their_field() -> None:
    with pytest.raises(ConfigError) as caught:
        Options(admin_user="bad name")
    assert caught.value.field_name == "admin_user"
    assert str(caught.value) == (
        "config field 'admin_user': 'bad name' is not a valid IAM user name "
        f"({config.USER_NAME_RULE})"
    )


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    return caught.value


def test_config_file_errors_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text('colour = "blue"\n')
    error = load_error(path)
    assert (error.field_name, str(error)) == (
        "colour",
        "config field 'colour': unknown key; allowed keys are admin_user, developers",
    )
    path.write_text('developers = "ana"\n')
    error = load_error(path)
    assert (error.field_name, str(error)) == (
        "developers", f"config field 'developers': {NON_EMPTY}"
    )  # fmt: skip
    path.write_text("developers = [\n")
    error = load_error(path)
    assert error.field_name == "--config"
    assert str(error).startswith(f"--config: {path} is not valid TOML: ")
    error = load_error(tmp_path / "missing.toml")
    assert (error.field_name, str(error)) == (
        "--config",
        f"--config: cannot read {tmp_path / 'missing.toml'}: "
        "No such file or directory",
    )
    path.write_text('developers = ["ana", "raj"]\n')
    assert config.load(path).developers == ("ana", "raj")
    assert config.load(None) == Options()


def test_the_stack_id_resolves_to_the_longest_stack_arn() -> None:
    """AWS::StackId is arn:<partition>:cloudformation:<region>:<account>:stack/<stack
    name>/<UUID> (CloudFormation User Guide, "Pseudo parameters reference"), with
    a stack name of at most 128 characters ("Understand CloudFormation quotas").
    Policies scoped to the stack's ARN are measured with it, so it must be at least
    as long as any real stack ID in a region the template serves."""
    from generator.template.regions import EMR_SERVERLESS_REGIONS

    resolver = limits.Resolver({})
    resolved = resolver.resolve({"Ref": "AWS::StackId"})
    name, uuid = "s" * 128, "00000000-0000-0000-0000-000000000000"
    assert resolved == (
        f"arn:aws-us-gov:cloudformation:{limits.LONGEST_REGION}:123456789012:"
        f"stack/{name}/{uuid}"
    )
    assert resolver.resolve({"Fn::Sub": "${AWS::StackId}"}) == resolved
    real = [
        f"arn:{partition}:cloudformation:{region}:123456789012:stack/{name}/{uuid}"
        for partition in ("aws", "aws-cn", "aws-us-gov")
        for region in EMR_SERVERLESS_REGIONS
    ]
    assert len(resolved) >= max(len(arn) for arn in real)
