"""The Markdown report: medians, ratios, targets met or missed."""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import GB, ROOT, Summary, fmt, verdict
from bench.growth import Growth
from bench.micro import Micro, MicroResults
from bench.servers import CONFIGS, Memory, repo_workers, version
from bench.wrk import WrkResult

LABELS = {
    "fragment": "fragment (FastPath)",
    "static": "WhiteNoise static file, same bytes",
    "bare": "bare WSGI callable, same bytes",
    "naive": "naive Flask view (render_template per request)",
    "flask": "Flask view, prebuilt body (fast path's fallback)",
    "304": "fragment, 304 revalidation",
    "gzip": "fragment, gzip",
    "nginx": "nginx, the same file (the machine's ceiling)",
    "nginx-export": "nginx, the exported site with its nginx.conf (headers, gzip_static)",
}
NGINX = ("nginx", "nginx-export")
TARGETS = {
    "fragment/static": 1.1,
    "fragment/bare": 0.9,
    "fragment/naive": 1.3,
    "304/fragment": 1.0,
}
MICRO_TARGET_US = 10.0
READY_TARGET_S = 10.0
MEMORY_TARGET = GB
GROWTH_TARGET_ARTICLES = 10_000


def ratios(results: dict[str, list[WrkResult]], top: str, bottom: str) -> Summary | None:
    """Median (min-max) of the per-round ratios ``top/bottom``; rounds pair runs made close in time."""
    a, b = results.get(top, []), results.get(bottom, [])
    return Summary.of([x.rps / y.rps for x, y in zip(a, b, strict=False) if y.rps])


def megabytes(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:,.0f} MB"


def rps(results: Sequence[WrkResult]) -> Summary | None:
    return Summary.of([r.rps for r in results])


def report(
    opts: argparse.Namespace,
    bench: Any,
    tools: dict[str, str],
    micro: MicroResults | None,
    http: dict[str, Any] | None,
    growth: list[Growth] | None,
    started: datetime,
    elapsed: float,
    load: tuple[str, str],
    errors: Sequence[str] = (),
) -> str:
    lines = _header(opts, bench, tools, started, elapsed, load)
    if micro:
        lines += _micro(opts, micro.rows)
    if http:
        lines += _http(opts, http)
    if growth:
        lines += _growth(growth)
    if errors:
        lines += ["## Errors (these parts stopped early)\n", *(f"- {e.splitlines()[0]}" for e in errors), ""]
    lines += _targets(opts, micro.rows if micro else None, http["results"] if http else None, growth)
    if micro and micro.profiles:
        lines += ["## Profiles (in-process; cProfile's overhead inflates every number)\n", *micro.profiles]
    return "\n".join(lines)


def _header(
    opts: argparse.Namespace,
    bench: Any,
    tools: dict[str, str],
    started: datetime,
    elapsed: float,
    load: tuple[str, str],
) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    python = Path(sys.executable)
    python_name = python.relative_to(ROOT).as_posix() if python.is_relative_to(ROOT) else str(python)
    packages = ", ".join(f"{name} {_dist(name)}" for name in ("gunicorn", "Flask", "WhiteNoise", "Werkzeug"))
    return [
        "# Benchmark results\n",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; the run took {elapsed / 60:.1f} min",
        f"- Machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}",
        f"- Load average (1, 5, 15 min) before: {load[0]}; after: {load[1]} (anything else running makes the numbers noisy)",
        f"- Tools: {version([tools['wrk'], '-v'])}; {version([tools['nginx'], '-v'])}; {packages}",
        f"- Command: `{shlex.join([python_name, *sys.argv])}`",
        f"- Fragment: `{bench.path}`, {len(bench.body):,} bytes ({len(gzip.compress(bench.body, 6)):,} gzipped)"
        + ("" if opts.fragment else ", the one closest to the prototype's 4 KB"),
        "",
    ]


def _micro(opts: argparse.Namespace, micro: list[Micro]) -> list[str]:
    return [
        f"## In-process, per request (microseconds, median (min-max) of {opts.micro_repeats} repeats)\n",
        "| path | us per request |",
        "|---|---:|",
        *(f"| {m.name} | {fmt(m.us, 2)} |" for m in micro),
        "",
        "Each call gets a fresh copy of a gunicorn-like environ and its body is read and closed; the "
        "harness row is that overhead alone.\n",
    ]


RATIOS = (  # label, numerator, denominator, target key
    ("fragment / WhiteNoise static", "fragment", "static", "fragment/static"),
    ("fragment / bare WSGI", "fragment", "bare", "fragment/bare"),
    ("fragment / naive view", "fragment", "naive", "fragment/naive"),
    ("304 / fragment", "304", "fragment", "304/fragment"),
    ("fragment / Flask view (fallback)", "fragment", "flask", None),
    ("gzip / identity", "gzip", "fragment", None),
)


def _http(opts: argparse.Namespace, http: dict[str, Any]) -> list[str]:
    results: dict[str, list[WrkResult]] = http["results"]
    configs = opts.configs
    lines = [
        f"## Under gunicorn (req/s, median (min-max) of {opts.rounds} rounds; "
        f"wrk -t{opts.threads} -c{opts.connections} -d{opts.duration}s)\n",
        "| variant | " + " | ".join(f"{c}: {CONFIGS[c][0]}" for c in configs) + " |",
        "|---|" + "---:|" * len(configs),
    ]
    for variant in opts.variants:
        cells = [fmt(rps(results.get(f"{c}/{variant}", []))) for c in configs]
        lines.append(f"| {LABELS[variant]} | " + " | ".join(cells) + " |")
    for name in NGINX:
        if name in results:
            lines.append(f"| {LABELS[name]} | " + " | ".join([fmt(rps(results[name]))] * len(configs)) + " |")
    threads = os.environ.get("WIDGET_THREADS", "4")
    about = {
        "repo": f"gunicorn.conf.py as is: gthread, {repo_workers()} workers x {threads} threads, keep-alive, "
        "preload, the JSON access log (to stdout, here /dev/null)",
        "sync2": "the same plus `--worker-class sync --workers 2`, the prototype's setting: no keep-alive, "
        "a connection per request",
        "repo-nolog": "gunicorn.conf.py without its access log (bench/gunicorn_nolog.py)",
        "repo-1thread": "gunicorn.conf.py with `--threads 1`",
    }
    lines += [
        "",
        *(f"- `{c}`: {about[c]}." for c in configs),
        "- Every variant runs in the same gunicorn (bench/app.py); wrk runs on the same cores as the server.",
        f"- nginx: {os.cpu_count()} workers, access log off; the plain server sends "
        f"{http['nginx']['plain_path']} ({http['nginx']['source']}), with no added headers.",
        "",
    ]
    dirty = sorted({name for name, runs in results.items() for r in runs if not r.clean})
    if dirty:
        lines += [f"Runs with socket errors or non-2xx/3xx answers: {', '.join(dirty)}.", ""]
    lines += [
        "### Ratios (median (min-max) of the per-round ratios)\n",
        "| ratio | target | " + " | ".join(configs) + " |",
        "|---|---|" + "---:|" * len(configs),
    ]
    for label, top, bottom, key in RATIOS:
        cells = [fmt(ratios(results, f"{c}/{top}", f"{c}/{bottom}"), 2, "x") for c in configs]
        target = f">= {TARGETS[key]}x" if key else "report"
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    for name in NGINX:
        if name in results:
            cells = [fmt(ratios(results, name, f"{c}/fragment"), 1, "x") for c in configs]
            lines.append(f"| {LABELS[name]} / fragment | report | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _growth(growth: list[Growth]) -> list[str]:
    lines = [
        "## Growth (generated articles; gunicorn.conf.py and `wsgi:application`)\n",
        "| articles | bodies | first start until /readyz (every file parsed) | restart (article cache) "
        "| RSS, summed over master + workers | PSS, summed | RSS / PSS after the spread load |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    baseline = min(g.articles for g in growth) if len(growth) > 1 else None
    for g in growth:
        ready = f"{g.ready_s:.1f} s" if g.ready_s is not None else f"> {g.timeout_s:.0f} s (timed out)"
        warm = f"{g.warm_s:.1f} s" if g.warm_s is not None else "n/a"
        mem, after = g.memory, g.memory_after_load
        bodies = f"{g.bodies:,}" if g.bodies is not None else "n/a"
        rss = f"{megabytes(mem.rss)} ({mem.processes} processes)" if mem else "n/a"
        after_text = f"{megabytes(after.rss)} / {megabytes(after.pss)}" if after else "-"
        lines.append(
            f"| {g.articles:,}{' (baseline)' if g.articles == baseline else ''} | {bodies} | {ready} | {warm} "
            f"| {rss} | {megabytes(mem.pss if mem else None)} | {after_text} |"
        )
    lines += [f"\n- {g.articles:,} articles: {g.note}" for g in growth if g.note]
    if (estimate := ready_estimate(growth)) is not None:
        lines += ["", estimate]
    measured = [g for g in growth if g.spread]
    if measured:
        lines += [
            "",
            "Throughput with each request for a random article and widget (wrk Lua), against one fragment "
            "through the same script (req/s):\n",
            "| articles | spread over every fragment | one fragment | spread / one |",
            "|---:|---:|---:|---:|",
        ]
        for g in measured:
            paired = Summary.of([a.rps / b.rps for a, b in zip(g.spread, g.single, strict=False) if b.rps])
            lines.append(f"| {g.articles:,} | {fmt(rps(g.spread))} | {fmt(rps(g.single))} | {fmt(paired, 2, 'x')} |")
    return [*lines, ""]


def _targets(
    opts: argparse.Namespace,
    micro: list[Micro] | None,
    results: dict[str, list[WrkResult]] | None,
    growth: list[Growth] | None,
) -> list[str]:
    lines = ["## Targets\n", "| target | measured | result |", "|---|---|---|"]
    for row in micro or []:
        if row.name.startswith("fragment hit") and "whole app" in row.name:
            request = "a browser's request" if "browser" in row.name else "wrk's request (Host only)"
            lines.append(
                f"| in-process fragment hit <= {MICRO_TARGET_US:.0f} us, {request} | {fmt(row.us, 2, ' us')} "
                f"| {verdict(row.us.median <= MICRO_TARGET_US)} |"
            )
    for c in opts.configs if results else []:
        assert results is not None
        for label, top, bottom, key in RATIOS:
            if key:
                s = ratios(results, f"{c}/{top}", f"{c}/{bottom}")
                ok = s.median >= TARGETS[key] if s else None
                lines.append(f"| {c}: {label} >= {TARGETS[key]}x | {fmt(s, 2, 'x')} | {verdict(ok)} |")
    for name in NGINX if results else ():
        assert results is not None
        if name in results:
            s = ratios(results, name, f"{opts.configs[0]}/fragment")
            lines.append(f"| {LABELS[name]} / Python server ({opts.configs[0]}) | {fmt(s, 1, 'x')} | report |")
    for g in growth or []:
        if g.articles != GROWTH_TARGET_ARTICLES:
            continue
        for label, took in (("first start", g.ready_s), ("restart with the article cache", g.warm_s)):
            ready = f"{took:.1f} s" if took is not None else f"not ready in {g.timeout_s:.0f} s"
            ok = took is not None and took < READY_TARGET_S
            lines.append(
                f"| {g.articles:,} articles ready < {READY_TARGET_S:.0f} s, {label} | {ready} | {verdict(ok)} |"
            )
        for label, memory in (
            ("first start", g.memory_cold),
            ("restart", g.memory),
            ("after the spread load", g.memory_after_load),
        ):
            if memory is None or (label == "restart" and g.ready_s is None):
                continue
            used = _used(memory)
            what = "PSS" if memory.pss is not None else "RSS"
            lines.append(
                f"| {g.articles:,} articles < 1 GB across master + workers ({what}), {label} "
                f"| {megabytes(used)} (RSS sum {megabytes(memory.rss)}) | {verdict(used < MEMORY_TARGET)} |"
            )
        if g.ready_s is None and g.memory:
            used = _used(g.memory)
            what = "PSS" if g.memory.pss is not None else "RSS"
            # A server still loading gives a lower bound: it can miss the target, not meet it.
            ok = used < MEMORY_TARGET if g.ready_s is not None else (False if used >= MEMORY_TARGET else None)
            loading = "" if g.ready_s is not None else " while still loading"
            lines.append(
                f"| {g.articles:,} articles < 1 GB across master + workers ({what}) "
                f"| {megabytes(used)}{loading} (RSS sum {megabytes(g.memory.rss)}) | {verdict(ok)} |"
            )
    if growth is not None and GROWTH_TARGET_ARTICLES not in [g.articles for g in growth]:
        lines.append(f"| {GROWTH_TARGET_ARTICLES:,} articles: ready < 10 s, < 1 GB | not run (see `--growth`) | n/a |")
    return [*lines, ""]


def ready_estimate(growth: list[Growth]) -> str | None:
    """Start-up time and memory at 10,000 articles, on the line through the two largest sizes that started."""
    started = sorted((g for g in growth if g.ready_s is not None and g.memory), key=lambda g: g.articles)
    if len(started) < 2 or GROWTH_TARGET_ARTICLES in [g.articles for g in started]:
        return None
    small, large = started[-2:]

    def at_target(y1: float, y2: float) -> float:
        return y2 + (y2 - y1) / (large.articles - small.articles) * (GROWTH_TARGET_ARTICLES - large.articles)

    ready = at_target(small.ready_s or 0.0, large.ready_s or 0.0)
    memory = at_target(_used(small.memory), _used(large.memory))
    return (
        f"On the line through {small.articles:,} and {large.articles:,} articles, {GROWTH_TARGET_ARTICLES:,} "
        f"articles would be ready in about {ready:,.0f} s and take about {memory / GB:,.1f} GB "
        "(an extrapolation, not a measurement)."
    )


def _used(memory: Memory | None) -> int:
    """PSS when readable (shared pages counted once), else the RSS sum."""
    if memory is None:
        return 0
    return memory.pss if memory.pss is not None else memory.rss


def _dist(name: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(name)
    except PackageNotFoundError:
        return "?"


def to_json(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_json(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value
