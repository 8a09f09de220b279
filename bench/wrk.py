"""wrk: one run, its numbers, and rounds of runs interleaved in random order."""

from __future__ import annotations

import argparse
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.common import log


@dataclass
class WrkResult:
    rps: float
    requests: int
    p50_ms: float | None
    p99_ms: float | None
    socket_errors: int
    bad_status: int  # wrk's "Non-2xx or 3xx responses"

    @property
    def clean(self) -> bool:
        return self.socket_errors == 0 and self.bad_status == 0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(text: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    if not rps or not total:
        raise RuntimeError(f"cannot read wrk's output:\n{text}")

    def percentile(p: str) -> float | None:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else None

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return WrkResult(
        float(rps.group(1)),
        int(total.group(1)),
        percentile("50"),
        percentile("99"),
        sum(int(g) for g in errors.groups()) if errors else 0,
        int(bad.group(1)) if bad else 0,
    )


@dataclass(frozen=True)
class Load:
    """One thing wrk measures: a URL plus request headers or a Lua script."""

    port: int
    path: str
    headers: tuple[str, ...] = ()
    script: Path | None = None
    script_args: tuple[str, ...] = ()


def run_wrk(wrk: str, load: Load, duration: int, threads: int, connections: int) -> WrkResult:
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for header in load.headers:
        argv += ["-H", header]
    if load.script:
        argv += ["-s", str(load.script)]
    argv.append(f"http://127.0.0.1:{load.port}{load.path}")
    if load.script_args:
        argv += ["--", *load.script_args]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    return parse_wrk(out.stdout)


def interleave(
    loads: dict[str, Load],
    opts: argparse.Namespace,
    tools: dict[str, str],
    rounds: int,
    duration: int,
    rng: random.Random,
) -> dict[str, list[WrkResult]]:
    """Warm each load up, then ``rounds`` rounds, each running every load once in a new random order."""
    results: dict[str, list[WrkResult]] = {name: [] for name in loads}
    if opts.warmup:
        for load in loads.values():
            run_wrk(tools["wrk"], load, opts.warmup, opts.threads, opts.connections)
    for round_no in range(1, rounds + 1):
        order = list(loads)
        rng.shuffle(order)
        for name in order:
            result = run_wrk(tools["wrk"], loads[name], duration, opts.threads, opts.connections)
            results[name].append(result)
            flag = "" if result.clean else f"  ({result.socket_errors} socket errors, {result.bad_status} bad statuses)"
            log(f"round {round_no}/{rounds} {name:<18} {result.rps:>10,.0f} req/s{flag}")
    return results
