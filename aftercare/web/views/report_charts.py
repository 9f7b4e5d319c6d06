"""Bar charts for the report page, as numbers the template draws as inline SVG: no script,
no style attributes (the content security policy allows neither), and every chart has the
same figures in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from aftercare.careplans.schema import STOCKINGS
from aftercare.reports.figures import Report

HEIGHT = 160  # plot height in SVG units
BAR = 18
GAP = 8


@dataclass(frozen=True)
class Segment:
    series: str  # a CSS class picks its colour
    x: int
    y: float
    height: float
    value: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    days: list[tuple[int, int]]  # (day, x of its label)
    segments: list[Segment]
    top: str  # what the top of the scale means


def stockings_chart(report: Report) -> Chart | None:
    """Each day's answers stacked: day and night, daytime only, not worn."""
    days = sorted(report.stockings_by_day)
    if not days:
        return None
    most = max(sum(report.stockings_by_day[d].values()) for d in days) or 1
    segments = []
    for i, day in enumerate(days):
        x, base = GAP + i * (BAR + GAP), float(HEIGHT)
        for kind in STOCKINGS:
            count = report.stockings_by_day[day].get(kind, 0)
            height = HEIGHT * count / most
            base -= height
            if count:
                segments.append(Segment(kind, x, base, height, count))
    return Chart(GAP + len(days) * (BAR + GAP), HEIGHT,
                 [(d, GAP + i * (BAR + GAP) + BAR // 2) for i, d in enumerate(days)],
                 segments, f"{most} answers")


def symptoms_chart(report: Report, *, symptoms: list[str]) -> Chart | None:
    """Per day, the share of patients replying that day who reported each symptom."""
    days = sorted(report.symptoms_by_day)
    if not days or not symptoms:
        return None
    group = len(symptoms) * 6 + GAP
    segments = []
    for i, day in enumerate(days):
        for j, name in enumerate(symptoms):
            share = report.symptom_share(day, name) or 0.0
            if share:
                segments.append(Segment(f"s{j}", GAP + i * group + j * 6,
                                        HEIGHT * (1 - share), HEIGHT * share, share))
    return Chart(GAP + len(days) * group, HEIGHT,
                 [(d, GAP + i * group + (group - GAP) // 2) for i, d in enumerate(days)],
                 segments, "100% of patients replying")
