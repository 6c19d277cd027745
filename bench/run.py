"""`make bench`: build speed, start-up, scale and the custom-resource handler.

Reports figures and never fails on them: medians with their spread, the build's
ratio to a bare `import troposphere, awacs` measured the same way (whole process,
interleaved runs) for a rebuild over the previous output and for a build into a
new folder (which draws the SVG picture), and the build time per developer. Writes
bench/results.json (machine, date and numbers) when run on purpose; `--out` writes
elsewhere, and `--runs`/`--scale`/`--no-handler` make a quick run (the tests use
them). Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from generator.template.composer import (
    build_template,
    build_within_limits,
    max_developers,
)
from generator.template.config import ConfigError, Options
from generator.template.render import to_yaml

ROOT = Path(__file__).resolve().parents[1]

RUNS = 11
SCALE = (1, 10, 25, 50, 100)
EMRS_ENV = str(Path(sys.executable).with_name("emrs-env"))
BARE_IMPORT = [sys.executable, "-c", "import troposphere, awacs"]
TARGET_RATIO = 2.5  # the build's goal against the bare import
GATES_GOAL = 4.0  # emrs-env lint build against cfn-lint alone on the same templates
GATE_RUNS = 3


def summary(samples: list[float]) -> dict[str, float]:
    """Median, fastest, slowest and quartile spread of samples, in milliseconds."""
    ms = sorted(s * 1000 for s in samples)
    quartiles = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
    return {
        "median_ms": round(statistics.median(ms), 1),
        "min_ms": round(ms[0], 1),
        "max_ms": round(ms[-1], 1),
        "iqr_ms": round(quartiles[2] - quartiles[0], 1),
        "runs": len(ms),
    }


def run_process(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss


Command = list[str] | Callable[[], list[str]]


def whole_processes(commands: dict[str, Command], runs: int) -> dict[str, dict]:
    """Each command run `runs` times, interleaved so load hits them alike; a
    callable gives the arguments of each run."""
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            samples[name].append(run_process(args() if callable(args) else args))
    return {
        name: summary([r[0] for r in rows])
        | {"peak_rss_mib": round(max(r[1] for r in rows) / 1024, 1)}
        for name, rows in samples.items()
    }


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return summary(samples)


def scale_series(sizes: Sequence[int], runs: int) -> list[dict[str, Any]]:
    rows = []
    for n in sorted(set(sizes)):
        options = Options(developers=tuple(f"developer-{i}" for i in range(n)))
        try:
            _template, as_dict, text = build_within_limits(options)
        except ConfigError:
            rows.append({"developers": n, "fits_one_stack": False})
            continue
        build = timed(lambda o=options: to_yaml(build_template(o).to_dict()), runs)
        rows.append(
            {
                "developers": n,
                "resources": len(as_dict["Resources"]),
                "outputs": len(as_dict["Outputs"]),
                "yaml_bytes": len(text.encode("utf-8")),
                "build_ms": build["median_ms"],
                "build_iqr_ms": build["iqr_ms"],
                "fits_one_stack": True,
            }
        )
    return rows


def linear_fit(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Least-squares slope per developer; r² describes the fit, it judges nothing."""
    built = [r for r in rows if r["fits_one_stack"]]
    xs = [r["developers"] for r in built]
    ys = [r["build_ms"] for r in built]
    if len(set(xs)) < 2:
        return {"ms_per_developer": None, "base_ms": None, "r_squared": None}
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    return {
        "ms_per_developer": round(slope, 3),
        "base_ms": round(intercept, 1),
        "r_squared": round(1 - ss_res / ss_tot, 4) if ss_tot else 1.0,
    }


class _Sink(BaseHTTPRequestHandler):
    def do_PUT(self) -> None:  # noqa: N802 - http.server's hook name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def handler_timings(runs: int = 10) -> dict[str, float]:
    """Median milliseconds of each event kind, against moto and a local server."""
    import logging

    import boto3
    from moto import mock_aws

    from custom_resources import stack_function as cc

    logging.getLogger().setLevel(logging.WARNING)
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/bench/1"
    samples: dict[str, list[float]] = {"Create": [], "Update": [], "Delete": []}
    try:
        with mock_aws():
            iam, sm = boto3.client("iam"), boto3.client("secretsmanager")
            iam.create_user(UserName="bench")
            sm.create_secret(Name="emrs/bench", SecretString="{}")
            props = {"UserName": "bench", "SecretId": "emrs/bench",
                     "CreateAccessKey": "true", "RotationToken": "1"}  # fmt: skip
            for i in range(runs):
                rotated = dict(props, RotationToken=str(i + 2))
                events = [
                    ("Create", props, None),
                    ("Update", rotated, props),
                    ("Delete", rotated, None),
                ]
                for kind, new, old in events:
                    event = {
                        "RequestType": kind, "ResponseURL": url, "StackId": stack,
                        "RequestId": f"{kind}-{i}", "LogicalResourceId": "Bench",
                        "ResourceType": "Custom::ConsoleCredentials",
                        "ResourceProperties": new,
                        "PhysicalResourceId": "console-credentials-bench",
                    }  # fmt: skip
                    if old:
                        event["OldResourceProperties"] = old
                    started = time.perf_counter()
                    cc.handler(event, _Context())
                    samples[kind].append(time.perf_counter() - started)
    finally:
        server.shutdown()
        server.server_close()
    return {
        f"{kind.lower()}_ms": summary(s)["median_ms"] for kind, s in samples.items()
    }


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: everything defaults to the full run `make bench` does."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per measure")
    parser.add_argument(
        "--scale",
        default=",".join(map(str, SCALE)),
        help="developer counts, comma-separated (the per-stack maximum is added)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results.json", help="JSON file"
    )
    parser.add_argument(
        "--no-handler", action="store_true", help="skip the handler against moto"
    )
    parser.add_argument(
        "--gate-runs",
        type=int,
        default=GATE_RUNS,
        help="runs of the gates and of cfn-lint alone (0 skips them)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs takes a number above 0")
    try:
        args.scale = [int(n) for n in args.scale.split(",") if n.strip()]
    except ValueError:
        parser.error("--scale takes developer counts such as 1,10,25")
    return args


def report(results: dict[str, Any]) -> list[str]:
    """The printed table."""
    build, bare = results["build_whole_process"], results["bare_import"]
    help_run, fit = results["help_whole_process"], results["scale_fit"]

    def cell(m: dict[str, float]) -> str:
        return (
            f"{m['median_ms']} ms (min {m['min_ms']}, max {m['max_ms']}, "
            f"IQR {m['iqr_ms']}, {m['runs']} runs)"
        )

    lines = [
        f"{'measure':38} median (spread)",
        f"{'import troposphere, awacs (process)':38} {cell(bare)}",
        f"{'emrs-env build (whole process)':38} {cell(build)}, "
        f"peak {build['peak_rss_mib']} MiB",
        f"{'  ratio to the bare import':38} {results['build_ratio']}x "
        f"(goal <= {TARGET_RATIO}x)",
        f"{'emrs-env build, new folder (draws SVG)':38} "
        f"{cell(results['build_new_folder_whole_process'])}",
        f"{'  ratio to the bare import':38} {results['build_new_folder_ratio']}x",
        f"{'build_template() + YAML (in process)':38} "
        f"{cell(results['build_template_in_process'])}",
        f"{'emrs-env --help (start-up)':38} {cell(help_run)}",
        "",
        f"{'developers':>10} {'resources':>9} {'outputs':>7} {'bytes':>9} "
        f"{'build ms':>9} {'IQR':>6}  fits one stack",
    ]
    for r in results["scale"]:
        if not r["fits_one_stack"]:
            lines.append(f"{r['developers']:>10} {'refused: over a quota':>29}")
            continue
        cells = [r[k] for k in ("developers", "resources", "outputs", "yaml_bytes")]
        lines.append(
            "{:>10} {:>9} {:>7} {:>9}".format(*cells)
            + f" {r['build_ms']:>9} {r['build_iqr_ms']:>6}  yes"
        )
    if fit["ms_per_developer"] is not None:
        lines.append(
            f"\nslope: {fit['ms_per_developer']} ms per developer "
            f"(base {fit['base_ms']} ms, r^2 {fit['r_squared']})"
        )
    lines.append(f"largest stack: {results['max_developers_per_stack']} developers")
    gates = results.get("gates")
    if gates:
        lines.append(
            f"emrs-env lint build: {cell(gates['gates'])}; cfn-lint alone: "
            f"{cell(gates['cfn_lint_alone'])}; ratio {gates['ratio']}x "
            f"(goal <= {gates['goal']}x)"
        )
    lines.append(
        f"base install (pip install emrs-env, no extras): "
        f"{results['base_install_mib']} MiB"
    )
    if results.get("handler_against_moto"):
        lines.append(
            "handler against moto (median): "
            + ", ".join(
                f"{k.removesuffix('_ms')} {v} ms"
                for k, v in results["handler_against_moto"].items()
            )
        )
    return lines


def gate_timings(runs: int) -> dict[str, Any]:
    """`emrs-env lint build` against cfn-lint alone on the same templates, whole
    processes, interleaved; the goal is at most GATES_GOAL times cfn-lint alone."""
    templates = sorted(str(p) for p in (ROOT / "build").glob("*.yaml"))
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    measured = whole_processes(
        {
            "gates": [EMRS_ENV, "lint", str(ROOT / "build")],
            "cfn_lint_alone": [cfn_lint, "-c", "I", "--", *templates],
        },
        runs,
    )
    return {
        **measured,
        "ratio": round(
            measured["gates"]["median_ms"] / measured["cfn_lint_alone"]["median_ms"], 2
        ),
        "goal": GATES_GOAL,
    }


def base_install_mib() -> float:
    """The size on disk of what `pip install emrs-env` (no extras) brings: every
    distribution its requirements pull in, as installed here."""
    import re
    from importlib import metadata

    def name(requirement: str) -> str:
        return re.sub(
            r"[-_.]+", "-", re.split(r"[\s;<>=!~\[(]", requirement)[0]
        ).lower()

    todo = ["emrs-env"]
    seen: set[str] = set()
    size = 0
    while todo:
        dist_name = todo.pop()
        if dist_name in seen:
            continue
        seen.add(dist_name)
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            located = Path(str(dist.locate_file(file)))
            if located.is_file() and dist_name != "emrs-env":
                size += located.stat().st_size
        todo += [name(r) for r in dist.requires or [] if "extra ==" not in r]
    return round(size / 2**20, 1)


def byte_compile() -> None:
    """Compile the project's modules as pip does for an installed package, so the
    build, like the bare import, loads bytecode (an editable install leaves that to
    the first run, which PYTHONDONTWRITEBYTECODE forbids)."""
    import compileall

    for package in ("generator", "custom_resources"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, write the JSON file; the figures never fail the run."""
    args = arguments(argv)
    byte_compile()
    with tempfile.TemporaryDirectory() as out:
        processes = whole_processes(
            {
                "bare_import": BARE_IMPORT,
                "build": [EMRS_ENV, "build", "--out", out],
                "build_new_folder": lambda: [
                    EMRS_ENV,
                    "build",
                    "--out",
                    tempfile.mkdtemp(dir=out),
                ],
                "help": [EMRS_ENV, "--help"],
            },
            args.runs,
        )
    ceiling = max_developers()
    rows = scale_series([*args.scale, ceiling, ceiling + 1], max(1, args.runs // 2))
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "processor": platform.machine(),
        },
        "bare_import": processes["bare_import"],
        "build_whole_process": processes["build"],
        "build_ratio": round(
            processes["build"]["median_ms"] / processes["bare_import"]["median_ms"], 2
        ),
        "build_new_folder_whole_process": processes["build_new_folder"],
        "build_new_folder_ratio": round(
            processes["build_new_folder"]["median_ms"]
            / processes["bare_import"]["median_ms"],
            2,
        ),
        "build_template_in_process": timed(
            lambda: to_yaml(build_template().to_dict()), args.runs
        ),
        "help_whole_process": processes["help"],
        "scale": rows,
        "scale_fit": linear_fit(rows),
        "max_developers_per_stack": ceiling,
        "handler_against_moto": {} if args.no_handler else handler_timings(),
        "gates": gate_timings(args.gate_runs) if args.gate_runs > 0 else {},
        "base_install_mib": base_install_mib(),
    }
    print("\n".join(report(results)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
