"""The report's figures on a data set small enough to work out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftercare.reports.figures import (
    MessageRow,
    ProcedureRow,
    ReplyRow,
    compute,
    days_since,
    percentile,
)
from aftercare.reports.tables import as_csv, as_dict, shown

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROCEDURES = [ProcedureRow(1, 11, T0, False), ProcedureRow(2, 12, T0, False),
              ProcedureRow(3, 13, T0, True)]
MESSAGES = [MessageRow(101, 1, "check_in", "delivered"), MessageRow(102, 2, "check_in", "sent"),
            MessageRow(103, 3, "check_in", "failed"), MessageRow(104, 1, "walking", "undelivered"),
            MessageRow(105, 2, "guidance", "planned")]


def reply(procedure: int, patient: int, after: timedelta, *, triage: str = "routine",
          present: tuple[str, ...] = (), stockings: str | None = None,
          answers: int | None = None, reviewed_after: timedelta | None = None,
          escalated: bool = False, keyword: str | None = None) -> ReplyRow:
    at = T0 + after
    return ReplyRow(procedure, patient, at, keyword, triage, present, stockings, escalated,
                    answers, at + reviewed_after if reviewed_after is not None else None)


REPLIES = [
    reply(1, 11, timedelta(days=1, hours=2), triage="none", stockings="day_and_night",
          answers=101, reviewed_after=timedelta(minutes=30)),
    reply(2, 12, timedelta(days=1, hours=5), triage="urgent", present=("swelling", "pain"),
          answers=102, reviewed_after=timedelta(minutes=10), escalated=True),
    reply(1, 11, timedelta(days=1, hours=6), present=("bruising",),
          reviewed_after=timedelta(minutes=90)),
    reply(2, 12, timedelta(days=3), keyword="opt_out", triage=None),
    reply(2, 12, timedelta(days=5), stockings="not_worn", present=("swelling",)),
]


def test_every_figure_as_worked_out_by_hand() -> None:
    r = compute(procedures=PROCEDURES, messages=MESSAGES, replies=REPLIES)
    assert (r.procedures, r.patients, r.replied) == (3, 3, 2)
    assert r.reply_rate == 2 / 3
    assert (r.check_ins_sent, r.check_ins_answered, r.check_in_answer_rate) == (2, 2, 1.0)
    assert (r.replies, r.urgent, r.urgent_share) == (4, 1, 0.25)  # the STOP is not counted
    assert (r.escalated, r.opted_out) == (1, 1)
    assert (r.messages_sent, r.failed_deliveries, r.failed_share) == (2, 2, 0.5)
    assert r.review_minutes == [10.0, 30.0, 90.0]
    assert (r.review_median_minutes, r.review_p90_minutes) == (30.0, 90.0)
    assert r.stockings_by_day == {1: {"day_and_night": 1, "daytime": 0, "not_worn": 0},
                                  5: {"day_and_night": 0, "daytime": 0, "not_worn": 1}}
    assert r.patients_replying_by_day == {1: 2, 5: 1}
    assert r.symptoms_by_day == {1: {"bruising": 1, "pain": 1, "swelling": 1},
                                 5: {"swelling": 1}}
    assert r.symptom_share(1, "swelling") == 0.5 and r.symptom_share(5, "swelling") == 1.0
    assert r.symptoms == ["swelling", "bruising", "pain"]


def test_an_empty_period_has_no_shares_rather_than_zero() -> None:
    r = compute(procedures=[], messages=[], replies=[])
    assert r.reply_rate is None and r.review_median_minutes is None
    assert r.review_p90_minutes is None and r.symptoms == []
    assert shown("reply_rate", r.reply_rate) == "-"


def test_percentiles_and_days() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90) == 9.0
    assert percentile([4.0], 90) == 4.0
    assert days_since(T0, T0 + timedelta(hours=23, minutes=59)) == 0
    assert days_since(T0, T0 + timedelta(hours=24)) == 1
    assert days_since(T0, T0 - timedelta(hours=1)) == 0  # a clock a little behind


def test_the_csv_and_json_carry_the_same_figures() -> None:
    r = compute(procedures=PROCEDURES, messages=MESSAGES, replies=REPLIES)
    rows = as_csv(r).splitlines()
    assert rows[0] == "section,day_since_procedure,measure,value"
    assert "summary,,reply_rate,0.6667" in rows and "summary,,review_p90_minutes,90" in rows
    assert "stockings,5,not_worn,1" in rows and "symptoms,1,patients_replying,2" in rows
    data = as_dict(r, plan="sclerotherapy", since="2026-11-01", until="2026-11-30")
    assert data["figures"]["urgent_share"] == 0.25
    assert data["stockings_by_day"]["1"]["day_and_night"] == 1
    assert data["symptoms_by_day"]["1"] == {"patients_replying": 2, "reporting": {
        "bruising": 1, "pain": 1, "swelling": 1}}
    assert shown("review_median_minutes", 30.0) == "30 min" and shown("urgent_share", 0.25) \
        == "25%"
