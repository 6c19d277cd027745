"""`emrs-env diagram`: write the picture, ARCHITECTURE.md (Mermaid) and
ARCHITECTURE.svg."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from generator.cli.build import built, out_folder, write
from generator.cli.options import build_options

if TYPE_CHECKING:
    from generator.template.config import Options

    pass

SUMMARY = "write the picture: ARCHITECTURE.md (Mermaid) and ARCHITECTURE.svg"
EXAMPLE = "emrs-env diagram --out docs"
USES_AWS = False


def run(args: argparse.Namespace) -> int:
    """Write ARCHITECTURE.md (Mermaid) and ARCHITECTURE.svg (Graphviz)."""
    from generator.documents.diagram import pictures
    from generator.template.composer import build_within_limits

    folder = out_folder(args)

    def diagram(options: Options) -> dict[str, str]:
        _template, as_dict, _yaml = build_within_limits(options)
        return pictures(as_dict, folder)

    return write(folder, built(args.config, diagram))


def add_options(command: argparse.ArgumentParser) -> None:
    build_options(command)
