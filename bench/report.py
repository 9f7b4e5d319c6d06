"""Figures: collected by each benchmark, printed as one table, written as JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    bench: str
    metric: str
    value: float | int | str | None
    unit: str = ""
    goal: str = ""
    ok: bool | None = None  # None: no goal, or not measurable in this run
    naive: str = ""  # the naive design's figure, where there is one
    note: str = ""


@dataclass
class Results:
    mode: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, bench: str, metric: str, value: float | int | str | None, unit: str = "",
            **kwargs: Any) -> Figure:
        figure = Figure(bench, metric, value, unit, **kwargs)
        self.figures.append(figure)
        return figure


def _fmt(value: float | int | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def table(results: Results) -> str:
    header = ("bench", "metric", "value", "goal", "ok", "naive design")
    rows = [header]
    for f in results.figures:
        ok = {True: "yes", False: "NO", None: ""}[f.ok]
        rows.append((f.bench, f.metric, f"{_fmt(f.value)} {f.unit}".strip(), f.goal, ok,
                     f.naive))
    for bench, error in results.errors.items():
        rows.append((bench, "FAILED", error[:60], "", "NO", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    notes = [f"  [{f.bench}] {f.metric}: {f.note}" for f in results.figures if f.note]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def machine() -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit,
            "load_average_at_start": os.getloadavg()}


def side_by_side(before: Results, after: Results) -> str:
    """Each figure of the `--before` checkout beside this checkout's, and their ratio."""
    old = {(f.bench, f.metric): f for f in before.figures}
    rows = [("bench", "metric", "before", "after", "after/before", "goal", "ok")]
    for f in after.figures:
        b = old.get((f.bench, f.metric))
        ratio = ""
        if b is not None and isinstance(b.value, int | float) and isinstance(f.value, int | float) \
                and b.value:
            ratio = f"{f.value / b.value:.2f}"
        ok = {True: "yes", False: "NO", None: ""}[f.ok]
        rows.append((f.bench, f.metric, "-" if b is None else f"{_fmt(b.value)} {b.unit}".strip(),
                     f"{_fmt(f.value)} {f.unit}".strip(), ratio, f.goal, ok))
    for side, results in (("before", before), ("after", after)):
        for bench, error in results.errors.items():
            rows.append((bench, f"FAILED ({side})", error[:60], "", "", "", "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def write(results: Results, *, started: datetime, settings: dict[str, Any], complete: bool,
          before: Results | None = None) -> Path:
    """A timestamped file always; latest.json (full) or latest-quick.json only for a run of
    every benchmark, so `--only` never replaces the figures BENCHMARKS.md quotes."""
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "mode": results.mode, "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(), "machine": machine(), "settings": settings,
        "figures": [asdict(f) for f in results.figures], "details": results.details,
        "errors": results.errors,
    }
    if before is not None:
        payload["before"] = {"figures": [asdict(f) for f in before.figures],
                             "details": before.details, "errors": before.errors}
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    only = "" if complete else "-" + "-".join(settings.get("benches", []))
    if before is not None:
        only = "-compare" + only
    path = RESULTS / f"{stamp}-{results.mode}{only}.json"
    text = json.dumps(payload, indent=2, default=str)
    path.write_text(text)
    if complete:
        latest = "latest.json" if results.mode == "full" else f"latest-{results.mode}.json"
        (RESULTS / latest).write_text(text)
    return path


def markdown(path: Path) -> str:
    """The figures of a results file as a Markdown table (for BENCHMARKS.md):
    `python -c 'from bench.report import *; print(markdown(RESULTS / "latest.json"))'`."""
    data = json.loads(path.read_text())
    lines = ["| benchmark | figure | ours | goal | met | naive design | notes |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for f in data["figures"]:
        ok = {True: "yes", False: "**no**", None: ""}[f["ok"]]
        value = f"{_fmt(f['value'])} {f['unit']}".strip()
        lines.append(f"| {f['bench']} | {f['metric']} | {value} | {f['goal']} | {ok} | "
                     f"{f['naive']} | {f['note']} |")
    for bench, error in data.get("errors", {}).items():
        lines.append(f"| {bench} | FAILED | {error} | | **no** | | |")
    return "\n".join(lines)
