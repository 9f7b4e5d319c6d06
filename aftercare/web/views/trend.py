"""The symptom trend: each symptom a patient reported, its severity by day since the
procedure, drawn as a small inline SVG (no script, no library) with a table beside it.

Severity is 0 (said absent or gone), 1 mild, 2 moderate, 3 severe. A symptom reported
without a severity counts as 1 and is drawn hollow; a 0-10 score maps to the three bands.
Several replies on one day: the day's worst.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aftercare.db.models import Reply

LEVELS = ("none", "mild", "moderate", "severe")
RANK = {"mild": 1, "moderate": 2, "severe": 3}
# Okabe-Ito colours (distinct for colour-blind readers) with dashes as a second cue.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 84, 40, 16, 48


@dataclass(frozen=True)
class Point:
    day: int
    value: int
    stated: bool
    x: float
    y: float


@dataclass(frozen=True)
class Series:
    symptom: str
    label: str
    colour: str
    dash: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}"
                        for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Tick:
    label: str
    at: float


@dataclass(frozen=True)
class Chart:
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    days: tuple[int, ...]  # the days with a report, for the table
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM

    def cell(self, series: Series, day: int) -> str:
        for p in series.points:
            if p.day == day:
                return LEVELS[p.value] + ("" if p.stated else " (severity not stated)")
        return ""

    @property
    def summary(self) -> str:
        parts = [f"{s.label}: {LEVELS[s.points[-1].value]} on day {s.points[-1].day}"
                 for s in self.series]
        return "Latest severity by symptom. " + "; ".join(parts) + "."


def symptom_value(reply: Reply, code: str) -> tuple[int, bool] | None:
    """(severity 0-3, stated?) for one symptom in one reply, or None when not mentioned."""
    reading = reply.reading or {}
    resolved = reading.get("resolved") or []
    if code in (reply.absent or []) or (isinstance(resolved, list) and code in resolved):
        return 0, True
    if code not in (reply.present or []):
        return None
    if reply.severity in RANK:
        return RANK[reply.severity], True
    scale = reading.get("scale")
    if isinstance(scale, int) and 0 <= scale <= 10:
        return (0 if scale == 0 else 1 if scale <= 3 else 2 if scale <= 6 else 3), True
    return 1, False


def build_chart(replies: Iterable[Reply], *, performed_at: datetime, zone: str) -> Chart | None:
    tz = ZoneInfo(zone)
    start = performed_at.astimezone(tz).date()
    by_day: list[tuple[int, Reply]] = []
    for reply in replies:
        day = (reply.received_at.astimezone(tz).date() - start).days
        if day >= 0:
            by_day.append((day, reply))
    codes: list[str] = []
    for _, reply in sorted(by_day, key=lambda t: t[1].received_at):
        codes.extend(c for c in (reply.present or []) if c not in codes)
    if not codes:
        return None
    last_day = max(day for day, _ in by_day)
    span = max(7, last_day)
    values: dict[str, dict[int, tuple[int, bool]]] = {c: {} for c in codes}
    for day, reply in by_day:
        for code in codes:
            found = symptom_value(reply, code)
            if found is not None and found > values[code].get(day, (-1, False)):
                values[code][day] = found
    series = []
    for i, code in enumerate(codes):
        # Symptoms at the same day and level would hide each other: spread them a little
        # (rightwards, so day 0 stays clear of the axis labels).
        nudge = i * min(6.0, 30.0 / len(codes))
        points = tuple(Point(d, v, s, _x(d, span) + nudge, _y(v))
                       for d, (v, s) in sorted(values[code].items()))
        series.append(Series(symptom=code, label=code.replace("_", " "),
                             colour=COLOURS[i % len(COLOURS)],
                             dash=DASHES[(i // len(COLOURS)) % len(DASHES)], points=points))
    step = 1 if span <= 14 else 7 if span <= 70 else 14
    x_ticks = tuple(Tick(str(d), _x(d, span)) for d in range(0, span + 1, step))
    y_ticks = tuple(Tick(label, _y(v)) for v, label in enumerate(LEVELS))
    days = tuple(sorted({d for v in values.values() for d in v}))
    return Chart(series=tuple(series), x_ticks=x_ticks, y_ticks=y_ticks, days=days)


def _x(day: int, span: int) -> float:
    return LEFT + day / span * (WIDTH - LEFT - RIGHT)


def _y(value: int) -> float:
    return TOP + (3 - value) / 3 * (HEIGHT - TOP - BOTTOM)
