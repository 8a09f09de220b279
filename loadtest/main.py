"""The load test's options and its run: ``python loadtest/run.py --help``."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import gunicorn

from bench.articles import write_articles
from bench.common import ROOT, log

from .mix import ACCEPT_ENCODINGS, CATEGORIES, Catalogue
from .report import report
from .scenarios import ScenarioResult, Setup, reload_memory, reload_under_load, steady, worker_kill
from .server import Options
from .slowclients import slow_clients_scenario

SCENARIOS = ("steady", "reload-watch", "reload-sighup", "reload-memory", "kill", "slow-clients")
SAMPLE_CONTENT = ROOT / "content" / "articles"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="loadtest/run.py",
        description="Load and fault tests against gunicorn on 127.0.0.1.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the steady scenario")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections (one client thread each)")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="cap on requests per scenario")
    parser.add_argument("--timeout", type=float, default=5, help="seconds a request may take before it fails")
    parser.add_argument("--articles", type=int, default=10, help="generated articles served beside the sample content")
    parser.add_argument(
        "--config", type=Path, default=ROOT / "gunicorn.conf.py", help="gunicorn's config file (to try a change)"
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, one per core)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument(
        "--lead", type=float, default=3, help="reload: seconds of load before the edit, and between steps"
    )
    parser.add_argument("--hold", type=float, default=5, help="reload: seconds the article stays broken")
    parser.add_argument("--settle", type=float, default=10, help="seconds a change may take to be served")
    parser.add_argument("--reloads", type=int, default=10, help="reload-memory: SIGHUPs in a row")
    parser.add_argument("--kill-before", type=float, default=5, help="kill: seconds of load before the kill")
    parser.add_argument("--kill-after", type=float, default=10, help="kill: seconds of load after the replacement")
    parser.add_argument("--slow-connections", type=int, default=200, help="slow-clients: connections dripping a head")
    parser.add_argument("--drip-interval", type=float, default=3, help="slow-clients: seconds between two header bytes")
    parser.add_argument("--slow-duration", type=float, default=30, help="slow-clients: seconds the slow clients run")
    parser.add_argument("--max-growth-mib", type=float, default=8, help="steady: allowed memory growth after warm-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (content copies, server logs)")
    parser.add_argument("--quick", action="store_true", help="short runs: steady 8 s, hold 3 s, kill 3+4 s")
    parser.add_argument("--output", type=Path, default=ROOT / "loadtest" / "results.md", help="the report ('-': none)")
    opts = parser.parse_args(argv)
    opts.scenarios = [s for s in opts.scenarios.split(",") if s]
    if unknown := set(opts.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    if opts.quick:
        opts.duration, opts.lead, opts.hold, opts.kill_before, opts.kill_after, opts.reloads = 8, 2, 3, 3, 4, 6
        opts.slow_duration = 15
    return opts


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {os.cpu_count()} cores, {memory} RAM, {platform.system()} {platform.release()}"


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="loadtest-"))
    try:
        template = work / "content"
        shutil.copytree(SAMPLE_CONTENT, template)
        if opts.articles:
            write_articles(template, opts.articles)
        catalogue = Catalogue.of(template)
        setup = Setup(
            template=template,
            work=work,
            server=Options(workers=opts.workers, threads=opts.threads, config=opts.config.resolve()),
            connections=opts.connections,
            max_requests=opts.max_requests,
            timeout=opts.timeout,
            seed=opts.seed,
            max_growth_mib=opts.max_growth_mib,
        )
        runs: dict[str, Callable[[], ScenarioResult]] = {
            "steady": lambda: steady(setup, opts.duration),
            "reload-watch": lambda: reload_under_load(
                setup, "watch", lead=opts.lead, hold=opts.hold, settle=opts.settle
            ),
            "reload-sighup": lambda: reload_under_load(
                setup, "sighup", lead=opts.lead, hold=opts.hold, settle=opts.settle
            ),
            "reload-memory": lambda: reload_memory(setup, reloads=opts.reloads, settle=opts.settle),
            "kill": lambda: worker_kill(setup, before=opts.kill_before, after=opts.kill_after, settle=opts.settle),
            "slow-clients": lambda: slow_clients_scenario(
                setup, connections=opts.slow_connections, interval=opts.drip_interval, duration=opts.slow_duration
            ),
        }
        results = []
        for name in opts.scenarios:
            log(f"scenario {name}")
            began = time.monotonic()
            result = runs[name]()
            verdict = "PASS" if result.ok else "FAIL: " + ", ".join(c.name for c in result.checks if not c.ok)
            log(f"scenario {name}: {time.monotonic() - began:.0f} s, {verdict}")
            results.append(result)
    finally:
        if opts.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    finished = datetime.now(UTC)
    load_after = os.getloadavg()
    encodings = ", ".join(f"{int(w * 100)} % {e or 'none'}" for e, w in ACCEPT_ENCODINGS)
    mix = ", ".join(f"{c} {w:g} %" for c, w in setup.weights.items() if c in CATEGORIES)
    header = [
        ("Date", f"{started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC"),
        ("Machine", machine()),
        (
            "Load average",
            f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min; other jobs may share the machine)",
        ),
        ("Software", f"Python {platform.python_version()}, gunicorn {gunicorn.__version__}"),
        ("Command", f"`{shlex.join(['.venv/bin/python', 'loadtest/run.py', *(argv or sys.argv[1:])])}`"),
        (
            "Server",
            f"{opts.config.resolve().relative_to(ROOT) if opts.config.resolve().is_relative_to(ROOT) else opts.config} "
            "(gthread, preload_app, keepalive 15 s, JSON access log on stdout, here discarded)"
            + (f", --workers {opts.workers}" if opts.workers else ", workers = cores")
            + (f", --threads {opts.threads}" if opts.threads else ", 4 threads")
            + "; 127.0.0.1, a fresh copy of the content per scenario; WIDGET_WATCH_INTERVAL=1 "
            "(0 for reload-sighup, so SIGHUP alone reloads)",
        ),
        (
            "Content",
            f"{len(catalogue.articles)} articles ({len(catalogue.articles) - opts.articles} samples, "
            f"{opts.articles} from bench/articles.py): {len(catalogue.widgets)} widget URLs, "
            f"{len(catalogue.parts)} parts, {len(catalogue.pages)} pages",
        ),
        (
            "Client",
            f"this script, on the same machine: {opts.connections} threads, each one keep-alive connection "
            f"(http.client) sending its next request when the last is answered; {opts.timeout:g} s timeout. "
            "Latencies include the client's own scheduling (Python threads sharing the cores with the server).",
        ),
        ("Mix", f"{mix}; Accept-Encoding {encodings}"),
        (
            "Failure",
            "a connection error or timeout, or a status other than the expected one: 200; 304 for a revalidation "
            "with the current ETag (200 with a new ETag once the body changed); 404 or 400 for the deliberate errors",
        ),
    ]
    text = report(header, results)
    print(text)
    if str(opts.output) != "-":
        opts.output.write_text(text, encoding="utf-8")
        log(f"wrote {opts.output}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
