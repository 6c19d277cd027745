"""Turn templates into text and back, and write the build files atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

if TYPE_CHECKING:
    from troposphere import Template

ENVIRONMENT_YAML = "emr-serverless-interactive.yaml"
ENVIRONMENT_JSON = "emr-serverless-interactive.json"
PARAMETERS_MD = "PARAMETERS.md"
PORTFOLIO_YAML = "service-catalog-portfolio.yaml"
IMPORT_YAML = "emr-serverless-import.yaml"


class TemplateSyntaxError(ValueError):
    """Template text that is neither JSON nor YAML; the message says where."""


def parse_template(text: str) -> Any:
    """A template's text, JSON or YAML with short-form intrinsic functions
    (`!Ref`), as plain data in the long form (`{"Ref": ...}`)."""
    from cfn_tools import dump_json, load_json

    try:
        if text.lstrip().startswith(("{", "[")):
            try:
                data = load_json(text)
            except json.JSONDecodeError as exc:
                data = _yaml_or(text, exc)  # flow-style YAML starts so too
        else:
            data = _yaml_or(text, None)
        return json.loads(dump_json(data))
    except TemplateSyntaxError:
        raise
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        # what the YAML constructors raise for tags, keys and aliases that no
        # template holds (!GetAtt {a: b}, a list as a key, a recursive alias)
        said = str(exc).strip().splitlines()
        raise TemplateSyntaxError(said[0] if said else type(exc).__name__) from exc


def _yaml_or(text: str, json_error: json.JSONDecodeError | None) -> Any:
    """The text as YAML; a TemplateSyntaxError with YAML's words, or with the
    JSON parser's for text that JSON tried first."""
    import yaml
    from cfn_tools import load_yaml

    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        if json_error is not None:
            raise TemplateSyntaxError(
                f"{json_error.msg} (line {json_error.lineno}, column "
                f"{json_error.colno})"
            ) from json_error
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
        raise TemplateSyntaxError(
            f"{problem or str(exc).splitlines()[0]}{where}"
        ) from exc


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


# The hidden folder write_all stages a build in, inside the output folder itself:
# a rename works only within one file system, and the output folder may be a mount
# point (a container volume), where a folder beside it is on another one (EXDEV).
STAGING_PREFIX = ".emrs-env-staging-"
# A staging folder this old belongs to a run that was killed before it could
# remove its own (a build writes in well under a second); the next build removes it.
STALE_STAGING_SECONDS = 3600.0


def write_all(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write every file into a hidden staging folder inside out_dir, then move
    each in by rename: a failure while writing (a full disk, say) leaves out_dir
    as it was, and each file in it is always whole, old or new. The staging
    folder is removed whatever happens. Returns the paths."""
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(20, "is not a folder", str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    except OSError as exc:  # name the folder asked for, not the staging one
        raise OSError(exc.errno, exc.strerror, str(out_dir)) from exc
    name = ""
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
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(out_dir / name)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(out_dir: Path) -> None:
    """Remove staging folders that killed runs left in out_dir."""
    for leftover in out_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            age = time.time() - leftover.stat().st_mtime
        except OSError:  # another run removed it meanwhile
            continue
        if leftover.is_dir() and age > STALE_STAGING_SECONDS:
            shutil.rmtree(leftover, ignore_errors=True)


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
# The short forms AWS documents ("Intrinsic function reference", CloudFormation
# User Guide); rule functions (Fn::Contains, Fn::EachMemberEquals, ...), Fn::Length,
# Fn::ToJsonString and Fn::ForEach have none, and readers that meet an unknown tag
# may drop it silently (rain issue 612), so those keep their long form.
SHORT_FORMS = frozenset(
    {
        *("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join"),
        *("Select", "Split", "Sub", "Transform", "Ref", "Condition", "GetStackOutput"),
        *("And", "Equals", "If", "Not", "Or"),
    }
)


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
            name = key.removeprefix("Fn::")
            if name in SHORT_FORMS and (name != key or key in ("Ref", "Condition")):
                return _function(name, inner)
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


def yaml_dumper(prefer_c: bool = True) -> type:
    """libyaml's C dumper when PyYAML was built with it, else the Python one."""
    import yaml

    if prefer_c and getattr(yaml, "__with_libyaml__", False):
        return yaml.CDumper
    return yaml.Dumper


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
    """A template dict as JSON indented by one space, with a final newline."""
    return json.dumps(template, indent=1) + "\n"
