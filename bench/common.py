"""What every part of the benchmark shares: paths, progress lines, medians."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
LUA = BENCH / "lua"
GB = 1000**3  # decimal, as the target says: 1 GB


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary | None:
        return cls(statistics.median(values), min(values), max(values), len(values)) if values else None


def fmt(summary: Summary | None, digits: int = 0, unit: str = "") -> str:
    if summary is None:
        return "n/a"
    if summary.n == 1:
        return f"{summary.median:,.{digits}f}{unit}"
    return f"{summary.median:,.{digits}f}{unit} ({summary.low:,.{digits}f}-{summary.high:,.{digits}f})"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)
