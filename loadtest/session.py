"""What every scenario shares: its setup, a running session (gunicorn, load, memory), and its result.

Each scenario starts its own gunicorn on a fresh copy of the content, drives the load, acts on the
server while it runs, and returns what the clients saw together with named checks (pass or fail,
and why).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import log

from .client import Load, LoadResult
from .edits import Versions
from .mix import DEFAULT_WEIGHTS, Catalogue, Category, Mix
from .server import Gunicorn, MemorySample, MemorySampler, Options, client_ports_of, running_gunicorn


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Event:
    at: float  # seconds since the load started
    what: str


@dataclass
class ScenarioResult:
    name: str
    title: str
    load: LoadResult
    memory: list[MemorySample]
    events: list[Event]
    checks: list[Check]
    notes: list[str] = field(default_factory=list)
    warmup: float = 0.0
    around: float | None = None  # seconds since the start worth a closer look (the kill)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


@dataclass(frozen=True, slots=True)
class Setup:
    """What every scenario shares."""

    template: Path  # the content folder each scenario copies
    work: Path  # scratch: content copies and server logs
    server: Options = Options()
    connections: int = 16
    max_requests: int = 5_000_000
    timeout: float = 5.0  # per request: longer is a failure
    seed: int = 1
    slug: str = "lupus-numbness"  # the article the reload scenarios change
    weights: Mapping[Category, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    max_growth_mib: float = 8.0  # steady: allowed growth of the summed RSS and PSS after warm-up
    probes: int = 4  # consecutive answers on new connections that must agree before a change counts as seen


@dataclass
class Session:
    gunicorn: Gunicorn
    load: Load
    versions: Versions
    watched: tuple[str, ...]
    events: list[Event] = field(default_factory=list)
    spread: dict[int, int] = field(default_factory=dict)  # worker pid -> client connections it held at the end

    def count_connections(self) -> None:
        """Which worker holds how many of the load's connections, now (while they are open)."""
        port = self.gunicorn.port
        self.spread = {pid: len(client_ports_of(pid, port)) for pid in sorted(self.gunicorn.worker_pids())}

    def mark(self, what: str) -> float:
        now = time.monotonic()
        self.events.append(Event(now - self.load.started, what))
        log(f"  +{now - self.load.started:5.1f}s {what}")
        return now


@contextlib.contextmanager
def scenario_session(
    setup: Setup, name: str, *, watch_interval: int, duration: float, memory: list[MemorySample]
) -> Iterator[Session]:
    """gunicorn on a fresh copy of the content, primed, with the load and the memory sampler running."""
    folder = setup.work / name
    content = folder / "articles"
    shutil.copytree(setup.template, content)
    with running_gunicorn(name, content, folder, watch_interval=watch_interval, options=setup.server) as gunicorn:
        catalogue = Catalogue.of(content)
        versions = Versions.of(content / f"{setup.slug}.md", secrets.token_hex(4))
        watched = catalogue.watched(setup.slug)
        encodings = (None, "gzip", "gzip, deflate, br, zstd")
        revalidated = tuple((path, encoding) for path in watched[:2] for encoding in encodings)
        mix = Mix(catalogue, setup.weights, conditional=revalidated, seed=setup.seed)
        load = Load(
            gunicorn.port,
            mix,
            connections=setup.connections,
            duration=duration,
            max_requests=setup.max_requests,
            timeout=setup.timeout,
            watched=watched,
            classify=versions.label,
            seed=setup.seed,
        )
        load.prime()
        sampler = MemorySampler(gunicorn)
        sampler.start()
        load.start()
        log(
            f"{name}: gunicorn on 127.0.0.1:{gunicorn.port} (master {gunicorn.master}, workers "
            f"{sorted(gunicorn.worker_pids())}), {len(catalogue.articles)} articles, {setup.connections} connections"
        )
        session = Session(gunicorn, load, versions, watched)
        try:
            yield session
        finally:
            if not session.spread:
                session.count_connections()
            load.stop()
            sampler.stop()
            memory.extend(sampler.samples)


def spread_note(session: Session) -> str:
    held = ", ".join(f"{pid}: {n}" for pid, n in session.spread.items())
    return f"client connections held per worker near the end (pid: connections): {held}"


def no_failures(result: LoadResult) -> Check:
    failures = result.failures
    if not failures:
        return Check("no failed requests", True, f"0 of {result.attempted:,} requests failed")
    reasons = Counter(f"{f.reason}: {f.detail}" for f in failures)
    listed = "; ".join(f"{n} x {reason}" for reason, n in reasons.most_common(5))
    return Check("no failed requests", False, f"{len(failures)} of {result.attempted:,} failed: {listed}")


def fmt_seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"
