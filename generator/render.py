"""Turn templates into the files under build/, written atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from troposphere import Template

ENVIRONMENT_YAML = "emr-serverless-interactive.yaml"
ENVIRONMENT_JSON = "emr-serverless-interactive.json"
PARAMETERS_MD = "PARAMETERS.md"
PORTFOLIO_YAML = "service-catalog-portfolio.yaml"
IMPORT_JSON = "emr-serverless-import.json"


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


def to_yaml(template: Template) -> str:
    """The template as YAML with short-form intrinsic functions."""
    return template.to_yaml()


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
