"""Whether a message may go to its recipient now: consent, opt-out and quiet hours. Pure.

One function, asked twice: by the planner when it writes a care plan's rows, and by dispatch
just before the provider is called, because consent, an opt-out or the clock may have
changed in between (a patient who texted STOP, a worker back from an outage at night).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from aftercare.careplans.schema import QuietHours

# What a patient just texted is answered whatever their settings: the reply to a keyword and
# the safety text after a red flag are required, even after STOP and at night.
ANSWERS = frozenset({"keyword_reply", "safety"})


@dataclass(frozen=True)
class Recipient:
    """What the rules know of a patient (None for a message to a clinician)."""

    timezone: str
    sms_consent: bool
    email_consent: bool
    has_email: bool
    sms_opted_out: bool


@dataclass(frozen=True)
class Go:
    pass


@dataclass(frozen=True)
class Wait:
    until: datetime  # UTC: the first minute after quiet hours
    reason: str


@dataclass(frozen=True)
class Skip:
    reason: str


Decision = Go | Wait | Skip


def may_send(
    *, channel: Literal["sms", "email"], kind: str, recipient: Recipient | None,
    at: datetime, quiet_hours: QuietHours,
) -> Decision:
    """May this message reach the patient at `at`? Clinician alerts (no recipient) always go."""
    if recipient is None:
        return Go()
    if kind in ANSWERS and channel == "sms":
        return Go()
    if channel == "sms":
        if recipient.sms_opted_out:
            return Skip("patient opted out of SMS")
        if not recipient.sms_consent:
            return Skip("no SMS consent")
    else:
        if not recipient.email_consent:
            return Skip("no email consent")
        if not recipient.has_email:
            return Skip("no email address")
    zone = ZoneInfo(recipient.timezone)
    allowed = after_quiet_hours(at, zone, quiet_hours)
    if allowed != at:
        return Wait(allowed, f"quiet hours: waits until {allowed.astimezone(zone):%a %H:%M}")
    return Go()


def after_quiet_hours(at: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime:
    """`at`, or the first allowed minute after it when it falls in quiet hours (UTC)."""
    local = at.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if not quiet.contains(wall):
        return at
    day = local.date()
    if quiet.start > quiet.end and wall >= quiet.start:
        day += timedelta(days=1)  # late evening: wait for tomorrow morning
    return _at_wall_time(day, quiet.end, zone)


def _at_wall_time(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)
