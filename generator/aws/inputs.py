"""Template parameters and stack tags from the command line, checked before any AWS
call against every constraint the template declares."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from generator.aws.session import usage
from generator.template.limits import LIST_LIMITS_KEY
from generator.words import count

# The AWS-specific parameter types CloudFormation checks by ID format, as listed on
# "Parameters" (AWS CloudFormation User Guide, "Supported AWS-specific parameter
# types"); CloudFormation also checks that the resource exists, which needs AWS.
AWS_ID_TYPES = {
    "AWS::EC2::VPC::Id": r"vpc-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Subnet::Id": r"subnet-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::SecurityGroup::Id": r"sg-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Image::Id": r"ami-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Instance::Id": r"i-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::Volume::Id": r"vol-[0-9a-f]{8}([0-9a-f]{9})?",
    "AWS::EC2::AvailabilityZone::Name": r"[a-z]{2}(-[a-z]+)+-[0-9][a-z]",
}
# Stack tags ("Tag", AWS CloudFormation API Reference): at most 50; keys 1-128
# characters, values up to 256; the aws: prefix is reserved.
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 50, 128, 256
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


# The forms --parameters-file reads, in the words its --help and docs/cli.md use.
PARAMETERS_FILE_FORMS = (
    "the JSON list `aws cloudformation` takes "
    '(`[{"ParameterKey": "K", "ParameterValue": "V"}]`; an entry with '
    '`"UsePreviousValue": true` keeps the deployed value), a JSON list of '
    '`"K=V"` strings, the JSON object `aws cloudformation deploy` takes '
    '(`{"Parameters": {"K": "V"}}`), or `K=V` lines (`#` starts a comment); '
    "--parameter wins over the file"
)


def split_pairs(pairs: Iterable[str], option: str) -> dict[str, str]:
    """KEY=VALUE strings as a dict; a key given twice is refused, since which one
    was meant cannot be known."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise usage(f"{option} {pair!r} is not KEY=VALUE")
        key = key.strip()
        if key in values:
            raise usage(
                f"{option} gives {key} twice ({values[key]!r} and {value!r}); "
                "give it once"
            )
        values[key] = value
    return values


def read_parameters_file(path: Path) -> dict[str, str]:
    """Parameters in any of PARAMETERS_FILE_FORMS; the keys whose entry says
    UsePreviousValue are left out, as a parameter not given keeps its value."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise usage(f"cannot read parameters file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise usage(f"parameters file {path} is not UTF-8 text") from exc
    if text.lstrip().startswith(("[", "{")):
        return _json_parameters(path, text)
    lines = [_uncommented(line) for line in text.splitlines()]
    return split_pairs([line for line in lines if line], f"{path}:")


def _uncommented(line: str) -> str:
    """A K=V line without its comment: `#` at the start, or after a space or tab,
    starts one (as in shell and .env files); a `#` inside a value stays."""
    found = re.search(r"(^|[ \t])#", line)
    return (line[: found.start()] if found else line).strip()


def _json_parameters(path: Path, text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise usage(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    except RecursionError as exc:
        raise usage(
            f"{path} nests brackets too deeply to be a parameters file"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        # `aws cloudformation deploy`'s file form; JSON keeps one of two equal keys
        return {str(k): _scalar(path, v) for k, v in data["Parameters"].items()}
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return split_pairs(data, f"{path}:")
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return _entries(path, data)
    raise usage(
        f"{path} must hold a list of {{ParameterKey, ParameterValue}} objects, a "
        'list of "K=V" strings, a {"Parameters": {...}} object, or K=V lines'
    )


def _entries(path: Path, data: list[dict[str, Any]]) -> dict[str, str]:
    """The entries of `aws cloudformation`'s list ("Parameter", AWS CloudFormation
    API Reference: ParameterKey with ParameterValue or UsePreviousValue)."""
    values: dict[str, str] = {}
    seen: set[str] = set()
    for item in data:
        key = item.get("ParameterKey")
        previous = item.get("UsePreviousValue") is True
        if not isinstance(key, str) or ("ParameterValue" in item) == previous:
            raise usage(
                f"{path}: every entry needs ParameterKey and either ParameterValue "
                'or "UsePreviousValue": true'
            )
        if key in seen:
            raise usage(f"{path}: {key} is given twice; give it once")
        seen.add(key)
        if not previous:
            values[key] = _scalar(path, item["ParameterValue"])
    return values


def _scalar(path: Path, value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_scalar(path, item) for item in value)
    if isinstance(value, dict):
        raise usage(f"{path}: a parameter value must be text, not an object")
    if value is None:
        # str(None) would pass as the text "None" (CredentialsRotationToken's
        # pattern takes it, and every password would change)
        raise usage(f'{path}: a parameter value must be text, not null; use ""')
    return str(value).lower() if isinstance(value, bool) else str(value)


def check_parameters(
    values: dict[str, str], template: dict[str, Any]
) -> dict[str, str]:
    """The values, each checked against its declaration in the template."""
    declared = template.get("Parameters", {})
    list_limits = template.get("Metadata", {}).get(LIST_LIMITS_KEY, {})
    for key, value in values.items():
        if key not in declared:
            raise usage(
                f"unknown parameter {key!r}; the template has "
                + ", ".join(sorted(declared))
            )
        problem = parameter_problem(declared[key], value, list_limits.get(key))
        if problem:
            raise usage(f"{key}={value!r}: {problem}")
    from generator.template.identity_center import repeated  # imports troposphere

    twice = repeated(values)
    if twice:
        raise usage(twice)
    return values


def parameter_problem(spec: dict[str, Any], value: str, most: int | None) -> str:
    """Why CloudFormation would refuse the value, or '' when it accepts it."""
    kind = str(spec.get("Type", "String"))
    is_list = kind.startswith("List<") or kind == "CommaDelimitedList"
    items = value.split(",") if is_list else [value]
    element = kind[5:-1] if kind.startswith("List<") else kind
    hint = spec.get("ConstraintDescription", "")
    if most is not None and len(items) > most:
        return (
            f"lists {count(len(items), 'value')}; at most {most} "
            + ("is" if most == 1 else "are")
            + " allowed"
        )
    if element == "Number" and not all(NUMBER.fullmatch(i) for i in items):
        return "must be a number"
    if element in AWS_ID_TYPES and not all(
        re.fullmatch(AWS_ID_TYPES[element], i) for i in items
    ):
        return f"must be {'a list of ' if is_list else 'a '}{element}"
    allowed = spec.get("AllowedValues")
    if allowed and not all(item in map(str, allowed) for item in items):
        return hint or "must be one of " + ", ".join(map(str, allowed))
    pattern = spec.get("AllowedPattern")
    if pattern and not all(re.fullmatch(pattern, item) for item in items):
        return hint or f"must match {pattern}"
    if kind == "String":
        low, high = spec.get("MinLength"), spec.get("MaxLength")
        if low is not None and len(value) < int(low):
            return hint or f"must be at least {low} characters"
        if high is not None and len(value) > int(high):
            return hint or f"must be at most {high} characters"
    if element == "Number":
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        numbers = [float(i) for i in items]
        if low is not None and min(numbers) < float(low):
            return hint or f"must be at least {low}"
        if high is not None and max(numbers) > float(high):
            return hint or f"must be at most {high}"
    return ""


def missing_required(values: dict[str, str], template: dict[str, Any]) -> list[str]:
    """Parameters with no Default that a new stack needs and were not given."""
    return sorted(
        key
        for key, spec in template.get("Parameters", {}).items()
        if "Default" not in spec and key not in values
    )


def parameter_list(
    values: dict[str, str], template: dict[str, Any], deployed: Sequence[str]
) -> list[dict[str, Any]]:
    """What to send: the given values; the deployed stack's previous value for the
    others it has; nothing for new ones (their Default applies) or dropped ones."""
    result: list[dict[str, Any]] = [
        {"ParameterKey": k, "ParameterValue": v} for k, v in values.items()
    ]
    for key in template.get("Parameters", {}):
        if key not in values and key in deployed:
            result.append({"ParameterKey": key, "UsePreviousValue": True})
    return result


def parse_tags(pairs: Sequence[str]) -> list[dict[str, str]]:
    """--tags Key=Value pairs as CloudFormation stack tags, checked."""
    tags = split_pairs(pairs, "--tags")
    if len(tags) > MAX_TAGS:
        raise usage(f"{len(tags)} tags; a stack takes at most {MAX_TAGS}")
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            raise usage(f"tag key {key!r}: the aws: prefix is reserved for AWS")
        if len(key) > MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
            raise usage(
                f"tag {key!r}: keys take at most {MAX_TAG_KEY} characters and "
                f"values at most {MAX_TAG_VALUE}"
            )
    return [{"Key": k, "Value": v} for k, v in tags.items()]
