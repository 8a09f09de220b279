"""The benchmark's options and its run: ``python bench/run.py --help``."""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.app import build
from bench.common import BENCH, log
from bench.growth import growth_part
from bench.micro import micro_part
from bench.report import report, to_json
from bench.servers import CONFIGS, ensure_tools
from bench.throughput import VARIANTS, http_part

T = TypeVar("T")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    def csv(kind: Callable[[str], Any]) -> Callable[[str], list[Any]]:
        return lambda text: [kind(x) for x in text.split(",") if x]

    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Benchmark the widget server against its ceilings, and the cost of growth.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 s runs, 2 rounds, 10 and 100 articles")
    parser.add_argument("--parts", type=csv(str), default=["micro", "http", "growth"], help="which parts to run")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of every variant")
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of wrk per load before the first round (0: none)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--configs", type=csv(str), default=["repo", "sync2"], help=f"gunicorn configurations: {', '.join(CONFIGS)}"
    )
    parser.add_argument("--variants", type=csv(str), default=list(VARIANTS), help=f"variants: {', '.join(VARIANTS)}")
    parser.add_argument("--fragment", help="slug/kind of the fragment to serve (default: the one closest to 4 KB)")
    parser.add_argument(
        "--growth",
        type=csv(int),
        default=[10, 1000, 10_000],
        help="article counts to start with; with several, the smallest is a baseline (no spread load)",
    )
    parser.add_argument("--growth-timeout", type=float, default=240, help="seconds to wait for each size to be ready")
    parser.add_argument("--spread-rounds", type=int, default=3, help="interleaved rounds of spread vs one fragment")
    parser.add_argument("--micro-time", type=float, default=0.3, help="seconds per in-process repeat")
    parser.add_argument("--micro-repeats", type=int, default=7, help="in-process repeats")
    parser.add_argument(
        "--start-timeout", type=float, default=120, help="seconds for a gunicorn to be ready (http part)"
    )
    parser.add_argument("--seed", type=int, help="shuffle seed (default: random, printed)")
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of the in-process fast path and Flask path"
    )
    parser.add_argument(
        "--output", type=Path, default=BENCH / "results.md", help="where to write the report (and .json beside it)"
    )
    opts = parser.parse_args(argv)
    if opts.quick:
        given = set(argv if argv is not None else sys.argv[1:])

        def default(flag: str, name: str, value: Any) -> None:
            if not any(a == flag or a.startswith(flag + "=") for a in given):
                setattr(opts, name, value)

        default("--duration", "duration", 2)
        default("--rounds", "rounds", 2)
        default("--growth", "growth", [10, 100])
        default("--growth-timeout", "growth_timeout", 120)
        default("--spread-rounds", "spread_rounds", 1)
        default("--micro-time", "micro_time", 0.05)
        default("--micro-repeats", "micro_repeats", 3)
    for name in opts.configs:
        if name not in CONFIGS:
            parser.error(f"--configs: unknown configuration '{name}'; choose from {', '.join(CONFIGS)}")
    for name in opts.variants:
        if name not in VARIANTS:
            parser.error(f"--variants: unknown variant '{name}'; choose from {', '.join(VARIANTS)}")
    if "fragment" not in opts.variants:
        opts.variants.insert(0, "fragment")  # every ratio needs it
    if opts.duration < 1 or opts.rounds < 1:
        parser.error("--duration and --rounds must be at least 1")
    return opts


def estimate_seconds(opts: argparse.Namespace) -> float:
    """Roughly: wrk time plus start-ups (about 70 ms per generated article on this 2-core machine)."""
    total = 0.0
    if "micro" in opts.parts:
        total += 10 * (opts.micro_repeats + 2) * opts.micro_time * 1.2
    if "http" in opts.parts:
        loads = len(opts.configs) * len(opts.variants) + 2  # and nginx twice
        total += 20 + loads * (opts.warmup + opts.rounds * opts.duration) * 1.03
    for count in opts.growth if "growth" in opts.parts else []:
        start = count * 0.07
        spread = 2 * (opts.warmup + opts.spread_rounds * opts.duration) if start < opts.growth_timeout else 0
        spread = 0 if count == min(opts.growth) and len(set(opts.growth)) > 1 else spread
        total += 10 + min(start, opts.growth_timeout) + spread
    return total


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    # The sample content's own warnings (duplicate sources) are not the benchmark's to report.
    logging.getLogger("widget").setLevel(logging.ERROR)
    started, begin = datetime.now(UTC), time.monotonic()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    tools = ensure_tools() if {"http", "growth"} & set(opts.parts) else {"wrk": "wrk", "nginx": "nginx"}
    log(f"seed {seed}; expected duration about {estimate_seconds(opts) / 60:.0f} min")
    tmp = Path(tempfile.mkdtemp(prefix="widget-bench-"))
    tmp.chmod(0o755)  # nginx workers run as nobody and must reach the served folder
    micro = http = growth = None
    errors: list[str] = []
    try:
        bench = build(tmp / "static-inprocess", opts.fragment)
        log(f"fragment {bench.path}: {len(bench.body):,} bytes")
        # A part that fails is reported as such; the others still run and are reported.
        if "micro" in opts.parts:
            micro = _part("micro", errors, lambda: micro_part(bench, opts))
        if "http" in opts.parts:
            http = _part("http", errors, lambda: http_part(bench, opts, tools, tmp, rng))
        if "growth" in opts.parts and opts.growth:
            growth = _part("growth", errors, lambda: growth_part(opts, tools, tmp, rng))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    text = report(
        opts, bench, tools, micro, http, growth, started, time.monotonic() - begin, (load_before, load_after), errors
    )
    print(text)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(text)
    raw = {
        "argv": sys.argv,
        "seed": seed,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(opts).items()},
        "micro": to_json(micro),
        "http": to_json(http),
        "growth": to_json(growth),
    }
    opts.output.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    log(f"wrote {opts.output} and {opts.output.with_suffix('.json')}")
    return 1 if errors else 0


def _part(name: str, errors: list[str], run: Callable[[], T]) -> T | None:
    try:
        return run()
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        log(f"{name} failed: {exc}")
        errors.append(f"{name}: {exc}")
        return None


if __name__ == "__main__":
    raise SystemExit(main())
