"""`emrs-env build`: write the templates and documents."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from generator.cli.options import build_options
from generator.errors import EXIT_OK, EXIT_USAGE, CommandError

if TYPE_CHECKING:
    from generator.template.config import Options

    pass

SUMMARY = "write the templates and documents"
EXAMPLE = (
    "emrs-env build\n" "  emrs-env build --config team.toml   # writes build/team/"
)
USES_AWS = False


def build_artifacts(
    options: Options, folder: Path | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Render every build/ artifact in memory, keyed by file name, with the
    environment template's dict; a picture already in `folder` drawn from the
    same source is kept."""
    from generator.documents.diagram import pictures
    from generator.documents.parameters import parameters_markdown
    from generator.template import render
    from generator.template.composer import build_within_limits
    from generator.template.imports import import_template
    from generator.template.portfolio import MissingActions, build_portfolio_template

    _template, as_dict, yaml_text = build_within_limits(options)
    try:
        portfolio = build_portfolio_template(as_dict).to_dict()
    except MissingActions as exc:  # the recorded table predates a resource type
        raise CommandError(str(exc)) from exc
    files = {
        render.IMPORT_YAML: render.to_yaml(import_template(as_dict)),
        render.ENVIRONMENT_YAML: yaml_text,
        render.ENVIRONMENT_JSON: render.to_json(as_dict),
        render.PARAMETERS_MD: parameters_markdown(as_dict),
        **pictures(as_dict, folder),
        render.PORTFOLIO_YAML: render.to_yaml(portfolio),
    }
    return files, as_dict


Made = TypeVar("Made")


def built(config_path: str | None, make: Callable[[Options], Made]) -> Made:
    """What make() renders from the config; config errors exit 2, a picture
    that cannot be drawn 1."""
    from generator.documents.diagram import PictureError
    from generator.template import config

    try:
        return make(config.load(config_path))
    except config.ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    except PictureError as exc:
        raise CommandError(str(exc)) from exc


def out_folder(args: argparse.Namespace) -> Path:
    """--out, or build/<config name>/ for a config build (build/ is the snapshot)."""
    if args.out is not None and not args.out.strip():
        raise CommandError("--out needs a folder", EXIT_USAGE)
    if args.out:
        if Path(args.out).exists() and not Path(args.out).is_dir():
            raise CommandError(
                f"--out {args.out} is not a folder; name a folder to write into",
                EXIT_USAGE,
            )
        return Path(args.out)
    if args.config:
        return Path("build") / Path(args.config).stem
    return Path("build")


def run(args: argparse.Namespace) -> int:
    """Write every artifact under the output folder; say what it costs to run."""
    from generator.documents.pricing import fixed_summary

    folder = out_folder(args)
    files, template = built(
        args.config, lambda options: build_artifacts(options, folder)
    )
    code = write(folder, files)
    print(fixed_summary(template))
    return code


def write(folder: Path, files: dict[str, str]) -> int:
    """Write the files and say, for each, whether its content changed."""
    from generator.template import render

    unchanged = {name for name, text in files.items() if holds(folder / name, text)}
    try:
        written = render.write_all(folder, files)
    except OSError as exc:
        where = exc.filename or folder
        raise CommandError(f"cannot write to {where}: {exc.strerror}") from exc
    for path in written:
        said = "unchanged" if path.name in unchanged else "wrote"
        print(f"{said} {path} ({path.stat().st_size:,} bytes)")
    return EXIT_OK


def holds(path: Path, text: str) -> bool:
    """Whether the file already holds exactly this text."""
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def add_options(command: argparse.ArgumentParser) -> None:
    build_options(command)
