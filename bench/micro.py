"""In-process: the WSGI callables called directly with a prepared environ, per request in microseconds."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from wsgiref.util import FileWrapper

from flask import Flask

from bench.app import call, find_layer, make_environ
from bench.common import Summary, check, fmt, log
from widget.fastpath import FastPath

# What Chrome sends with a cross-origin fetch of a fragment (wrk sends none of these).
BROWSER = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
    "Origin": "https://partner.example",
    "Referer": "https://partner.example/",
    "Sec-Fetch-Mode": "cors",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
}


@dataclass
class Micro:
    name: str
    us: Summary
    iterations: int


@dataclass
class MicroResults:
    rows: list[Micro]
    profiles: list[str] = field(default_factory=list)  # with --profile: cProfile tables, as Markdown


def time_calls(app: Callable[..., Any], environ: dict[str, Any], seconds: float, repeats: int) -> tuple[Summary, int]:
    """Per-call microseconds, median of ``repeats`` runs of enough calls to last ``seconds`` each.

    Each call gets a fresh copy of the environ (a server builds one per request), consumes the body
    and closes the iterable, as a server must.
    """

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        return _ignore

    def batch(n: int) -> int:
        begin = time.perf_counter_ns()
        for _ in range(n):
            result = app(environ.copy(), start_response)
            for _chunk in result:
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return time.perf_counter_ns() - begin

    n = 1
    while True:  # bounded: n doubles until a batch lasts a tenth of ``seconds``
        elapsed = batch(n)
        if elapsed >= seconds * 1e8 or n >= 1 << 24:
            break
        n *= 2
    iterations = max(1, int(n * seconds * 1e9 / max(elapsed, 1)))
    per_call = [batch(iterations) / iterations / 1000 for _ in range(repeats)]
    summary = Summary.of(per_call)
    assert summary is not None
    return summary, iterations


def _ignore(data: bytes) -> None:
    pass


def _empty_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [])
    return [b""]


def micro_part(bench: Any, opts: argparse.Namespace) -> MicroResults:
    app = bench.app
    fastpath = find_layer(app, FastPath)

    def flask_only(environ: Any, start_response: Any) -> Any:
        return Flask.wsgi_app(app, environ, start_response)

    env = make_environ
    static_env = {**env(bench.url("static")), "wsgi.file_wrapper": FileWrapper}
    cases: list[tuple[str, Callable[..., Any], dict[str, Any], str]] = [  # name, callable, environ, status
        ("fragment hit, whole app (what gunicorn calls)", app, env(bench.path), "200"),
        *([("fragment hit, FastPath alone", fastpath, env(bench.path), "200")] if fastpath else []),
        ("fragment hit, through the bench dispatcher", bench, env(bench.path), "200"),
        ("fragment hit, a browser's headers (br), whole app", app, env(bench.path, BROWSER), "200"),
        ("304 (If-None-Match), whole app", app, env(bench.path, {"If-None-Match": bench.etag}), "304"),
        ("gzip (Accept-Encoding: gzip), whole app", app, env(bench.path, {"Accept-Encoding": "gzip"}), "200"),
        ("WhiteNoise static file, same bytes", bench.static, static_env, "200"),
        ("bare WSGI callable, same bytes", bench.bare, env(bench.url("bare")), "200"),
        ("Flask view, prebuilt body (fast path's fallback)", flask_only, env(bench.path), "200"),
        ("naive Flask view (render_template per request)", flask_only, env(bench.url("naive")), "200"),
        ("harness alone (an empty WSGI app)", _empty_app, env("/"), "200"),
    ]
    out = MicroResults([])
    for name, callable_, environ, status in cases:
        got = call(callable_, environ.copy())[0]
        check(got.startswith(status), f"micro {name}: expected {status}, got {got}")
        summary, iterations = time_calls(callable_, environ, opts.micro_time, opts.micro_repeats)
        out.rows.append(Micro(name, summary, iterations))
        log(f"micro {name:<52} {fmt(summary, 2, ' us')}")
    if opts.profile:
        out.profiles.append(profile_calls(app, env(bench.path), "fragment hit, whole app"))
        out.profiles.append(profile_calls(flask_only, env(bench.path), "Flask view, prebuilt body"))
    return out


def profile_calls(app: Callable[..., Any], environ: dict[str, Any], name: str, calls: int = 20_000) -> str:
    """cProfile of ``calls`` requests, the functions with the most own time first, as Markdown."""

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        return _ignore

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        result = app(environ.copy(), start_response)
        for _chunk in result:
            pass
        if hasattr(result, "close"):
            result.close()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
    return f"### cProfile: {name}, {calls:,} calls (by own time)\n\n```\n{out.getvalue().strip()}\n```\n"
