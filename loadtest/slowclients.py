"""Slow clients: connections that drip a request head a byte at a time, while a probe asks for /healthz.

Each slow connection sends a request line and one header byte every ``interval`` seconds and never
ends its head: a thread-per-connection server that reads heads in its threads runs out of threads.
A probe opens a fresh connection every ``probe_every`` seconds and counts the answers it gets within
``probe_timeout``. Everything goes to 127.0.0.1; every loop is bounded by ``duration``.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import statistics
import threading
import time
from dataclasses import dataclass

from widget.gthread import HEAD_TIMEOUT

from .server import MemorySample
from .session import Check, ScenarioResult, Setup, no_failures, scenario_session, spread_note

# A real request line, then a header whose value never ends: the head stays incomplete.
HEAD_START = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: "


@dataclass(frozen=True, slots=True)
class SlowClientResult:
    connections: int  # slow connections asked for
    opened: int  # slow connections the server accepted into its backlog
    interval: float  # seconds between two bytes of a slow connection
    duration: float
    probes: int
    answered: int  # probes answered 200 within probe_timeout
    latencies: tuple[float, ...]  # seconds, of the answered probes
    closed_by_server: int  # slow connections the server closed before the end
    longest_open: float  # seconds the longest-lived slow connection stayed open (duration if never closed)

    @property
    def median_latency(self) -> float | None:
        return statistics.median(self.latencies) if self.latencies else None

    @property
    def max_latency(self) -> float | None:
        return max(self.latencies) if self.latencies else None

    def summary(self) -> str:
        median, worst = self.median_latency, self.max_latency
        latency = (
            "none answered"
            if median is None or worst is None
            else f"median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms"
        )
        return (
            f"{self.opened} of {self.connections} slow connections (a header byte every {self.interval:g} s)"
            f" for {self.duration:g} s: {self.answered} of {self.probes} /healthz probes answered ({latency});"
            f" the server closed {self.closed_by_server} slow connections, the longest stayed open"
            f" {self.longest_open:.1f} s"
        )


def slow_clients(
    port: int,
    *,
    connections: int,
    interval: float,
    duration: float,
    probe_every: float = 1.0,
    probe_timeout: float = 2.0,
) -> SlowClientResult:
    """Hold ``connections`` slow connections to 127.0.0.1:``port`` for ``duration`` s while probing it."""
    started = time.monotonic()
    end = started + duration
    slow: list[socket.socket] = []
    opened_at: dict[int, float] = {}
    closed_at: dict[int, float] = {}
    try:
        for _ in range(connections):
            sock = socket.create_connection(("127.0.0.1", port), timeout=2.0)
            sock.sendall(HEAD_START)
            sock.setblocking(False)
            opened_at[sock.fileno()] = time.monotonic()
            slow.append(sock)
        probe_result: list[tuple[bool, float]] = []
        prober = threading.Thread(
            target=_probe, args=(port, end, probe_every, probe_timeout, probe_result), daemon=True
        )
        prober.start()
        while time.monotonic() < end:
            for sock in slow:
                if sock.fileno() in closed_at:
                    continue
                if _closed(sock):
                    closed_at[sock.fileno()] = time.monotonic()
            time.sleep(max(0.0, min(interval, end - time.monotonic())))
            for sock in slow:
                if sock.fileno() not in closed_at:
                    with contextlib.suppress(OSError):
                        sock.send(b"a")
        prober.join(timeout=probe_timeout + 1.0)
    finally:
        for sock in slow:
            sock.close()
    finished = time.monotonic()
    lifetimes = [closed_at.get(fd, finished) - at for fd, at in opened_at.items()]
    answered = [latency for ok, latency in probe_result if ok]
    return SlowClientResult(
        connections=connections,
        opened=len(slow),
        interval=interval,
        duration=duration,
        probes=len(probe_result),
        answered=len(answered),
        latencies=tuple(answered),
        closed_by_server=len(closed_at),
        longest_open=max(lifetimes, default=0.0),
    )


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed (or reset) this connection: a read that returns nothing, or fails."""
    try:
        sock.recv(4096)  # nothing ends this head: any answer (a 400 or 408 page) means the server gave up
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def _probe(port: int, end: float, every: float, timeout: float, out: list[tuple[bool, float]]) -> None:
    """GET /healthz on a new connection every ``every`` s until ``end``; one (answered, seconds) each."""
    while time.monotonic() + timeout < end:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", "/healthz", headers={"Connection": "close"})
            ok = conn.getresponse().status == 200
        except OSError:
            ok = False
        finally:
            conn.close()
        took = time.monotonic() - started
        out.append((ok, took))
        time.sleep(max(0.0, every - took))


def slow_clients_scenario(setup: Setup, *, connections: int, interval: float, duration: float) -> ScenarioResult:
    """The mix and a probe keep getting answers while ``connections`` slow clients drip their heads."""
    memory: list[MemorySample] = []
    with scenario_session(setup, "slow-clients", watch_interval=0, duration=duration, memory=memory) as session:
        session.mark(f"{connections} slow connections opened, a header byte every {interval:g} s")
        slow = slow_clients(session.gunicorn.port, connections=connections, interval=interval, duration=duration)
        session.mark(f"slow connections closed by the client: {slow.summary()}")
        session.load.wait()
    result = session.load.result()
    # A late head is closed at the worker's next pass (about a second) after HEAD_TIMEOUT; the client
    # notices at its next drip.
    bound = HEAD_TIMEOUT + interval + 2.0
    checks = [
        no_failures(result),
        Check(
            "probes answered",
            slow.probes > 0 and slow.answered == slow.probes,
            slow.summary(),
        ),
        Check(
            "slow heads closed",
            slow.closed_by_server == slow.opened and slow.longest_open <= bound,
            f"{slow.closed_by_server} of {slow.opened} closed by the server; the longest stayed open"
            f" {slow.longest_open:.1f} s (bound {bound:g} s)",
        ),
    ]
    return ScenarioResult(
        "slow-clients", "Slow clients", result, memory, session.events, checks, [spread_note(session)]
    )
