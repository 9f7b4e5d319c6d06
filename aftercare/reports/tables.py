"""A report as the web page, the CSV download and `--json` all show it: one list of figures
and the by-day tables, so the three never disagree."""

from __future__ import annotations

import csv
import io
from typing import Any

from aftercare.careplans.schema import STOCKINGS
from aftercare.reports.figures import Report

STOCKING_LABELS = {"day_and_night": "Day and night", "daytime": "Daytime only",
                   "not_worn": "Not worn"}


def summary(report: Report) -> list[tuple[str, str, Any]]:
    """(key, label, value): shares as fractions, times in minutes, None when no data."""
    return [
        ("procedures", "Procedures", report.procedures),
        ("patients", "Patients", report.patients),
        ("reply_rate", "Procedures with a reply", report.reply_rate),
        ("check_ins_sent", "Check-ins sent", report.check_ins_sent),
        ("check_in_answer_rate", "Check-ins answered", report.check_in_answer_rate),
        ("replies", "Replies", report.replies),
        ("urgent_share", "Replies read as urgent", report.urgent_share),
        ("review_median_minutes", "Reply to review, median", report.review_median_minutes),
        ("review_p90_minutes", "Reply to review, 90th percentile", report.review_p90_minutes),
        ("escalated", "Escalated (no review in time)", report.escalated),
        ("opted_out", "Patients who opted out of texts", report.opted_out),
        ("failed_deliveries", "Failed deliveries", report.failed_deliveries),
        ("failed_share", "Failed share of messages sent", report.failed_share),
    ]


def as_dict(report: Report, *, plan: str | None, since: str, until: str) -> dict[str, Any]:
    return {
        "plan": plan or "all", "since": since, "until": until,
        "figures": {key: value for key, _, value in summary(report)},
        "stockings_by_day": {str(day): counts
                             for day, counts in report.stockings_by_day.items()},
        "symptoms_by_day": {str(day): {
            "patients_replying": report.patients_replying_by_day.get(day, 0),
            "reporting": counts} for day, counts in report.symptoms_by_day.items()},
    }


def as_csv(report: Report) -> str:
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(["section", "day_since_procedure", "measure", "value"])
    for key, _, value in summary(report):
        rows.writerow(["summary", "", key, "" if value is None else _number(value)])
    for day, counts in report.stockings_by_day.items():
        for kind in STOCKINGS:
            rows.writerow(["stockings", day, kind, counts.get(kind, 0)])
    for day, counts in report.symptoms_by_day.items():
        rows.writerow(["symptoms", day, "patients_replying",
                       report.patients_replying_by_day.get(day, 0)])
        for name, count in counts.items():
            rows.writerow(["symptoms", day, name, count])
    return out.getvalue()


def _number(value: Any) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def shown(key: str, value: Any) -> str:
    """A figure as a person reads it: shares as percentages, times in minutes."""
    if value is None:
        return "-"
    if key.endswith(("_rate", "_share")):
        return f"{value:.0%}"
    if key.endswith("_minutes"):
        return f"{value:.0f} min"
    return str(value)
