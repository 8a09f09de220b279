"""The cost of growth: start-up time, memory and spread-out throughput for generated articles."""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.articles import SLUG_FORMAT, write_articles
from bench.common import LUA, check, log
from bench.servers import Memory, Server, fetch, free_port, gunicorn, repo_workers, running
from bench.wrk import Load, WrkResult, interleave
from widget.urls import WIDGETS


@dataclass
class Growth:
    articles: int
    generate_s: float  # writing the files
    ready_s: float | None  # None: no answer within the timeout; a first start, every file parsed
    timeout_s: float
    warm_s: float | None = None  # a restart, with the article cache the first start wrote
    memory_cold: Memory | None = None  # of the first start, once ready
    bodies: int | None = None
    memory: Memory | None = None
    memory_after_load: Memory | None = None
    spread: list[WrkResult] = field(default_factory=list)
    single: list[WrkResult] = field(default_factory=list)
    note: str = ""


def growth_part(opts: argparse.Namespace, tools: dict[str, str], tmp: Path, rng: random.Random) -> list[Growth]:
    """Each size in turn: generate, start gunicorn with preload, time /readyz, read memory, spread a load."""
    out = []
    sizes = sorted(set(opts.growth))
    # With several sizes, the smallest is the baseline of the extrapolation: start-up and memory only.
    baseline = sizes[0] if len(sizes) > 1 else None
    for count in sizes:
        folder = tmp / f"articles-{count}"
        begin = time.monotonic()
        write_articles(folder, count)
        row = Growth(count, time.monotonic() - begin, None, opts.growth_timeout)
        log(f"growth: {count:,} articles written; starting gunicorn (timeout {opts.growth_timeout:.0f} s)")
        cache = tmp / f"cache-{count}"
        env = {"WIDGET_CONTENT_DIR": str(folder), "WIDGET_LOG_LEVEL": "WARNING", "WIDGET_CACHE_DIR": str(cache)}
        # First start: an empty article cache, so every file is parsed (as after a code change).
        cold = gunicorn(f"growth-{count}-cold", "repo", "wsgi:application", free_port(), tmp, **env)
        with running([cold]):
            cold.start()
            row.ready_s = _ready(cold, row, opts.growth_timeout)
            if row.ready_s is None:
                row.memory = cold.memory()
                row.note = row.note or f"not ready after {opts.growth_timeout:.0f} s; memory read then, still loading"
                log(f"growth: {count:,} articles: {row.note}")
                out.append(row)
                continue
            cold.wait_workers(repo_workers())
            time.sleep(1)
            row.memory_cold = cold.memory()
        log(f"growth: {count:,} articles ready in {row.ready_s:.1f} s on a first start; restarting")
        # The restart every deploy of the same code and most content does: unchanged files come from the cache.
        server = gunicorn(f"growth-{count}", "repo", "wsgi:application", free_port(), tmp, **env)
        with running([server]):
            server.start()
            row.warm_s = _ready(server, row, opts.growth_timeout)
            if row.warm_s is None:
                out.append(row)
                continue
            server.wait_workers(repo_workers())
            time.sleep(1)  # let the workers finish booting before reading their memory
            row.memory = server.memory()
            row.bodies = json.loads(fetch(server.port, "/readyz")[2])["bodies"]
            log(f"growth: {count:,} articles ready in {row.warm_s:.1f} s on a restart, {row.bodies:,} bodies")
            if opts.spread_rounds and count != baseline:
                row.spread, row.single = _spread(server.port, count, opts, tools, rng)
                row.memory_after_load = server.memory()
        out.append(row)
    return out


def _ready(server: Server, row: Growth, timeout: float) -> float | None:
    try:
        return server.wait_ready("/readyz", timeout)
    except RuntimeError as exc:  # the server died: say why, in its own words
        row.note = " / ".join([str(exc).splitlines()[0], *server.log_tail(3).splitlines()])
        return None


def _spread(
    port: int, count: int, opts: argparse.Namespace, tools: dict[str, str], rng: random.Random
) -> tuple[list[WrkResult], list[WrkResult]]:
    """Requests for a random article and widget each, against one fragment through the same Lua script."""
    path = "/fragment/" + SLUG_FORMAT.replace("{:05d}", "%05d") + "/%s"
    for number in (1, count // 2 or 1, count):
        status, _, _ = fetch(port, path % (number, "comparison"))
        check(status == 200, f"{path % (number, 'comparison')}: expected 200, got {status}")
    script = LUA / "spread.lua"
    loads = {
        "spread": Load(port, "/", script=script, script_args=(str(count), path, ",".join(WIDGETS))),
        "single": Load(port, "/", script=script, script_args=("1", path, "sections")),
    }
    results = interleave(loads, opts, tools, opts.spread_rounds, opts.duration, rng)
    return results["spread"], results["single"]
