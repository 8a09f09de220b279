"""Throughput under gunicorn: the variants side by side in one process, and nginx, interleaved."""

from __future__ import annotations

import argparse
import gzip
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import LUA, check, log
from bench.servers import Server, expected_workers, fetch, free_port, gunicorn, nginx_server, nginx_site, running
from bench.wrk import Load, interleave

# The variants served by one gunicorn (bench/app.py); "nginx" is its own server.
VARIANTS = ("fragment", "static", "bare", "naive", "flask", "304", "gzip")


def verify(loads: dict[str, Load], bench: Any) -> None:
    """Each load gets the answer it is meant to measure, before anything is timed."""
    for name, load in loads.items():
        headers = dict(h.split(": ", 1) for h in load.headers)
        variant = name.split("/")[-1]
        if variant == "304":
            headers["If-None-Match"] = bench.etag
        status, got, body = fetch(load.port, load.path, headers)
        if variant == "304":
            check(status == 304 and not body, f"{name}: expected 304 with no body, got {status}")
        elif variant == "gzip":
            check(
                status == 200 and got.get("content-encoding") == "gzip",
                f"{name}: expected a gzip 200, got {status} {got}",
            )
            check(gzip.decompress(body) == bench.body, f"{name}: the gzip body is not the fragment")
        else:
            check(status == 200, f"{name}: expected 200, got {status}")
            check(
                body == bench.body,
                f"{name}: the body ({len(body)} bytes) is not the fragment's {len(bench.body)} bytes",
            )


def http_part(
    bench: Any, opts: argparse.Namespace, tools: dict[str, str], tmp: Path, rng: random.Random
) -> dict[str, Any]:
    servers: dict[str, Server] = {}
    for config in opts.configs:
        port = free_port()
        servers[config] = gunicorn(
            f"gunicorn-{config}",
            config,
            "bench.app:from_env()",
            port,
            tmp,
            BENCH_STATIC_DIR=str(tmp / f"static-{config}"),
            BENCH_FRAGMENT=f"{bench.slug}/{bench.kind}",
            WIDGET_LOG_LEVEL="WARNING",
        )
    site = nginx_site(tmp, bench)
    export_port = free_port()
    nginx = nginx_server(tools, tmp, site, free_port(), export_port)
    with running([*servers.values(), nginx]):
        for server in [*servers.values(), nginx]:
            server.start()
        for config, server in servers.items():
            if server.wait_ready("/readyz", opts.start_timeout) is None:
                raise RuntimeError(
                    f"{server.name} did not answer /readyz in {opts.start_timeout} s:\n{server.log_tail()}"
                )
            server.wait_workers(expected_workers(config))
        if nginx.wait_ready(site.plain_path, 30) is None:
            raise RuntimeError(
                f"nginx did not start:\n{nginx.log_tail()}\n{(tmp / 'nginx' / 'error.log').read_text(errors='replace')}"
            )
        loads: dict[str, Load] = {}
        for config, server in servers.items():
            for variant in opts.variants:
                if variant == "304":
                    load = Load(server.port, bench.path, script=LUA / "not_modified.lua", script_args=(bench.etag,))
                elif variant == "gzip":
                    load = Load(server.port, bench.path, headers=("Accept-Encoding: gzip",))
                else:
                    load = Load(server.port, bench.url(variant))
                loads[f"{config}/{variant}"] = load
        loads["nginx"] = Load(nginx.port, site.plain_path)
        if site.export_conf:
            loads["nginx-export"] = Load(export_port, bench.path)
        verify(loads, bench)
        log(f"http: {len(loads)} loads x {opts.rounds} rounds x {opts.duration} s")
        results = interleave(loads, opts, tools, opts.rounds, opts.duration, rng)
    return {"results": results, "nginx": asdict(site)}
