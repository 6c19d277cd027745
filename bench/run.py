"""`make bench`: build speed, start-up, scale and the custom-resource handler.

Prints a table and writes bench/results.json (machine, date and numbers), which is
committed so the numbers travel with the code. Run from the repository root.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from generator.config import ConfigError, Options
from generator.template import build_template, build_within_limits, max_developers

ROOT = Path(__file__).resolve().parents[1]

RUNS = 7
SCALE = (1, 10, 25, 50, 100)
EMRS_ENV = str(Path(sys.executable).with_name("emrs-env"))


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def run_process(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss


def whole_process(args: list[str]) -> dict[str, float]:
    runs = [run_process(args) for _ in range(RUNS)]
    return {
        "median_ms": median_ms([r[0] for r in runs]),
        "peak_rss_mib": round(max(r[1] for r in runs) / 1024, 1),
    }


def timed(fn: Callable[[], Any], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return median_ms(samples)


def scale_series(ceiling: int) -> list[dict[str, Any]]:
    rows = []
    for n in sorted({*SCALE, ceiling}):
        options = Options(developers=tuple(f"developer-{i}" for i in range(n)))
        try:
            _template, as_dict, text = build_within_limits(options)
        except ConfigError:
            rows.append({"developers": n, "fits_one_stack": False})
            continue
        rows.append(
            {
                "developers": n,
                "resources": len(as_dict["Resources"]),
                "outputs": len(as_dict["Outputs"]),
                "yaml_bytes": len(text.encode("utf-8")),
                "build_ms": timed(lambda o=options: build_template(o).to_yaml(), 5),
                "fits_one_stack": True,
            }
        )
    return rows


def linear_fit(rows: list[dict[str, Any]]) -> dict[str, float]:
    built = [r for r in rows if r["fits_one_stack"]]
    xs = [r["developers"] for r in built]
    ys = [r["build_ms"] for r in built]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    return {
        "ms_per_developer": round(slope, 3),
        "base_ms": round(intercept, 1),
        "r_squared": round(1 - ss_res / ss_tot, 4),
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
    return {f"{kind.lower()}_ms": median_ms(s) for kind, s in samples.items()}


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        build = whole_process([EMRS_ENV, "build", "--out", out])
    help_run = whole_process([EMRS_ENV, "--help"])
    in_process = timed(lambda: build_template().to_yaml())
    ceiling = max_developers()
    rows = scale_series(ceiling)
    fit = linear_fit(rows)
    handler = handler_timings()
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
        "build_whole_process": build,
        "build_template_in_process_ms": in_process,
        "help_whole_process": help_run,
        "scale": rows,
        "scale_fit": fit,
        "max_developers_per_stack": ceiling,
        "handler_against_moto": handler,
    }
    print(f"{'measure':42} value")
    print(f"{'emrs-env build (whole process, median)':42} {build['median_ms']} ms, "
          f"peak {build['peak_rss_mib']} MiB (target < 500 ms)")  # fmt: skip
    print(f"{'build_template() + YAML (in process)':42} {in_process} ms")
    print(f"{'emrs-env --help (start-up)':42} {help_run['median_ms']} ms, "
          f"peak {help_run['peak_rss_mib']} MiB")  # fmt: skip
    print(f"\n{'developers':>10} {'resources':>9} {'outputs':>7} {'bytes':>9} "
          f"{'build ms':>9}  fits one stack")  # fmt: skip
    for r in rows:
        if not r["fits_one_stack"]:
            print(f"{r['developers']:>10} {'refused: over a CloudFormation limit':>38}")
            continue
        cells = [r[k] for k in ("developers", "resources", "outputs", "yaml_bytes")]
        print("{:>10} {:>9} {:>7} {:>9}".format(*cells), f"{r['build_ms']:>9}  yes")
    print(
        f"\nlinear fit: {fit['base_ms']} ms + {fit['ms_per_developer']} ms/developer,"
        f" r^2 = {fit['r_squared']}"
    )
    print(f"largest stack: {results['max_developers_per_stack']} developers")
    print("handler against moto (median): " + ", ".join(
        f"{k.removesuffix('_ms')} {v} ms" for k, v in handler.items()))  # fmt: skip
    path = ROOT / "bench" / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    linear = fit["r_squared"] >= 0.9
    if not linear:
        print("build time does not grow linearly with developers", file=sys.stderr)
    return 0 if linear else 1


if __name__ == "__main__":
    sys.exit(main())
