"""The symptom trend draws each symptom at its own severity, never a borrowed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftercare.db.models import Reply
from aftercare.replies.reading.reader import read_reply
from aftercare.web.views.trend import NOT_STATED, build_chart, symptom_value

PERFORMED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def reply(text: str, day: int, hour: int = 12) -> Reply:
    reading = read_reply(text)
    return Reply(body=text, received_at=PERFORMED + timedelta(days=day, hours=hour - 15),
                 present=list(reading.present), absent=list(reading.absent),
                 severity=reading.severity, triage=reading.triage,
                 reasons=list(reading.reasons), reading=reading.to_dict())


def levels(chart: object, code: str) -> dict[int, int]:
    series = next(s for s in chart.series if s.symptom == code)  # type: ignore[attr-defined]
    return {p.day: p.value for p in series.points}


def test_each_symptom_keeps_its_own_severity() -> None:
    chart = build_chart([reply("terrible pain in my calf, a bit swollen and warm", 2)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None
    assert levels(chart, "pain") == {2: 3}
    assert levels(chart, "swelling") == {2: 1}
    # Warmth had no severity of its own: not stated, not the pain's "severe".
    assert levels(chart, "warmth") == {2: NOT_STATED}


def test_an_urgent_reply_is_a_red_flag_not_a_point_on_the_mild_line() -> None:
    chart = build_chart([reply("I cant breathe properly and my chest feels tight", 3)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None
    assert [f.day for f in chart.flags] == [3]
    assert "shortness of breath" in chart.flags[0].reasons
    for code in ("breathing_difficulty", "chest_pain"):
        assert levels(chart, code) == {3: NOT_STATED}
        point = next(s for s in chart.series if s.symptom == code).points[0]
        mild = next(t.at for t in chart.y_ticks if t.label == "mild")
        assert point.y != mild
    assert "Red flags on day 3" in chart.summary
    assert chart.flag_on(3) and chart.flag_on(2) == ""


def test_a_denied_symptom_is_drawn_as_none() -> None:
    chart = build_chart([reply("bad bruising and the leg is swollen", 1),
                         reply("no swelling now, bruising is mild", 4)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None
    assert levels(chart, "swelling")[4] == 0
    assert levels(chart, "bruising") == {1: 3, 4: 1}


def test_a_pain_score_counts_for_pain_only() -> None:
    r = reply("mild bruising, pain 7/10", 2)
    assert symptom_value(r, "pain") == 3
    assert symptom_value(r, "bruising") == 1


def test_several_reports_on_one_day_keep_the_worst_and_stay_apart() -> None:
    chart = build_chart([reply("mild swelling", 2, hour=9), reply("swelling is severe", 2, 18),
                         reply("some bruising", 2, hour=19), reply("itchy", 2, hour=20)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None
    assert levels(chart, "swelling") == {2: 3}
    xs = [s.points[0].x for s in chart.series]
    assert len(set(xs)) == len(xs)  # not drawn on top of each other
    # A stated level is not hidden by a later report without one.
    chart = build_chart([reply("moderate swelling", 5, 9), reply("still swollen", 5, 18)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None and levels(chart, "swelling") == {5: 2}


def test_a_line_joins_stated_levels_only() -> None:
    chart = build_chart([reply("mild swelling", 1), reply("swollen", 2),
                         reply("swelling is severe", 3)],
                        performed_at=PERFORMED, zone="Europe/London")
    assert chart is not None
    series = chart.series[0]
    assert [p.value for p in series.points] == [1, NOT_STATED, 3]
    assert series.path.count("M") == 2 and "L" not in series.path


def test_a_reading_from_before_per_symptom_severities_lends_nothing() -> None:
    old = reply("terrible pain in my calf, a bit swollen", 2)
    assert old.reading is not None
    old.reading = {k: v for k, v in old.reading.items() if k != "severities"}
    assert symptom_value(old, "swelling") == NOT_STATED
    single = reply("bad bruising", 1)
    assert single.reading is not None
    single.reading = {k: v for k, v in single.reading.items() if k != "severities"}
    assert symptom_value(single, "bruising") == 3


def test_a_reply_with_a_date_no_calendar_can_place_is_left_out_not_the_chart() -> None:
    odd = reply("swollen", 1)
    odd.received_at = datetime(1, 1, 1, tzinfo=UTC)
    chart = build_chart([reply("mild swelling", 2), odd],
                        performed_at=PERFORMED, zone="America/New_York")
    assert chart is not None and levels(chart, "swelling") == {2: 1}
