"""Latency percentiles, memory over time, and requests per second over time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .client import LoadResult
from .server import MemorySample

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
MIB = 1024 * 1024


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Latency:
    n: int
    percentiles: tuple[float | None, ...]  # seconds, one per PERCENTILES
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Latency:
        ordered = sorted(values)
        return cls(len(ordered), tuple(percentile(ordered, p) for p in PERCENTILES), ordered[-1] if ordered else None)


@dataclass(frozen=True, slots=True)
class Point:
    at: float  # seconds since the load started
    rss: int
    pss: int | None


@dataclass(frozen=True, slots=True)
class MemoryRow:
    """One group of processes (master, workers, all): first, after warm-up, end, max and growth."""

    name: str
    first: Point
    warm: Point
    end: Point
    max_rss: int
    max_pss: int | None

    @property
    def rss_growth(self) -> int:
        return self.end.rss - self.warm.rss

    @property
    def pss_growth(self) -> int | None:
        if self.end.pss is None or self.warm.pss is None:
            return None
        return self.end.pss - self.warm.pss


def memory_rows(samples: Sequence[MemorySample], started: float, warmup: float) -> list[MemoryRow]:
    """Sums per sampling round for the master, the workers and both; growth is measured after ``warmup`` s."""
    rounds: dict[int, list[MemorySample]] = {}
    for sample in samples:
        rounds.setdefault(sample.round, []).append(sample)
    rows = []
    for name, keep in (("master", True), ("workers", False), ("all", None)):
        points = []
        for group in (rounds[r] for r in sorted(rounds)):
            chosen = [s for s in group if keep is None or s.master == keep]
            if not chosen:
                continue
            pss_values = [s.pss for s in chosen]
            pss = None if any(v is None for v in pss_values) else sum(v for v in pss_values if v is not None)
            points.append(Point(chosen[0].at - started, sum(s.rss for s in chosen), pss))
        if not points:
            continue
        warm = next((p for p in points if p.at >= warmup), points[-1])
        known_pss = [p.pss for p in points if p.pss is not None]
        rows.append(
            MemoryRow(name, points[0], warm, points[-1], max(p.rss for p in points), max(known_pss, default=None))
        )
    return rows


def per_second(result: LoadResult) -> dict[int, tuple[int, int]]:
    """Second since the start -> (successful requests completed, failed requests started)."""
    done = Counter(int(t) for t in result.ends)
    failed = Counter(int(f.at - result.started) for f in result.failures)
    last = int(result.elapsed)
    return {second: (done[second], failed[second]) for second in range(last + 1)}


def mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:,.1f}"


def signed_mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MIB:+,.1f}"


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.1f}"
