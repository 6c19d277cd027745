"""Turn templates into the files under build/, written atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

if TYPE_CHECKING:
    from troposphere import Template

ENVIRONMENT_YAML = "emr-serverless-interactive.yaml"
ENVIRONMENT_JSON = "emr-serverless-interactive.json"
PARAMETERS_MD = "PARAMETERS.md"
PORTFOLIO_YAML = "service-catalog-portfolio.yaml"


def write_atomic(path: Path, text: str) -> None:
    """Write text to path through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_all(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file into a temporary folder beside out_dir, then move each in:
    a failure leaves out_dir as it was. Returns the written paths."""
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(20, "is a file, not a folder", str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, text in files.items():
            with open(staging / name, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(staging / name, 0o644)
        written = []
        for name in files:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# The YAML format, chosen once for both emitters (libyaml's C emitter when PyYAML
# has it, PyYAML's Python emitter otherwise) so they write the same bytes: cfn-flip's
# short-form intrinsic functions (`!Ref 'Name'`, `!GetAtt 'A.B'`), keys sorted,
# folded (`>`) strings from 200 characters, literal (`|`) blocks from 10 lines,
# strings starting with 0 single-quoted (account IDs keep their zeros), and block
# sequences not indented under their key (the only form libyaml writes; cfn-flip's
# own emitter indents them by two more spaces).
YAML_WIDTH = 200
LITERAL_LINES = 10
_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))
_SHORT_FORM = ("Ref", "Condition")


def _text(value: str, tag: str = _STR, style: str | None = None) -> Any:
    if style is None:
        breaks = "\n" in value or "\r" in value
        if breaks and value.count("\n") + value.count("\r") >= LITERAL_LINES:
            style = "|"
        elif len(value) >= YAML_WIDTH and "\n" not in value:
            style = ">"
        elif value[:1] == "0":
            style = "'"
        elif breaks:
            style = '"'
    return ScalarNode(tag, value, style=style)


def _function(name: str, value: Any) -> Any:
    tag = f"!{name}"
    if name == "GetAtt" and isinstance(value, list):
        value = ".".join(value)
    if isinstance(value, list):
        return SequenceNode(tag, [_node(v) for v in value], flow_style=False)
    if isinstance(value, dict):
        pairs = [(_text(k), _node(value[k])) for k in sorted(value)]
        return MappingNode(tag, pairs, flow_style=False)
    return _text(str(value), tag, "'")


def _node(value: Any) -> Any:
    """The YAML node of one value of a template dict."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key in _SHORT_FORM:
                return _function(key, inner)
            if key.startswith("Fn::"):
                return _function(key.removeprefix("Fn::"), inner)
        pairs = [(_text(k), _node(value[k])) for k in sorted(value)]
        return MappingNode(_MAP, pairs, flow_style=False)
    if isinstance(value, list | tuple):
        return SequenceNode(_SEQ, [_node(v) for v in value], flow_style=False)
    if isinstance(value, bool):
        return ScalarNode("tag:yaml.org,2002:bool", str(value).lower())
    if isinstance(value, int):
        return ScalarNode("tag:yaml.org,2002:int", str(value))
    if isinstance(value, float):
        return ScalarNode("tag:yaml.org,2002:float", repr(value))
    if value is None:
        return ScalarNode("tag:yaml.org,2002:null", "null")
    raise TypeError(f"cannot write {type(value).__name__} to YAML")


@cache
def yaml_dumper(prefer_c: bool = True) -> type:
    """libyaml's C dumper when PyYAML was built with it, else the Python one; both
    remember how each plain string resolves (the emitter asks twice per string)."""
    import yaml

    base = yaml.Dumper
    if prefer_c and getattr(yaml, "__with_libyaml__", False):
        base = yaml.CDumper

    class Dumper(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

        def resolve(self, kind: type, value: Any, implicit: Any) -> str:
            if kind is not ScalarNode:
                return super().resolve(kind, value, implicit)
            key = (value, implicit)
            if key not in self.resolved:
                self.resolved[key] = super().resolve(kind, value, implicit)
            return self.resolved[key]

    Dumper.__name__ = f"Remembering{base.__name__}"
    return Dumper


def to_yaml(document: Template | dict[str, Any], prefer_c: bool = True) -> str:
    """A template (or its dict) as YAML with short-form intrinsic functions,
    dumped once through the fastest emitter available."""
    import io

    data = document if isinstance(document, dict) else document.to_dict()
    stream = io.StringIO()
    dumper = yaml_dumper(prefer_c)(
        stream, default_flow_style=False, allow_unicode=True, width=YAML_WIDTH
    )
    dumper.open()
    dumper.serialize(_node(data))
    dumper.close()
    return stream.getvalue()


def to_json(template: dict[str, Any]) -> str:
    """A template dict as indented JSON with a final newline."""
    return json.dumps(template, indent=1) + "\n"


def _cell(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


def parameters_markdown(template: dict[str, Any]) -> str:
    """A reference table of the template's parameters, by console group."""
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    labels = interface["ParameterLabels"]
    lines = [
        "# Parameters of the environment template",
        "",
        "Generated from `emr-serverless-interactive.yaml` by `make template`; "
        "do not edit.",
        "",
    ]
    for group in interface["ParameterGroups"]:
        lines += [
            f"## {group['Label']['default']}",
            "",
            "| Parameter | Label | Default | Allowed values | Description |",
            "|---|---|---|---|---|",
        ]
        for name in group["Parameters"]:
            spec = template["Parameters"][name]
            allowed = spec.get("AllowedValues")
            if allowed is None and "AllowedPattern" in spec:
                allowed = spec["AllowedPattern"]
            elif allowed is None and "MinValue" in spec:
                allowed = f"{spec['MinValue']}-{spec['MaxValue']}"
            default = spec.get("Default")
            default_cell = _cell(default) if default != "" else "(empty)"
            description = spec["Description"].replace("|", "\\|")
            lines.append(
                f"| `{name}` | {labels[name]['default']} | {default_cell} | "
                f"{_cell(allowed).replace('|', chr(92) + '|')} | {description} |"
            )
        lines.append("")
    return "\n".join(lines)
