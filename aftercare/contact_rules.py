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
# The service's own urgent messages, and a clinician's answer marked urgent: never held
# for quiet hours, never too late to send (consent and opt-out still apply to the answer).
URGENT = ANSWERS | {"alert", "urgent_answer"}
# How a row held at send time is marked; the reason stays on the timeline once it is sent.
WAITED = "waited for quiet hours to end"


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
    if kind in URGENT:
        return Go()
    zone = ZoneInfo(recipient.timezone)
    allowed = after_quiet_hours(at, zone, quiet_hours)
    if allowed != at:
        return Wait(allowed, f"{WAITED} ({at.astimezone(zone):%H:%M} "
                             f"patient time; goes {allowed.astimezone(zone):%a %H:%M})")
    return Go()


def at_send_time(
    *, channel: Literal["sms", "email"], kind: str, recipient: Recipient | None,
    at: datetime, quiet_hours: QuietHours, due_at: datetime, expires_at: datetime | None,
) -> Decision:
    """`may_send` again just before the provider is called, plus lateness: a time-bound
    reminder past its expiry (a walk nudge after an outage) is skipped, not sent late, and
    one that would only leave quiet hours after its expiry is skipped at once."""
    if recipient is None or kind in URGENT:
        return may_send(channel=channel, kind=kind, recipient=recipient, at=at,
                        quiet_hours=quiet_hours)
    if expires_at is not None and at >= expires_at:
        return Skip(_too_late(at, due_at, expires_at))
    decision = may_send(channel=channel, kind=kind, recipient=recipient, at=at,
                        quiet_hours=quiet_hours)
    if isinstance(decision, Wait) and expires_at is not None and decision.until >= expires_at:
        return Skip(_too_late(decision.until, due_at, expires_at)
                    + " (by the end of quiet hours)")
    return decision


def _too_late(at: datetime, due_at: datetime, expires_at: datetime) -> str:
    return (f"skipped: {_span(at - due_at)} late, "
            f"expired after {_span(expires_at - due_at)}")


def _span(span: timedelta) -> str:
    """A lateness in the unit a person would say: 45 min, 30 h, 3 d."""
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 72 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


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
