"""Content changed under load: an article edited, broken mid-write and fixed (picked up by the
workers' watcher or by SIGHUP to the master), and many SIGHUPs in a row (the master's memory).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Literal

from bench.servers import memory_of

from .client import Sample
from .edits import HalfWrite, replace_atomically
from .server import MemorySample, wait_until
from .session import Check, ScenarioResult, Setup, fmt_seconds, no_failures, scenario_session, spread_note
from .stats import MIB, signed_mib

ReloadMode = Literal["watch", "sighup"]


def _converge(check: Callable[[], bool], probes: int, timeout: float) -> float | None:
    """Seconds until ``check()`` held ``probes`` times in a row; None after ``timeout``."""
    streak = 0

    def agreed() -> bool:
        nonlocal streak
        streak = streak + 1 if check() else 0
        return streak >= probes

    return wait_until(agreed, timeout, interval=0.05)


def _labels(samples: Sequence[Sample], start: float, end: float) -> Counter[str]:
    return Counter(s.label for s in samples if start <= s.at < end)


def _describe(labels: Counter[str]) -> str:
    return ", ".join(f"{n:,} {label}" for label, n in labels.most_common()) or "none"


def reload_under_load(
    setup: Setup,
    mode: ReloadMode,
    *,
    lead: float = 3.0,
    hold: float = 5.0,
    settle: float = 10.0,
    tail: float = 3.0,
) -> ScenarioResult:
    """Edit, break mid-write, hold, fix, while the load runs; the watcher or SIGHUP picks each change up."""
    name = f"reload-{mode}"
    memory: list[MemorySample] = []
    budget = 2 * lead + hold + 6 * settle + tail + 30  # the load's deadline; the sequence stops it sooner
    interval = 1 if mode == "watch" else 0  # SIGHUP alone: no watcher may pick the change up first
    replaced: list[float | None] = []
    with scenario_session(setup, name, watch_interval=interval, duration=budget, memory=memory) as s:
        g, v, probes = s.gunicorn, s.versions, setup.probes
        probe_path = s.watched[0]

        def serves(label: str) -> Callable[[], bool]:
            """A new connection gets ``label``, and so does every connection of the load still answering."""

            def check() -> bool:
                status, _, body = g.get(probe_path)
                return status == 200 and v.label(body) == label and s.load.serving(label)

            return check

        def readyz_lists_error() -> bool:
            return any(v.path.name in error for error in g.readyz()["errors"])

        def readyz_clean() -> bool:
            return not g.readyz()["errors"]

        def signal_reload() -> None:
            if mode == "sighup":
                workers = g.worker_pids()
                s.mark("SIGHUP to the master")
                began = time.monotonic()
                g.hup()
                new = g.wait_workers(workers, settle * 2)
                replaced.append(None if new is None else time.monotonic() - began)
                s.mark(f"old workers {sorted(workers)} gone, new ones {sorted(new) if new else 'not in time'}")

        before = g.readyz()
        time.sleep(lead)
        t_edit = s.mark("(a) edit: takeaway changed, file replaced atomically")
        replace_atomically(v.path, v.edited)
        signal_reload()
        edit_took = _since(t_edit, _converge(serves("edit"), probes, settle))
        s.mark("edit served on every connection" if edit_took is not None else "edit NOT served everywhere")
        time.sleep(lead)

        broken_problems = v.broken_problems()
        t_break = s.mark(f"(b) break: file truncated and half written ({v.cut:,} of {len(v.fixed):,} bytes)")
        writer = HalfWrite(v.path, v.fixed, v.cut)
        try:
            signal_reload()
            error_took = _since(t_break, _converge(readyz_lists_error, probes, settle))
            s.mark("error listed at /readyz" if error_took is not None else "error NOT listed at /readyz")
            time.sleep(max(0.0, t_break + hold - time.monotonic()))
            readyz_during = g.readyz()
            still_listed = _converge(readyz_lists_error, probes, 2.0) is not None
            still_good = _converge(serves("edit"), probes, 2.0) is not None
            t_fix = s.mark("(c) fix: the rest of the file written")
            writer.finish()
        finally:
            writer.abandon()
        signal_reload()
        fix_took = _since(t_fix, _converge(serves("fix"), probes, settle))
        clean_took = _since(t_fix, _converge(readyz_clean, probes, settle))
        s.mark("fix served everywhere, /readyz errors empty" if fix_took and clean_took else "fix NOT confirmed")
        time.sleep(tail)
        after = g.readyz()
        s.mark("stopping the load")
    result = s.load.result()
    samples = result.samples
    end = result.started + result.elapsed + 1
    checks = [no_failures(result)]

    before_edit = _labels(samples, 0, t_edit)
    edit_window = _labels(samples, t_edit, t_break)
    edit_spread = _spread(samples, t_edit, t_break, "edit")
    checks.append(
        Check(
            "edit served",
            edit_took is not None
            and set(before_edit) <= {"original"}
            and set(edit_window) <= {"original", "edit"}
            and edit_spread <= settle,
            f"every connection served it {fmt_seconds(edit_took)} after the write; the last answer of the original "
            f"came {edit_spread:.2f} s after it (answers between the edit and the break: {_describe(edit_window)})",
        )
    )
    error_text = "; ".join(e for e in readyz_during["errors"] if v.path.name in e) or "none"
    checks.append(
        Check(
            "error visible at /readyz",
            bool(broken_problems) and error_took is not None and still_listed,
            f"listed {fmt_seconds(error_took)} after the break and still at the end of the hold: {error_text}",
        )
    )
    broken_window = _labels(samples, t_break, t_fix)
    checks.append(
        Check(
            "last good version served while broken",
            set(broken_window) == {"edit"} and still_good,
            f"{hold:g} s broken; answers of the watched URLs by version: {_describe(broken_window)}",
        )
    )
    fix_window = _labels(samples, t_fix, end)
    fix_spread = _spread(samples, t_fix, end, "fix")
    checks.append(
        Check(
            "fix served, errors cleared",
            fix_took is not None
            and clean_took is not None
            and set(fix_window) <= {"edit", "fix"}
            and fix_spread <= settle,
            f"every connection served it {fmt_seconds(fix_took)} after the write completed (the last answer of the "
            f"last good version came {fix_spread:.2f} s after it), /readyz clean {fmt_seconds(clean_took)} after it; "
            f"answers from the fix to the end: {_describe(fix_window)}",
        )
    )
    if mode == "sighup":
        checks.append(
            Check(
                "workers replaced on each SIGHUP",
                len(replaced) == 3 and all(r is not None for r in replaced),
                "old workers gone and the new ones serving, after each SIGHUP: "
                + ", ".join(fmt_seconds(r) for r in replaced),
            )
        )
    notes = [
        f"/readyz before: version {before['version']}, reloads {before['reloads']}; after: version "
        f"{after['version']}, reloads {after['reloads']} (counted per process)",
        f"the half-written file, checked by widget.content: {'; '.join(broken_problems) or 'no errors (!)'}",
        f"revalidations answered 200 because the body had changed: {result.revalidated_changed:,}; "
        f"responses that closed their connection: {result.closed_by_server:,}; "
        f"connections opened: {result.connections_opened:,}",
        spread_note(s),
    ]
    title = "Reload under load, " + ("watcher (WIDGET_WATCH_INTERVAL=1)" if mode == "watch" else "SIGHUP to the master")
    return ScenarioResult(name, title, result, memory, s.events, checks, notes)


def _since(event: float, took: float | None) -> float | None:
    """Seconds from ``event`` to now, if the wait that just ended succeeded."""
    return None if took is None else time.monotonic() - event


def _spread(samples: Sequence[Sample], start: float, end: float, label: str) -> float:
    """Seconds from ``start`` to the last answer in [start, end) that was not yet ``label`` (0 if none)."""
    last = max((x.at for x in samples if start <= x.at < end and x.label != label), default=start)
    return last - start


def reload_memory(
    setup: Setup, *, reloads: int = 12, settle: float = 10.0, max_growth_mib: float = 2.0
) -> ScenarioResult:
    """SIGHUP after each of ``reloads`` edits, under load: the master's memory must stop growing.

    The master renders each reload and forks the new workers from itself, so whatever it keeps per
    reload, every future worker inherits.
    """
    memory: list[MemorySample] = []
    warm = 2  # the first reloads may grow the heap once
    master_rss: list[int] = []
    replaced: list[float | None] = []
    with scenario_session(setup, "reload-memory", watch_interval=0, duration=reloads * 4 * settle, memory=memory) as s:
        g, v = s.gunicorn, s.versions
        marker = v.edit_marker.encode()
        master_rss.append(memory_of([g.master]).rss)
        for number in range(1, reloads + 1):
            replace_atomically(v.path, v.edited.replace(marker, marker + f" ({number})".encode()))
            workers = g.worker_pids()
            began = time.monotonic()
            g.hup()
            new = g.wait_workers(workers, settle * 2)
            replaced.append(None if new is None else time.monotonic() - began)
            master_rss.append(memory_of([g.master]).rss)
        s.mark(f"{reloads} SIGHUPs, each after an edit; master RSS after each: {[m >> 20 for m in master_rss]} MiB")
    result = s.load.result()
    growth = master_rss[-1] - master_rss[min(warm, len(master_rss) - 1)]
    per_reload = growth / max(1, len(master_rss) - 1 - warm)
    checks = [
        no_failures(result),
        Check(
            "workers replaced on each SIGHUP",
            len(replaced) == reloads and all(r is not None for r in replaced),
            f"{sum(r is not None for r in replaced)} of {reloads} in time; slowest "
            f"{fmt_seconds(max((r for r in replaced if r is not None), default=None))}",
        ),
        Check(
            "master memory steady across reloads",
            growth <= max_growth_mib * MIB,
            f"master RSS {master_rss[0] / MIB:.1f} MiB before, {master_rss[-1] / MIB:.1f} MiB after {reloads} "
            f"SIGHUPs: {signed_mib(growth)} MiB from reload {warm} to {reloads} ({per_reload / MIB:+.2f} MiB per "
            f"reload; limit {max_growth_mib:g} MiB)",
        ),
    ]
    notes = [
        "master RSS in MiB before and after each SIGHUP: " + ", ".join(f"{m / MIB:.1f}" for m in master_rss),
        spread_note(s),
    ]
    return ScenarioResult(
        "reload-memory", "Repeated SIGHUP reloads under load", result, memory, s.events, checks, notes
    )
