"""The load generator: one thread per keep-alive connection (http.client), bounded by a deadline and a request cap.

Every request is checked against the status it must get, and every failure is kept with the facts
needed to explain it: when it started, which client port (so which server worker) it used, whether
the connection had answered before, and whether the request had been written whole.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import random
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import brotli

from .mix import CATEGORIES, Category, Mix, Target

Classify = Callable[[bytes], str]


@dataclass(frozen=True, slots=True)
class Failure:
    at: float  # monotonic time the request started (connecting included)
    ended: float  # monotonic time it failed
    category: Category
    path: str
    reason: str  # connect, send, no response, body, status, etag
    detail: str  # the exception, or what was expected and what came
    local_port: int  # the client's port: which server worker held the connection
    reused: bool  # the connection had answered a request before this one
    sent: bool  # the request had been written whole


@dataclass(frozen=True, slots=True)
class Sample:
    """A response for a watched URL and the content version it carried."""

    at: float  # monotonic time it completed
    path: str
    status: int
    label: str
    local_port: int


@dataclass
class LoadResult:
    started: float
    elapsed: float
    latencies: dict[Category, array[float]]  # seconds, per category, successful requests only
    ends: array[float]  # completion time of every successful request, relative to ``started``
    statuses: Counter[tuple[Category, int]]  # every response received, expected or not
    failures: list[Failure]
    samples: list[Sample]
    revalidated_changed: int  # conditional requests answered 200 because the body changed
    closed_by_server: int  # responses that closed their connection (Connection: close)
    connections_opened: int
    ports_used: dict[int, int]  # client port -> requests answered on it

    @property
    def succeeded(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    @property
    def attempted(self) -> int:
        return self.succeeded + len(self.failures)

    def rate(self) -> float:
        """Successful requests per second."""
        return self.succeeded / self.elapsed if self.elapsed else 0.0


@dataclass
class _Tally:
    """One thread's numbers, merged after the run: no lock on the hot path."""

    latencies: dict[Category, array[float]] = field(default_factory=lambda: {c: array("d") for c in CATEGORIES})
    ends: array[float] = field(default_factory=lambda: array("d"))
    statuses: Counter[tuple[Category, int]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    changed: int = 0
    closed: int = 0
    opened: int = 0
    ports: Counter[int] = field(default_factory=Counter)


def decode(payload: bytes, coding: str | None) -> bytes:
    if coding == "br":
        data: bytes = brotli.decompress(payload)
        return data
    if coding == "gzip":
        return gzip.decompress(payload)
    return payload


class Load:
    """``connections`` closed-loop clients: each sends its next request as soon as the last is answered."""

    def __init__(
        self,
        port: int,
        mix: Mix,
        *,
        connections: int,
        duration: float,
        max_requests: int,
        timeout: float = 5.0,
        watched: Collection[str] = (),
        classify: Classify | None = None,
        seed: int = 0,
    ) -> None:
        self.port, self.mix, self.connections = port, mix, connections
        self.duration, self.max_requests, self.timeout = duration, max_requests, timeout
        self.watched = frozenset(watched)
        self.classify = classify
        self.seed = seed
        self.etags: dict[tuple[str, str | None], str] = {}  # what a cache holds: (path, encoding) -> ETag
        self.labels: dict[str, str] = {}  # ETag -> content version, for 304s on watched URLs
        self.latest: dict[int, tuple[float, str]] = {}  # client port -> (time, version) of its last watched answer
        self.started = 0.0
        self._stop = threading.Event()
        self._count = itertools.count()
        self._threads: list[threading.Thread] = []
        self._tallies: list[_Tally] = []
        self._stopped = 0.0

    # -- before the run ----------------------------------------------------------------------------

    def prime(self) -> None:
        """Fetch every revalidated (path, encoding) once, as a cache would have, and learn the watched versions."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            pairs = [*self.mix.conditional, *((path, None) for path in self.watched)]
            for path, encoding in pairs:
                status, headers, body = self._get(conn, path, encoding, None)
                if status != 200:
                    raise RuntimeError(f"priming {path}: expected 200, got {status}")
                etag = headers.get("etag", "")
                self.etags[(path, encoding)] = etag
                if path in self.watched and self.classify:
                    self.labels[etag] = self.classify(decode(body, headers.get("content-encoding")))
        finally:
            conn.close()

    @staticmethod
    def _get(
        conn: http.client.HTTPConnection, path: str, encoding: str | None, etag: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        if encoding:
            conn.putheader("Accept-Encoding", encoding)
        if etag:
            conn.putheader("If-None-Match", etag)
        conn.endheaders()
        with conn.getresponse() as response:
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()

    # -- the run -----------------------------------------------------------------------------------

    def start(self) -> None:
        self.started = time.monotonic()
        for index in range(self.connections):
            tally = _Tally()
            self._tallies.append(tally)
            thread = threading.Thread(target=self._client, args=(index, tally), name=f"load-{index}", daemon=True)
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()

    def serving(self, label: str, window: float = 2.0) -> bool:
        """Whether every connection that answered a watched URL in the last ``window`` seconds got ``label``."""
        now = time.monotonic()
        recent = [seen for at, seen in dict(self.latest).values() if now - at <= window]
        return bool(recent) and all(seen == label for seen in recent)

    def stop(self) -> None:
        """Ask every client to finish its request in flight, and wait for them (bounded by the timeout)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self._stopped = time.monotonic()

    def wait(self) -> None:
        """Until the deadline or the request cap ends the run."""
        for thread in self._threads:
            thread.join(self.duration + self.timeout + 10)
        self._stop.set()
        self._stopped = time.monotonic()

    def _client(self, index: int, tally: _Tally) -> None:
        rng = random.Random(self.seed * 1000 + index)
        deadline = self.started + self.duration
        conn: http.client.HTTPConnection | None = None
        port = 0
        answered_on_conn = 0
        while not self._stop.is_set() and time.monotonic() < deadline and next(self._count) < self.max_requests:
            target = self.mix.pick(rng)
            etag = self.etags.get((target.path, target.accept_encoding)) if target.category == "conditional" else None
            began = time.monotonic()
            t0 = time.perf_counter()
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                answered_on_conn = 0
                try:
                    conn.connect()
                except OSError as exc:
                    tally.failures.append(
                        Failure(
                            began, time.monotonic(), target.category, target.path, "connect", repr(exc), 0, False, False
                        )
                    )
                    conn.close()
                    conn = None
                    time.sleep(0.05)  # do not spin while nothing listens
                    continue
                tally.opened += 1
                port = conn.sock.getsockname()[1]
            sent = False
            stage = "send"
            try:
                conn.putrequest("GET", target.path, skip_accept_encoding=True)
                if target.accept_encoding:
                    conn.putheader("Accept-Encoding", target.accept_encoding)
                if etag:
                    conn.putheader("If-None-Match", etag)
                conn.endheaders()
                sent, stage = True, "no response"
                response = conn.getresponse()
                stage = "body"
                payload = response.read()
            except (OSError, http.client.HTTPException) as exc:
                tally.failures.append(
                    Failure(
                        began,
                        time.monotonic(),
                        target.category,
                        target.path,
                        stage,
                        repr(exc),
                        port,
                        answered_on_conn > 0,
                        sent,
                    )
                )
                conn.close()
                conn = None
                continue
            latency = time.perf_counter() - t0
            ended = time.monotonic()
            answered_on_conn += 1
            tally.ports[port] += 1
            status = response.status
            tally.statuses[(target.category, status)] += 1
            problem = self._judge(target, etag, status, response, payload, ended, port, tally)
            if problem:
                tally.failures.append(
                    Failure(began, ended, target.category, target.path, problem[0], problem[1], port, True, True)
                )
            else:
                tally.latencies[target.category].append(latency)
                tally.ends.append(ended - self.started)
            if conn.sock is None:  # the server said Connection: close; http.client closed its end
                tally.closed += 1
                conn = None
        if conn is not None:
            conn.close()

    def _judge(
        self,
        target: Target,
        etag: str | None,
        status: int,
        response: http.client.HTTPResponse,
        payload: bytes,
        ended: float,
        port: int,
        tally: _Tally,
    ) -> tuple[str, str] | None:
        """None for the expected answer; else (reason, detail)."""
        got_etag = response.getheader("ETag")
        if target.category == "conditional" and etag:
            if status == 304:
                if got_etag != etag:
                    return "etag", f"304 for If-None-Match {etag} carried ETag {got_etag}"
            elif status == 200:
                if got_etag == etag:
                    return "etag", f"200 although If-None-Match {etag} is the current ETag"
                tally.changed += 1  # the body changed since the cache got it: a 200 is right
            else:
                return "status", f"expected 304 (or 200 with a new ETag), got {status}"
        else:
            expect = 200 if target.category == "conditional" else target.expect
            if status != expect:
                return "status", f"expected {expect}, got {status}"
        if target.path in self.watched and self.classify:
            if status == 200:
                label = self.classify(decode(payload, response.getheader("Content-Encoding")))
                if got_etag:
                    self.labels[got_etag] = label
            else:
                label = self.labels.get(got_etag or "", "unknown")
            tally.samples.append(Sample(ended, target.path, status, label, port))
            self.latest[port] = (ended, label)
        # Only now may other clients revalidate with this ETag: its version is known.
        if target.category == "conditional" and status == 200 and got_etag:
            self.etags[(target.path, target.accept_encoding)] = got_etag
        return None

    # -- after the run -----------------------------------------------------------------------------

    def result(self) -> LoadResult:
        latencies: dict[Category, array[float]] = {c: array("d") for c in CATEGORIES}
        ends: array[float] = array("d")
        statuses: Counter[tuple[Category, int]] = Counter()
        failures: list[Failure] = []
        samples: list[Sample] = []
        ports: Counter[int] = Counter()
        for tally in self._tallies:
            for category in CATEGORIES:
                latencies[category].extend(tally.latencies[category])
            ends.extend(tally.ends)
            statuses.update(tally.statuses)
            failures.extend(tally.failures)
            samples.extend(tally.samples)
            ports.update(tally.ports)
        stopped = self._stopped or time.monotonic()
        return LoadResult(
            started=self.started,
            elapsed=stopped - self.started,
            latencies=latencies,
            ends=ends,
            statuses=statuses,
            failures=sorted(failures, key=lambda f: f.at),
            samples=sorted(samples, key=lambda s: s.at),
            revalidated_changed=sum(t.changed for t in self._tallies),
            closed_by_server=sum(t.closed for t in self._tallies),
            connections_opened=sum(t.opened for t in self._tallies),
            ports_used=dict(ports),
        )
