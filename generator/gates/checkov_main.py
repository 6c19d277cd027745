"""checkov's CloudFormation runner over the files named, its results as JSON.

`python -m generator.gates.checkov_main FILE...` prints what `checkov -f FILE...
--framework cloudformation --skip-download -o json` reports (the same check results,
with the fields the gate reads) in less than half the time: the three built
templates and their variants took 10.5 s of CPU through checkov's command line,
4.6 s this way, on the two-core machine of `make bench`. A test compares the two.

- checkov 3.2's graph renderer parses each attribute path with bc_jsonpath_ng,
  which rebuilds its LALR table (ply.yacc, write_tables=0) on every parse: 86
  rebuilds, about 3 s, for the environment template alone. One table per grammar
  gives the same results (the table depends only on the grammar).
- Calling the CloudFormation runner directly skips importing checkov's other
  frameworks (about 1.4 s) and printing every check's resource (megabytes of JSON).

When this checkov has no such runner, its command line runs instead (ARGS).
"""

from __future__ import annotations

import contextlib
import json
import sys
import warnings
from typing import Any

FIELDS = ("check_id", "bc_check_id", "check_name", "resource", "file_abs_path")
KINDS = ("passed_checks", "failed_checks", "skipped_checks")
ARGS = ("--framework", "cloudformation", "--skip-download", "-o", "json", "--compact")


def _reuse_parse_tables() -> None:
    import ply.yacc
    from bc_jsonpath_ng import parser

    tables: dict[tuple[type, str], Any] = {}

    def parse_token_stream(
        self: Any, token_iterator: Any, start_symbol: str = "jsonpath"
    ) -> Any:
        key = (type(self), start_symbol)
        if key not in tables:
            tables[key] = ply.yacc.yacc(
                module=self,
                debug=False,
                write_tables=0,
                start=start_symbol,
                errorlog=parser.logger,
            )
        stream = parser.IteratorToTokenStream(token_iterator)
        return tables[key].parse(lexer=stream)

    parser.JsonPathParser.parse_token_stream = parse_token_stream  # type: ignore


def _command_line(files: list[str]) -> int:
    """checkov's own command line over the files, JSON to standard output."""
    from checkov.main import Checkov

    sys.argv = ["checkov", *[a for f in files for a in ("-f", f)], *ARGS]
    Checkov().run()
    return 0


def main(files: list[str]) -> int:
    """Print the report of checkov's CloudFormation checks over the files."""
    with contextlib.suppress(ImportError, AttributeError):  # another checkov: as is
        _reuse_parse_tables()
    warnings.simplefilter("ignore", category=SyntaxWarning)
    try:
        from checkov.cloudformation.runner import Runner
        from checkov.runner_filter import RunnerFilter
    except ImportError:
        return _command_line(files)
    only = RunnerFilter(framework=["cloudformation"], show_progress_bar=False)
    found = Runner().run(None, files=files, runner_filter=only)
    said = []
    for report in found if isinstance(found, list) else [found]:
        results: dict[str, Any] = {
            kind: [
                {f: getattr(c, f, None) for f in FIELDS} for c in getattr(report, kind)
            ]
            for kind in KINDS
        }
        results["parsing_errors"] = sorted(report.parsing_errors)
        said.append({"check_type": report.check_type, "results": results})
    print(json.dumps(said))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
