"""The scenarios: steady load, content reloaded under load (see :mod:`loadtest.reloads`), a worker killed."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Sequence

from .client import Failure, LoadResult
from .reloads import reload_memory, reload_under_load
from .server import MemorySample, client_ports_of, wait_until
from .session import Check, ScenarioResult, Setup, fmt_seconds, no_failures, scenario_session, spread_note
from .stats import MIB, memory_rows, signed_mib

__all__ = ["ScenarioResult", "Setup", "reload_memory", "reload_under_load", "steady", "worker_kill"]


def steady(setup: Setup, duration: float) -> ScenarioResult:
    """The mix for ``duration`` seconds: no failures, and memory that stops growing after the warm-up."""
    memory: list[MemorySample] = []
    warmup = min(10.0, duration / 4)
    with scenario_session(setup, "steady", watch_interval=1, duration=duration, memory=memory) as session:
        session.mark(f"load started: {duration:g} s of the mix")
        time.sleep(max(0.0, duration - 1.0))
        session.count_connections()
        session.load.wait()
        session.mark("load finished")
    result = session.load.result()
    checks = [no_failures(result)]
    rows = {row.name: row for row in memory_rows(memory, result.started, warmup)}
    total = rows.get("all")
    if total is None:
        checks.append(Check("memory steady", False, "no memory samples"))
    else:
        limit = int(setup.max_growth_mib * MIB)
        pss = total.pss_growth
        growth = max(total.rss_growth, pss if pss is not None else total.rss_growth)
        checks.append(
            Check(
                "memory steady",
                growth <= limit,
                f"after {warmup:g} s of warm-up, the master and workers together grew by "
                f"{signed_mib(total.rss_growth)} MiB RSS and {signed_mib(pss)} MiB PSS "
                f"(limit {setup.max_growth_mib:g} MiB)",
            )
        )
    notes = [spread_note(session)]
    return ScenarioResult("steady", "Steady load", result, memory, session.events, checks, notes, warmup=warmup)


def worker_kill(setup: Setup, *, before: float = 5.0, after: float = 8.0, settle: float = 10.0) -> ScenarioResult:
    """SIGKILL the worker holding the most connections; count what the clients saw; wait for its replacement."""
    memory: list[MemorySample] = []
    grace = 2.0  # failures must start within this long after the kill
    with scenario_session(setup, "kill", watch_interval=1, duration=before + after + settle + 30, memory=memory) as s:
        g = s.gunicorn
        time.sleep(before)
        workers = g.worker_pids()
        held = {pid: client_ports_of(pid, g.port) for pid in workers}
        victim = max(held, key=lambda pid: len(held[pid]))
        ports = held[victim]
        killed_at = s.mark(f"SIGKILL worker {victim}, which holds {len(ports)} of the client connections")
        os.kill(victim, signal.SIGKILL)
        replaced_in = wait_until(
            lambda: victim not in (pids := g.worker_pids()) and len(pids) == g.workers, settle, interval=0.02
        )
        new = sorted(g.worker_pids() - workers)
        s.mark(f"replacement worker {new} up" if replaced_in is not None else "no replacement worker in time")
        ready_in = wait_until(lambda: bool(g.readyz()), settle)
        # Long enough past the grace period for "recovered" to mean something.
        time.sleep(max(after, killed_at + grace + 1.0 - time.monotonic()))
        log_lines = g.log_lines("SIGKILL", "Booting worker", "was sent", "exited")
        s.mark("stopping the load")
    result = s.load.result()
    failures = result.failures
    late = [f for f in failures if f.at > killed_at + grace or f.ended < killed_at]
    strangers = [f for f in failures if f.local_port not in ports]
    repeats = {port: n for port, n in Counter(f.local_port for f in failures).items() if n > 1}
    in_flight = [f for f in failures if f.at < killed_at]
    checks = [
        Check(
            "replacement worker",
            replaced_in is not None and ready_in is not None and bool(new),
            f"new worker {new} up {fmt_seconds(replaced_in)} after the kill; /readyz answered {fmt_seconds(ready_in)} later",
        ),
        Check(
            "failures only on the killed worker's connections",
            not late and not strangers and not repeats,
            f"{len(failures)} failed of {result.attempted:,}; the killed worker held {len(ports)} connections; "
            f"{len({f.local_port for f in failures})} of them saw one failure each; on other connections: "
            f"{len(strangers)}; outside [kill, kill+{grace:g} s]: {len(late)}; connections with more than one: "
            f"{len(repeats)}",
        ),
        _recovered(result, killed_at, grace, setup.connections),
    ]
    reasons = Counter(f"{f.reason} ({f.detail.split('(')[0]})" for f in failures)
    kill = killed_at - result.started
    before_rate = _rate(result, kill - 3, kill)
    after_rate = _rate(result, kill + 1, min(kill + 4, result.elapsed))
    notes = [
        f"every connection the killed worker held had a request outstanding (closed-loop clients), and lost it: "
        f"{len(in_flight)} had started before the SIGKILL was sent, {len(failures) - len(in_flight)} in the "
        "milliseconds after, on a connection whose worker was dying",
        "failures by kind: " + (", ".join(f"{n} x {r}" for r, n in reasons.most_common()) or "none"),
        f"successful requests/s: {before_rate:,.0f} in the 3 s before the kill, {after_rate:,.0f} from 1 to 4 s after",
        spread_note(s) + f" (the replacement is {new})",
        *_failure_lines(failures, result.started),
        *(f"server log: {line}" for line in log_lines),
    ]
    return ScenarioResult(
        "kill",
        "A worker killed under load (SIGKILL)",
        result,
        memory,
        s.events,
        checks,
        notes,
        around=killed_at - result.started,
    )


def _rate(result: LoadResult, start: float, end: float) -> float:
    """Successful requests per second completed between ``start`` and ``end`` (seconds since the start)."""
    if end <= start:
        return 0.0
    return sum(1 for t in result.ends if start <= t < end) / (end - start)


def _recovered(result: LoadResult, killed_at: float, grace: float, connections: int) -> Check:
    kill = killed_at - result.started
    after = sum(1 for t in result.ends if t > kill + grace)
    failed_later = [f for f in result.failures if f.at > killed_at + grace]
    reopened = result.connections_opened - connections
    return Check(
        "service recovered",
        after > 0 and not failed_later and reopened >= len(result.failures),
        f"{after:,} requests succeeded from {grace:g} s after the kill to the end and none failed; "
        f"{reopened} new connections replaced the {len(result.failures)} that broke",
    )


def _failure_lines(failures: Sequence[Failure], started: float, limit: int = 20) -> list[str]:
    lines = [
        f"failed: +{f.at - started:.3f}s {f.category} {f.path} on client port {f.local_port} "
        f"({'reused' if f.reused else 'new'} connection, request {'written' if f.sent else 'not written'}): "
        f"{f.reason}: {f.detail}"
        for f in failures[:limit]
    ]
    if len(failures) > limit:
        lines.append(f"... and {len(failures) - limit} more")
    return lines
