"""What a run tells: two tables on stdout, the same figures as JSON, and a plot of latency
against offered load (one line per peer and guarantee)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .config import PEER_TITLES
from .measure import FIRST_TO_LAST, Backlog, PeerResult

PLAIN = FuncFormatter(lambda value, _: f"{value:,.0f}")
GUARANTEE_TITLES = {"exactly_once": "exactly-once", "at_least_once": "at-least-once"}


def ratio(result: PeerResult, results: list[PeerResult], peer: str) -> float | None:
    """Backlog throughput of `result` over that of `peer` with the same guarantee."""
    base = next((r for r in results if r.peer == peer and r.guarantee == result.guarantee), None)
    if base is None or base.backlog is None or result.backlog is None:
        return None
    return result.backlog.rate / base.backlog.rate


def lifecycle_ratios(result: PeerResult) -> tuple[float | None, float | None]:
    """(claims/s, CPU µs per claim) of the lifecycle backlog over the plain backlog's."""
    plain, followed = result.backlog, result.followed
    if plain is None or followed is None:
        return None, None
    cpu = (
        followed.cpu_us_per_claim / plain.cpu_us_per_claim
        if followed.cpu_us_per_claim is not None and plain.cpu_us_per_claim
        else None
    )
    return followed.rate / plain.rate, cpu


def num(value: float | None, spec: str = ",.0f") -> str:
    return "–" if value is None else format(value, spec)


def _name(result: PeerResult) -> str:
    return f"{PEER_TITLES[result.peer]:<13} {GUARANTEE_TITLES[result.guarantee]:<13}"


def _thawed(backlog: Backlog | None) -> bool:
    return backlog is not None and backlog.window != FIRST_TO_LAST


def table(results: list[PeerResult]) -> str:
    lines = [
        f"{'peer':<13} {'guarantee':<13} {'claims/s':>9} {'× raw':>6} {'× Quix':>6} "
        f"{'CPU µs/claim':>12} {'cores':>5} {'broker µs/claim':>15} {'1st decision':>12}"
    ]
    for r in results:
        rate, cpu, cores, broker = _cells(r.backlog)
        lines.append(
            f"{_name(r)} {rate:>9} {num(ratio(r, results, 'raw'), '.2f'):>6} "
            f"{num(ratio(r, results, 'quix'), '.2f'):>6} {cpu:>12} {cores:>5} {broker:>15} "
            f"{num(r.first_decision_s, '.1f'):>11}s"
        )
    if any(r.followed is not None for r in results):
        lines += ["", *_lifecycle_table(results)]
    if any(_thawed(r.backlog) or _thawed(r.followed) for r in results):
        lines.append("* most of the backlog became readable at once: counted from the thaw")
    lines.append("")
    fractions = sorted({load.fraction for r in results for load in r.loads})
    header = f"{'latency send → decision read':<27}"
    for fraction in fractions:
        header += f" {f'{fraction:.0%} load: p50 / p99 ms':>25}"
    lines.append(header + f" {'burst drain':>12}")
    for r in results:
        line = f"{_name(r)} "
        by_fraction = {load.fraction: load for load in r.loads}
        for fraction in fractions:
            load = by_fraction.get(fraction)
            cell = (
                "–"
                if load is None
                else f"{num(load.offered)}/s {num(load.p50_ms)} / {num(load.p99_ms)}"
            )
            line += f" {cell:>25}"
        burst = r.burst
        line += f" {num(burst.drain_s if burst else None, '.1f'):>11}s"
        if r.error:
            line += f"  ERROR: {r.error}"
        elif r.duplicates:
            line += f"  ({r.duplicates} duplicate decisions)"
        lines.append(line)
    return "\n".join(lines)


def _lifecycle_table(results: list[PeerResult]) -> list[str]:
    """The lifecycle backlog beside the plain one of the same peer run."""
    lines = [
        f"{'with follow-ups':<27} {'claims/s':>9} {'× plain':>7} {'CPU µs/claim':>12} "
        f"{'× plain':>7} {'broker µs/claim':>15} {'follow-ups':>10}"
    ]
    for r in results:
        rate, cpu, _, broker = _cells(r.followed)
        x_rate, x_cpu = lifecycle_ratios(r)
        follow_ups = r.followed.follow_ups if r.followed else None
        lines.append(
            f"{_name(r)} {rate:>9} {num(x_rate, '.2f'):>7} {cpu:>12} {num(x_cpu, '.2f'):>7} "
            f"{broker:>15} {num(follow_ups):>10}"
        )
    return lines


def _cells(b: Backlog | None) -> tuple[str, str, str, str]:
    """claims/s (starred when counted from the thaw), CPU µs/claim, cores, broker µs/claim."""
    if b is None:
        return "– ", "–", "–", "–"
    rate = num(b.rate) + ("*" if _thawed(b) else " ")
    return rate, num(b.cpu_us_per_claim), num(b.cores, ".2f"), num(b.broker_cpu_us_per_claim)


def write_json(path: Path, meta: dict[str, Any], results: list[PeerResult]) -> None:
    payload = {
        **meta,
        "results": [
            {
                **asdict(r),
                "x_raw": ratio(r, results, "raw"),
                "x_quix": ratio(r, results, "quix"),
            }
            for r in results
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def plot(path: Path, results: list[PeerResult], title: str) -> None:
    guarantees = [g for g in GUARANTEE_TITLES if any(r.guarantee == g for r in results)]
    fig = Figure(figsize=(6.5 * len(guarantees), 4.8))
    FigureCanvasAgg(fig)  # no pyplot, no display: Agg renders the PNG
    axes = fig.subplots(1, len(guarantees), squeeze=False)
    colors = {"raw": "tab:gray", "quix": "tab:blue", "worker": "tab:red"}
    for ax, guarantee in zip(axes[0], guarantees, strict=True):
        for r in results:
            points = [load for load in r.loads if load.p50_ms is not None]
            if r.guarantee != guarantee or not points:
                continue
            x = [load.offered for load in points]
            color = colors.get(r.peer)
            ax.plot(
                x,
                [load.p50_ms for load in points],
                "o-",
                color=color,
                label=f"{PEER_TITLES[r.peer]} p50",
            )
            ax.plot(
                x,
                [load.p99_ms for load in points],
                "s--",
                color=color,
                label=f"{PEER_TITLES[r.peer]} p99",
            )
        ax.set_title(GUARANTEE_TITLES[guarantee])
        ax.set_xlabel("offered load, claims/s (25 / 50 / 75 % of each peer's backlog rate)")
        ax.set_ylabel("send → decision read, ms")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(PLAIN)
        ax.yaxis.set_minor_formatter(PLAIN)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
