"""The send-time decision (contact_rules.at_send_time) and the expiry planning writes: pure."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftercare.careplans.schema import CarePlan, QuietHours, Step
from aftercare.contact_rules import Go, Recipient, Skip, Wait, at_send_time
from aftercare.planning import ClinicContext, PatientContext, PlanningPolicy, plan_messages

NY = ZoneInfo("America/New_York")
QUIET = QuietHours(start=time(21, 0), end=time(8, 0))
PATIENT = Recipient(timezone="America/New_York", sms_consent=True, email_consent=True,
                    has_email=True, sms_opted_out=False)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(UTC)  # type: ignore[misc]


def decide(at: datetime, *, kind: str = "walking", due_at: datetime | None = None,
           expires_at: datetime | None = None, quiet: QuietHours = QUIET,
           recipient: Recipient | None = PATIENT, channel: str = "sms") -> object:
    return at_send_time(channel=channel, kind=kind, recipient=recipient,  # type: ignore[arg-type]
                        at=at, quiet_hours=quiet, due_at=due_at or at, expires_at=expires_at)


@pytest.mark.parametrize(("at", "until", "patient_time"), [
    # Midnight-spanning quiet hours: late evening waits for tomorrow, early morning for today.
    (ny(2026, 3, 2, 22, 24), ny(2026, 3, 3, 8, 0), "22:24"),
    (ny(2026, 3, 3, 0, 0), ny(2026, 3, 3, 8, 0), "00:00"),
    (ny(2026, 3, 3, 7, 59), ny(2026, 3, 3, 8, 0), "07:59"),
    (ny(2026, 3, 2, 21, 0), ny(2026, 3, 3, 8, 0), "21:00"),
    # DST: the night the clocks go forward (Mar 8) and back (Nov 1); 08:00 is local both times.
    (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 12, 0, tzinfo=UTC), "01:30"),
    (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), datetime(2026, 3, 8, 12, 0, tzinfo=UTC), "03:30"),
    (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 13, 0, tzinfo=UTC), "01:30"),
    (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), datetime(2026, 11, 1, 13, 0, tzinfo=UTC), "01:30"),
])
def test_quiet_hours_at_send_time_wait_for_the_patients_morning(
        at: datetime, until: datetime, patient_time: str) -> None:
    decision = decide(at)
    assert isinstance(decision, Wait)
    assert decision.until == until
    assert decision.reason.startswith(
        f"waited for quiet hours to end ({patient_time} patient time")


@pytest.mark.parametrize("at", [ny(2026, 3, 3, 8, 0), ny(2026, 3, 2, 20, 59),
                                datetime(2026, 3, 8, 12, 0, tzinfo=UTC)])
def test_outside_quiet_hours_it_goes(at: datetime) -> None:
    assert decide(at) == Go()


def test_quiet_hours_within_one_day() -> None:
    siesta = QuietHours(start=time(13, 0), end=time(15, 0))
    decision = decide(ny(2026, 3, 2, 14, 0), quiet=siesta)
    assert isinstance(decision, Wait) and decision.until == ny(2026, 3, 2, 15, 0)
    assert decide(ny(2026, 3, 2, 22, 0), quiet=siesta) == Go()


def test_a_reminder_past_its_expiry_is_skipped_with_how_late() -> None:
    due = ny(2026, 3, 2, 10, 0)
    decision = decide(due + timedelta(hours=30), due_at=due, expires_at=due + timedelta(hours=2))
    assert decision == Skip("skipped: 30 h late, expired after 2 h")


def test_before_its_expiry_it_goes() -> None:
    due = ny(2026, 3, 2, 10, 0)
    at = due + timedelta(minutes=119)
    assert decide(at, due_at=due, expires_at=due + timedelta(hours=2)) == Go()
    assert decide(at + timedelta(minutes=1), due_at=due,
                  expires_at=due + timedelta(hours=2)) == Skip(
        "skipped: 2 h late, expired after 2 h")


def test_one_that_would_expire_during_quiet_hours_is_skipped_now() -> None:
    due = ny(2026, 3, 2, 20, 0)
    decision = decide(ny(2026, 3, 2, 22, 24), due_at=due, expires_at=due + timedelta(hours=3))
    assert decision == Skip("skipped: 12 h late, expired after 3 h (by the end of quiet hours)")


def test_one_that_outlives_quiet_hours_waits() -> None:
    due = ny(2026, 3, 2, 20, 0)
    decision = decide(ny(2026, 3, 2, 22, 24), kind="check_in", due_at=due,
                      expires_at=due + timedelta(hours=24))
    assert isinstance(decision, Wait) and decision.until == ny(2026, 3, 3, 8, 0)


@pytest.mark.parametrize(("kind", "recipient", "channel"), [
    ("safety", PATIENT, "sms"),
    ("keyword_reply", PATIENT, "sms"),
    ("safety", PATIENT, "email"),
    ("alert", None, "sms"),  # a clinician alert has no patient recipient
    ("walking", None, "email"),
])
def test_safety_texts_and_alerts_are_exempt_from_quiet_hours_and_expiry(
        kind: str, recipient: Recipient | None, channel: str) -> None:
    due = ny(2026, 3, 1, 10, 0)
    assert decide(ny(2026, 3, 2, 22, 24), kind=kind, recipient=recipient, channel=channel,
                  due_at=due, expires_at=due + timedelta(hours=1)) == Go()


def test_consent_still_counts_before_lateness() -> None:
    withdrawn = Recipient(timezone="America/New_York", sms_consent=False, email_consent=True,
                          has_email=True, sms_opted_out=False)
    assert decide(ny(2026, 3, 2, 12, 0), recipient=withdrawn) == Skip("no SMS consent")


def _step(kind: str, **extra: object) -> Step:
    return Step.model_validate({"key": "s", "offset": {"hours": 2}, "channel": "sms",
                                "kind": kind, "text": {"en": "Hi", "es": "Hola"}, **extra})


def test_expiry_defaults_by_kind_and_the_step_can_say_otherwise() -> None:
    assert _step("walking").expiry == timedelta(hours=3)
    assert _step("check_in").expiry == timedelta(hours=24)
    assert _step("follow_up").expiry is not None
    assert _step("follow_up").expiry > timedelta(days=1)  # type: ignore[operator]
    assert _step("guidance").expiry is None
    assert _step("walking", expires_after={"hours": 2}).expiry == timedelta(hours=2)
    with pytest.raises(ValueError, match="exactly one"):
        _step("walking", expires_after={"hours": 2, "days": 1})


def test_planning_writes_expires_at_from_the_due_time() -> None:
    plan = CarePlan.model_validate({
        "key": "p", "name": "P", "version": 1, "follow_up_after": {"days": 14},
        "steps": [
            {"key": "walk", "offset": {"hours": 2}, "channel": "sms", "kind": "walking",
             "text": {"en": "Walk", "es": "Camine"}, "expires_after": {"hours": 2}},
            {"key": "guide", "offset": {"minutes": 0}, "channel": "sms", "kind": "guidance",
             "text": {"en": "Guide", "es": "Guia"}},
            # Due at 22:00: moved to 08:00, and the expiry counts from when it is due.
            {"key": "socks", "offset": {"hours": 12}, "channel": "sms", "kind": "compression",
             "text": {"en": "Socks", "es": "Medias"}},
        ]})
    performed = ny(2026, 3, 2, 10, 0)
    planned = {m.step: m for m in plan_messages(
        plan=plan, performed_at=performed, now=performed,
        patient=PatientContext(first_name="Ana", timezone="America/New_York", language="en",
                               sms_consent=True, email_consent=True),
        policy=PlanningPolicy(clinic=ClinicContext(name="C", phone="1", emergency_number="911"),
                              quiet_hours=QUIET))}
    assert planned["walk"].expires_at == ny(2026, 3, 2, 14, 0)
    assert planned["guide"].expires_at is None
    assert planned["socks"].due_at == ny(2026, 3, 3, 8, 0)
    assert planned["socks"].expires_at == ny(2026, 3, 3, 14, 0)
