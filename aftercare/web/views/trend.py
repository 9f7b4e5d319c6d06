"""The symptom trend: each symptom a patient reported, its severity by day since the
procedure, drawn as a small inline SVG (no script, no library) with a table beside it.

Severity is 0 (said absent or gone), 1 mild, 2 moderate, 3 severe, each symptom at the
severity the patient gave *that* symptom; a 0-10 score counts for pain (or for the only
symptom named). A symptom reported without a severity of its own is "not stated" and sits
in its own band above the scale, never on the mild line: guessing would understate a
breathless reply. Replies read as urgent put a red-flag marker on their day. Several replies
on one day: the day's worst.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aftercare.db.models import Reply

LEVELS = ("none", "mild", "moderate", "severe")
RANK = {"mild": 1, "moderate": 2, "severe": 3}
NOT_STATED = -1
# Okabe-Ito colours (distinct for colour-blind readers) with dashes as a second cue.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3")
FLAG_COLOUR = "#B00020"
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 118, 40, 16, 48
FLAG_Y = TOP + 8  # the red-flag band
UNSTATED_Y = TOP + 36  # the "severity not stated" band
SCALE_TOP = TOP + 62  # "severe" line


@dataclass(frozen=True)
class Point:
    day: int
    value: int  # 0-3, or NOT_STATED
    x: float
    y: float

    @property
    def stated(self) -> bool:
        return self.value != NOT_STATED


@dataclass(frozen=True)
class Series:
    symptom: str
    label: str
    colour: str
    dash: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The line joins stated severities only; a not-stated point stands alone."""
        out: list[str] = []
        pen_up = True
        for p in self.points:
            if not p.stated:
                pen_up = True
                continue
            out.append(f"{'M' if pen_up else 'L'}{p.x:.1f},{p.y:.1f}")
            pen_up = False
        return " ".join(out)


@dataclass(frozen=True)
class Flag:
    """An urgent reading on one day: what fired, for the marker's tooltip and the table."""

    day: int
    x: float
    reasons: str


@dataclass(frozen=True)
class Tick:
    label: str
    at: float


@dataclass(frozen=True)
class Chart:
    series: tuple[Series, ...]
    flags: tuple[Flag, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    days: tuple[int, ...]  # the days with a report, for the table
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    flag_y: int = FLAG_Y
    unstated_y: int = UNSTATED_Y

    def cell(self, series: Series, day: int) -> str:
        for p in series.points:
            if p.day == day:
                return LEVELS[p.value] if p.stated else "reported, severity not stated"
        return ""

    def flag_on(self, day: int) -> str:
        return next((f.reasons for f in self.flags if f.day == day), "")

    @property
    def summary(self) -> str:
        parts = [f"{s.label}: {self.cell(s, s.points[-1].day)} on day {s.points[-1].day}"
                 for s in self.series]
        text = "Latest severity by symptom. " + "; ".join(parts) + "."
        if self.flags:
            days = ", ".join(str(f.day) for f in self.flags)
            text += f" Red flags on day {days}."
        return text


def symptom_value(reply: Reply, code: str) -> int | None:
    """One symptom's severity in one reply (0-3 or NOT_STATED), or None when not mentioned."""
    reading = reply.reading or {}
    resolved = reading.get("resolved") or []
    if code in (reply.absent or []) or (isinstance(resolved, list) and code in resolved):
        return 0
    present = reply.present or []
    if code not in present:
        return None
    own = reading.get("severities")
    if isinstance(own, dict):
        if own.get(code) in RANK:
            return RANK[own[code]]
    elif len(present) == 1 and reply.severity in RANK:
        # A reading from before per-symptom severities: the reply's severity is this
        # symptom's only when it is the only one named.
        return RANK[reply.severity]
    scale = reading.get("scale")
    if isinstance(scale, int) and 0 <= scale <= 10 and (code == "pain" or len(present) == 1):
        return 0 if scale == 0 else 1 if scale <= 3 else 2 if scale <= 6 else 3
    return NOT_STATED


def build_chart(replies: Iterable[Reply], *, performed_at: datetime, zone: str) -> Chart | None:
    tz = ZoneInfo(zone)
    start = performed_at.astimezone(tz).date()
    by_day: list[tuple[int, Reply]] = []
    for reply in replies:
        try:
            day = (reply.received_at.astimezone(tz).date() - start).days
        except (OverflowError, ValueError):
            continue  # a stored date no calendar can place: skip the point, keep the chart
        if day >= 0:
            by_day.append((day, reply))
    by_day.sort(key=lambda t: t[1].received_at)
    codes: list[str] = []
    for _, reply in by_day:
        codes.extend(c for c in (reply.present or []) if c not in codes)
    urgent = [(day, reply) for day, reply in by_day if reply.triage == "urgent"]
    if not codes and not urgent:
        return None
    last_day = max(day for day, _ in by_day)
    span = max(7, last_day)
    values: dict[str, dict[int, int]] = {c: {} for c in codes}
    for day, reply in by_day:
        for code in codes:
            found = symptom_value(reply, code)
            if found is None:
                continue
            # The day's worst: a report without a severity outranks "none" but never hides
            # a stated level.
            if day not in values[code] or _worse(found, values[code][day]):
                values[code][day] = found
    series = []
    for i, code in enumerate(codes):
        # Symptoms at the same day and level would hide each other: spread them a little
        # (rightwards, so day 0 stays clear of the axis labels).
        nudge = i * min(6.0, 30.0 / len(codes))
        points = tuple(Point(d, v, _x(d, span) + nudge, _y(v))
                       for d, v in sorted(values[code].items()))
        series.append(Series(symptom=code, label=code.replace("_", " "),
                             colour=COLOURS[i % len(COLOURS)],
                             dash=DASHES[(i // len(COLOURS)) % len(DASHES)], points=points))
    flags: dict[int, list[str]] = {}
    for day, reply in urgent:
        why = [str(r) for r in (reply.reasons or [])] or ["read as urgent"]
        flags.setdefault(day, []).extend(r for r in why if r not in flags.get(day, []))
    step = 1 if span <= 14 else 7 if span <= 70 else 14
    x_ticks = tuple(Tick(str(d), _x(d, span)) for d in range(0, span + 1, step))
    y_ticks = tuple(Tick(label, _y(v)) for v, label in enumerate(LEVELS))
    days = tuple(sorted({d for v in values.values() for d in v} | set(flags)))
    return Chart(series=tuple(series),
                 flags=tuple(Flag(d, _x(d, span), "; ".join(r)) for d, r in sorted(flags.items())),
                 x_ticks=x_ticks, y_ticks=y_ticks, days=days)


def _worse(a: int, b: int) -> bool:
    def rank(v: int) -> float:
        return 0.5 if v == NOT_STATED else float(v)
    return rank(a) > rank(b)


def _x(day: int, span: int) -> float:
    return LEFT + day / span * (WIDTH - LEFT - RIGHT)


def _y(value: int) -> float:
    if value == NOT_STATED:
        return UNSTATED_Y
    return SCALE_TOP + (3 - value) / 3 * (HEIGHT - SCALE_TOP - BOTTOM)
