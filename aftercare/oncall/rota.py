"""Who is on call: the rota (by weekday and hours, on the clinic's wall clock, each shift with
a backup) and the settings contact that covers every hour the rota leaves open. Pure: the
rows come from oncall/store.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None = None
    email: str | None = None

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)


@dataclass(frozen=True)
class Shift:
    """`ends` at or before `starts` runs through midnight into the next day."""

    weekday: int  # 0 Monday .. 6 Sunday
    starts: time
    ends: time
    contact: Contact
    backup: Contact | None = None

    def covers(self, local: datetime) -> bool:
        clock = local.time().replace(tzinfo=None)
        today = local.weekday()
        if self.starts < self.ends:
            return today == self.weekday and self.starts <= clock < self.ends
        # Overnight (or a whole day when ends == starts): the evening part on its weekday,
        # the morning part on the next.
        return ((today == self.weekday and clock >= self.starts)
                or (today == (self.weekday + 1) % 7 and clock < self.ends))


@dataclass(frozen=True)
class OnCall:
    """Who gets an urgent alert now (level 1 and 2) and who the escalation reaches (3)."""

    first: Contact | None
    backup: Contact | None
    from_rota: bool


def on_call(shifts: Iterable[Shift], at: datetime, zone: ZoneInfo, *,
            fallback: Contact | None, fallback_backup: Contact | None = None) -> OnCall:
    """The shift covering `at` on the clinic's wall clock; else the settings contact. The
    first shift listed wins where two overlap."""
    local = at.astimezone(zone)
    for shift in shifts:
        if shift.covers(local) and shift.contact.reachable:
            backup = shift.backup if shift.backup and shift.backup.reachable else fallback_backup
            return OnCall(shift.contact, backup, True)
    usable = fallback if fallback is not None and fallback.reachable else None
    return OnCall(usable, fallback_backup if fallback_backup and fallback_backup.reachable
                  else None, False)


def uncovered(shifts: Iterable[Shift]) -> list[str]:
    """The hours of a week no shift covers, as 'Monday 00:00-08:00' spans (for doctor and the
    rota page): any hour in them alerts only the settings contact, if there is one."""
    shifts = list(shifts)
    monday = datetime(2024, 1, 1)  # a Monday; only wall-clock hours matter here
    gaps: list[str] = []
    start: datetime | None = None
    step = timedelta(minutes=15)
    moment = monday
    while moment <= monday + timedelta(days=7):
        covered = moment < monday + timedelta(days=7) and any(s.covers(moment) for s in shifts)
        if not covered and start is None and moment < monday + timedelta(days=7):
            start = moment
        elif (covered or moment == monday + timedelta(days=7)) and start is not None:
            gaps.append(_span(start, moment))
            start = None
        moment += step
    return gaps


def _span(start: datetime, end: datetime) -> str:
    end_label = "24:00" if end.time() == time(0) else f"{end:%H:%M}"
    if (end - start) >= timedelta(days=7):
        return "every hour of the week"
    if end.date() == start.date() or (end.time() == time(0) and end - start <= timedelta(1)):
        return f"{WEEKDAYS[start.weekday()]} {start:%H:%M}-{end_label}"
    return f"{WEEKDAYS[start.weekday()]} {start:%H:%M} to {WEEKDAYS[end.weekday()]} {end:%H:%M}"


def parse_time(text: str) -> time:
    """'HH:MM' (24-hour) or a ValueError that says so."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError("use the 24-hour clock, like 08:00 or 17:30") from None
