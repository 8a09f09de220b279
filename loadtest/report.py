"""The Markdown report: the machine, the command, the verdicts, and each scenario's numbers."""

from __future__ import annotations

from collections.abc import Sequence

from .client import LoadResult
from .mix import CATEGORIES
from .scenarios import ScenarioResult
from .stats import PERCENTILES, Latency, MemoryRow, memory_rows, mib, ms, per_second, signed_mib


def report(header: Sequence[tuple[str, str]], results: Sequence[ScenarioResult]) -> str:
    lines = ["# Load and fault tests: health-widgets under gunicorn", ""]
    lines += [f"- **{name}**: {value}" for name, value in header]
    lines += ["", "## Verdicts", "", "| Scenario | Check | Result | Detail |", "|---|---|---|---|"]
    for result in results:
        for check in result.checks:
            cell = check.detail.replace("|", "\\|")
            lines.append(f"| {result.name} | {check.name} | {'PASS' if check.ok else 'FAIL'} | {cell} |")
    for result in results:
        lines += ["", *scenario_section(result)]
    return "\n".join(lines) + "\n"


def scenario_section(result: ScenarioResult) -> list[str]:
    load = result.load
    lines = [f"## {result.title} (`{result.name}`)", ""]
    lines += [
        "| Requests | Succeeded | Failed | Seconds | Requests/s | Connections opened |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {load.attempted:,} | {load.succeeded:,} | {len(load.failures):,} | {load.elapsed:.1f} | "
        f"{load.rate():,.0f} | {load.connections_opened:,} |",
        "",
        *latency_table(load),
        "",
        *status_table(load),
        "",
    ]
    rows = memory_rows(result.memory, load.started, result.warmup)
    if rows:
        lines += [*memory_table(rows, result.warmup), ""]
    if result.events:
        lines += ["Timeline (seconds since the load started):", ""]
        lines += [f"- +{event.at:.2f} s: {event.what}" for event in result.events]
        lines.append("")
    if result.around is not None:
        lines += per_second_table(load, result.around)
    if result.notes:
        lines += ["Notes:", ""]
        lines += [f"- {note}" for note in result.notes]
        lines.append("")
    return lines


def memory_table(rows: Sequence[MemoryRow], warmup: float) -> list[str]:
    """RSS and PSS per group: first sample, after the warm-up (if any), end, max, growth."""
    warm = f"after {warmup:g} s" if warmup else ""
    base = f"the sample after {warmup:g} s of warm-up" if warmup else "the first sample"
    columns = ["first", *([warm] if warm else []), "end", "max", "growth"]
    lines = [
        f"Memory in MiB, summed per group of processes, sampled every second (growth: end minus {base}):",
        "",
        "| Processes | " + " | ".join(f"{kind} {c}" for kind in ("RSS", "PSS") for c in columns) + " |",
        "|---|" + "---:|" * (2 * len(columns)),
    ]
    for r in rows:
        rss = [mib(r.first.rss), *([mib(r.warm.rss)] if warm else []), mib(r.end.rss), mib(r.max_rss)]
        pss = [mib(r.first.pss), *([mib(r.warm.pss)] if warm else []), mib(r.end.pss), mib(r.max_pss)]
        cells = [*rss, signed_mib(r.rss_growth), *pss, signed_mib(r.pss_growth)]
        lines.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return lines


def latency_table(load: LoadResult) -> list[str]:
    heads = " | ".join(f"p{p:g}" for p in PERCENTILES)
    lines = [
        "Latency in ms, successful requests, measured by the client (connecting included):",
        "",
        f"| Requests | n | {heads} | max |",
        "|---|---:|" + "---:|" * (len(PERCENTILES) + 1),
    ]
    groups = [("all", [v for c in CATEGORIES for v in load.latencies[c]])]
    groups += [(c, list(load.latencies[c])) for c in CATEGORIES]
    for name, values in groups:
        latency = Latency.of(values)
        cells = " | ".join(ms(v) for v in latency.percentiles)
        lines.append(f"| {name} | {latency.n:,} | {cells} | {ms(latency.max)} |")
    return lines


def status_table(load: LoadResult) -> list[str]:
    codes = sorted({code for _, code in load.statuses})
    lines = [
        "Responses by status (every response received, expected or not):",
        "",
        "| Requests | " + " | ".join(str(c) for c in codes) + " |",
        "|---|" + "---:|" * len(codes),
    ]
    for category in CATEGORIES:
        cells = " | ".join(f"{load.statuses.get((category, code), 0):,}" for code in codes)
        lines.append(f"| {category} | {cells} |")
    lines.append("")
    lines.append(
        f"Revalidations answered 200 because the body had changed: {load.revalidated_changed:,}. "
        f"Responses that closed their connection (Connection: close): {load.closed_by_server:,}."
    )
    return lines


def per_second_table(load: LoadResult, around: float, before: int = 3, after: int = 5) -> list[str]:
    seconds = per_second(load)
    mark = int(around)
    lines = [
        "Requests per second around the kill (second 0 holds the kill):",
        "",
        "| Second | Succeeded | Failed (by start time) |",
        "|---:|---:|---:|",
    ]
    for second in range(max(0, mark - before), min(max(seconds) if seconds else 0, mark + after) + 1):
        done, failed = seconds.get(second, (0, 0))
        lines.append(f"| {second - mark:+d} | {done:,} | {failed:,} |")
    lines.append("")
    return lines
