"""Who is on call, from the rota on the clinic's wall clock, with the settings as fallback."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from aftercare.oncall.rota import Contact, Shift, on_call, parse_time, uncovered

NY = ZoneInfo("America/New_York")
DAY = Contact("Dr Day", "+12125550001")
NIGHT = Contact("Dr Night", None, "night@clinic.example.org")
BACKUP = Contact("Dr Backup", "+12125550009")
FALLBACK = Contact("settings", "+12125550100")
# Monday: day shift 08:00-18:00 with a backup, night shift 18:00 to Tuesday 08:00.
ROTA = [Shift(0, time(8), time(18), DAY, BACKUP), Shift(0, time(18), time(8), NIGHT)]


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=NY).astimezone(UTC)


@pytest.mark.parametrize(("local", "who", "from_rota"), [
    ("2026-03-02 09:00", DAY, True),  # Monday morning
    ("2026-03-02 17:59", DAY, True),
    ("2026-03-02 18:00", NIGHT, True),  # the night shift starts
    ("2026-03-03 07:59", NIGHT, True),  # ... and runs into Tuesday morning
    ("2026-03-03 08:00", FALLBACK, False),  # Tuesday day: a gap, the settings contact
    ("2026-03-01 23:00", FALLBACK, False),  # Sunday night
])
def test_the_shift_covering_the_clinics_wall_clock(local: str, who: Contact,
                                                   from_rota: bool) -> None:
    found = on_call(ROTA, at(local), NY, fallback=FALLBACK)
    assert (found.first, found.from_rota) == (who, from_rota)


def test_a_shift_follows_the_wall_clock_across_a_clock_change() -> None:
    # 8 March 2026: New York springs forward; 09:00 local is 13:00 UTC, not 14:00.
    rota = [Shift(6, time(8), time(18), DAY)]
    assert on_call(rota, datetime(2026, 3, 8, 13, 0, tzinfo=UTC), NY, fallback=None).first == DAY
    assert on_call(rota, datetime(2026, 3, 8, 11, 30, tzinfo=UTC), NY,
                   fallback=None).first is None  # 07:30 local


def test_backup_comes_from_the_shift_else_from_the_settings() -> None:
    settings_backup = Contact("settings backup", None, "backup@clinic.example.org")
    day = on_call(ROTA, at("2026-03-02 10:00"), NY, fallback=FALLBACK,
                  fallback_backup=settings_backup)
    night = on_call(ROTA, at("2026-03-02 22:00"), NY, fallback=FALLBACK,
                    fallback_backup=settings_backup)
    assert (day.backup, night.backup) == (BACKUP, settings_backup)


def test_nobody_when_no_shift_and_no_settings_contact() -> None:
    found = on_call([], at("2026-03-02 10:00"), NY, fallback=Contact("settings"))
    assert found.first is None and found.backup is None
    unreachable = [Shift(0, time(8), time(18), Contact("no number"))]
    assert on_call(unreachable, at("2026-03-02 10:00"), NY, fallback=None).first is None


def test_the_hours_no_shift_covers() -> None:
    assert uncovered(ROTA) == ["Monday 00:00-08:00", "Tuesday 08:00 to Monday 00:00"]
    assert uncovered([]) == ["every hour of the week"]
    assert uncovered([Shift(d, time(0), time(0), DAY) for d in range(7)]) == []


@pytest.mark.parametrize("text", ["8am", "25:00", "", "08:60", "noon"])
def test_times_are_24_hour_clock(text: str) -> None:
    with pytest.raises(ValueError, match="24-hour clock"):
        parse_time(text)
