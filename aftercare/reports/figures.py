"""The report's figures, computed from plain rows: pure, so each is checked by hand.

Days since the procedure are whole 24-hour periods from the procedure's time (day 0 is its
first 24 hours). A reply counts once per patient and day for incidence; STOP/START/HELP
keywords are not replies about the leg.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from aftercare.careplans.schema import STOCKINGS

SENT = ("sent", "delivered")
FAILED = ("failed", "undelivered")


@dataclass(frozen=True)
class ProcedureRow:
    id: int
    patient_id: int
    performed_at: datetime
    opted_out: bool  # the patient has texted STOP (or was opted out) since


@dataclass(frozen=True)
class MessageRow:
    id: int
    procedure_id: int
    kind: str
    status: str


@dataclass(frozen=True)
class ReplyRow:
    procedure_id: int
    patient_id: int
    received_at: datetime
    keyword: str | None
    triage: str | None
    present: tuple[str, ...]
    stockings: str | None
    escalated: bool
    answers_message_id: int | None
    first_review_at: datetime | None


@dataclass
class Report:
    procedures: int
    patients: int
    replied: int  # procedures with at least one reply
    check_ins_sent: int
    check_ins_answered: int
    replies: int
    urgent: int
    escalated: int
    opted_out: int
    messages_sent: int
    failed_deliveries: int
    review_minutes: list[float] = field(default_factory=list)
    stockings_by_day: dict[int, dict[str, int]] = field(default_factory=dict)
    symptoms_by_day: dict[int, dict[str, int]] = field(default_factory=dict)
    patients_replying_by_day: dict[int, int] = field(default_factory=dict)

    @property
    def reply_rate(self) -> float | None:
        return _share(self.replied, self.procedures)

    @property
    def check_in_answer_rate(self) -> float | None:
        return _share(self.check_ins_answered, self.check_ins_sent)

    @property
    def urgent_share(self) -> float | None:
        return _share(self.urgent, self.replies)

    @property
    def failed_share(self) -> float | None:
        return _share(self.failed_deliveries, self.messages_sent + self.failed_deliveries)

    @property
    def review_median_minutes(self) -> float | None:
        return statistics.median(self.review_minutes) if self.review_minutes else None

    @property
    def review_p90_minutes(self) -> float | None:
        return percentile(self.review_minutes, 90)

    def symptom_share(self, day: int, symptom: str) -> float | None:
        return _share(self.symptoms_by_day.get(day, {}).get(symptom, 0),
                      self.patients_replying_by_day.get(day, 0))

    @property
    def symptoms(self) -> list[str]:
        """Every symptom reported, most often first."""
        total: Counter[str] = Counter()
        for counts in self.symptoms_by_day.values():
            total.update(counts)
        return [name for name, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]


def compute(*, procedures: list[ProcedureRow], messages: list[MessageRow],
            replies: list[ReplyRow]) -> Report:
    performed = {p.id: p.performed_at for p in procedures}
    check_ins = {m.id for m in messages if m.kind == "check_in" and m.status in SENT}
    about_the_leg = [r for r in replies if r.keyword is None and r.procedure_id in performed]
    stockings: dict[int, Counter[str]] = defaultdict(Counter)
    symptoms: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    replying: dict[int, set[int]] = defaultdict(set)
    for reply in about_the_leg:
        day = days_since(performed[reply.procedure_id], reply.received_at)
        replying[day].add(reply.patient_id)
        for name in reply.present:
            symptoms[day][name].add(reply.patient_id)
        if reply.stockings in STOCKINGS:
            stockings[day][reply.stockings] += 1
    return Report(
        procedures=len(procedures),
        patients=len({p.patient_id for p in procedures}),
        replied=len({r.procedure_id for r in about_the_leg}),
        check_ins_sent=len(check_ins),
        check_ins_answered=len({r.answers_message_id for r in about_the_leg
                                if r.answers_message_id in check_ins}),
        replies=len(about_the_leg),
        urgent=sum(1 for r in about_the_leg if r.triage == "urgent"),
        escalated=sum(1 for r in about_the_leg if r.escalated),
        opted_out=len({p.patient_id for p in procedures if p.opted_out}),
        messages_sent=sum(1 for m in messages if m.status in SENT),
        failed_deliveries=sum(1 for m in messages if m.status in FAILED),
        review_minutes=sorted((r.first_review_at - r.received_at).total_seconds() / 60
                              for r in about_the_leg if r.first_review_at is not None),
        stockings_by_day={day: {kind: counts[kind] for kind in STOCKINGS}
                          for day, counts in sorted(stockings.items())},
        symptoms_by_day={day: {name: len(who) for name, who in sorted(found.items())}
                         for day, found in sorted(symptoms.items())},
        patients_replying_by_day={day: len(who) for day, who in sorted(replying.items())},
    )


def days_since(performed_at: datetime, at: datetime) -> int:
    return max(0, math.floor((at - performed_at).total_seconds() / 86400))


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: a value that occurred, not an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
