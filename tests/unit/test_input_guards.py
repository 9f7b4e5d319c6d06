"""The pure guards on what staff send: the date window, page numbers, log masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aftercare.observability.logs import mask_phi
from aftercare.procedures.rules import FOLLOW_UP_LIMIT, date_problems
from aftercare.web.views.paging import MAX_PAGE, page_number

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
YEAR_ONE = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))  # before datetime.min in UTC
LAST = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5)))


@pytest.mark.parametrize(("performed", "follow_up", "expected"), [
    (NOW, None, []),
    (NOW + timedelta(minutes=5), None, []),
    (NOW - timedelta(days=365), NOW + timedelta(days=365), []),
    (NOW + timedelta(minutes=6), None, [("performed_at", "in the future")]),
    (NOW - timedelta(days=366), None, [("performed_at", "more than a year ago")]),
    (YEAR_ONE, None, [("performed_at", "more than a year ago")]),
    (LAST, None, [("performed_at", "in the future")]),
    (NOW, NOW - timedelta(minutes=1), [("follow_up_at", "before the procedure")]),
    (NOW, NOW + timedelta(days=366), [("follow_up_at", "more than a year ahead")]),
    (NOW, YEAR_ONE, [("follow_up_at", "more than a year ago")]),
    (NOW, LAST, [("follow_up_at", "more than a year ahead")]),
    (YEAR_ONE, YEAR_ONE, [("performed_at", "more than a year ago"),
                          ("follow_up_at", "more than a year ago")]),
])
def test_date_window(performed: datetime, follow_up: datetime | None,
                     expected: list[tuple[str, str]]) -> None:
    problems = list(date_problems(performed_at=performed, follow_up_at=follow_up, now=NOW))
    assert [p.field for p in problems] == [(field,) for field, _ in expected]
    for problem, (_, words) in zip(problems, expected, strict=True):
        assert words in problem.message


def test_a_reschedule_may_move_a_procedure_ahead_but_not_past_a_year() -> None:
    ahead = list(date_problems(performed_at=NOW + timedelta(days=2), follow_up_at=None,
                               now=NOW, future=FOLLOW_UP_LIMIT))
    assert ahead == []
    far = list(date_problems(performed_at=LAST, follow_up_at=None, now=NOW,
                             future=FOLLOW_UP_LIMIT))
    assert [p.message for p in far] == ["the procedure time is more than a year ahead: "
                                        "check the date"]


@pytest.mark.parametrize(("text", "page"), [
    ("1", 1), ("7", 7), ("0", 1), ("-3", 1), ("", 1), ("abc", 1), ("2.5", 1),
    ("١٢", 1), ("²", 1), ("9" * 5000, 1), ("999999999999", MAX_PAGE), (" 3", 1),
])
def test_page_number(text: str, page: int) -> None:
    assert page_number(text) == page


@pytest.mark.parametrize(("text", "masked"), [
    ("phone: 2125550142 refused", "phone: ***0142 refused"),
    ('{"phone": "2125550142"}', '{"phone": "***0142"}'),
    ("'phone': '12125550142'", "'phone': '***0142'"),
    ("input_value=2125550142,", "input_value=***0142,"),
    ("message 42, reply 7, at 2026-03-02", "message 42, reply 7, at 2026-03-02"),
    ("message 1234567890 sent", "message 1234567890 sent"),
    ("ratio 0.2125550142", "ratio 0.2125550142"),
])
def test_bare_digit_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_phi(text) == masked
