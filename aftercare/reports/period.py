"""A report's period from what staff type: dates on the clinic's own calendar, `until`
included (the whole day), as the UTC instants procedures are stored in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    since: datetime  # inclusive
    until: datetime  # exclusive: the start of the day after the last


def period(*, since: str, until: str | None, clinic_zone: str, today: date) -> Period:
    """Raises ValueError with a sentence a person can act on."""
    try:
        first = date.fromisoformat(since.strip())
        last = date.fromisoformat(until.strip()) if until and until.strip() else today
    except ValueError:
        raise ValueError("give dates as YYYY-MM-DD") from None
    if last < first:
        raise ValueError("the period ends before it starts")
    if (last - first).days > MAX_DAYS:
        raise ValueError("a period is at most three years: choose a shorter one")
    zone = ZoneInfo(clinic_zone)
    return Period(first, last, datetime.combine(first, time(), tzinfo=zone),
                  datetime.combine(last + timedelta(days=1), time(), tzinfo=zone))
