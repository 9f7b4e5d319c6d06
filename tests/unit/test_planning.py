"""Planning as tables of cases: pure, no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.contact_rules import after_quiet_hours
from aftercare.planning import (
    ClinicContext,
    PatientContext,
    PlanningPolicy,
    plan_messages,
)

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
QUIET = QuietHours(start=time(21, 0), end=time(8, 0))
CLINIC = ClinicContext(name="Riverside Vein Clinic", phone="(555) 010-2030", emergency_number="911")
POLICY = PlanningPolicy(clinic=CLINIC, quiet_hours=QUIET)


def _step(
    key: str,
    offset: dict[str, int],
    at: str | None = None,
    channel: str = "sms",
    kind: str = "guidance",
) -> dict[str, object]:
    step: dict[str, object] = {
        "key": key,
        "offset": offset,
        "channel": channel,
        "kind": kind,
        "text": {
            "en": "Hi {first_name}, from {clinic_name}. Call {clinic_phone}.",
            "es": "Hola {first_name}, de {clinic_name}. Llame al {clinic_phone}.",
        },
    }
    if at:
        step["at"] = at
    if channel in ("email", "both"):
        step["email"] = {
            "subject": {"en": "Your aftercare", "es": "Sus cuidados"},
            "body": {
                "en": "Dear {first_name}, see you at {clinic_name}.",
                "es": "Hola {first_name}, le esperamos en {clinic_name}.",
            },
        }
    return step


PLAN = CarePlan.model_validate(
    {
        "key": "test-plan",
        "name": "Test",
        "version": 1,
        "follow_up_after": {"days": 14},
        "steps": [
            _step("welcome", {"minutes": 0}, channel="both"),
            _step("walk_2h", {"hours": 2}, kind="walking"),
            _step("check_6h", {"hours": 6}, kind="check_in"),
            _step("hours_24", {"hours": 24}),
            _step("day1_check_in", {"days": 1}, at="09:00", kind="check_in"),
            _step("day2_same_time", {"days": 2}),
            _step("week2", {"weeks": 2}, at="18:00"),
        ],
    }
)


def patient(
    zone: str = "America/New_York", language: str = "en", sms: bool = True, email: bool = True
) -> PatientContext:
    return PatientContext(
        first_name="Maria",
        timezone=zone,
        language=language,  # type: ignore[arg-type]
        sms_consent=sms,
        email_consent=email,
    )


def plan(
    performed_at: datetime,
    *,
    now: datetime | None = None,
    who: PatientContext | None = None,
    care_plan: CarePlan = PLAN,
    grace: timedelta = timedelta(hours=1),
):  # type: ignore[no-untyped-def]
    return {
        (m.step, m.channel): m
        for m in plan_messages(
            plan=care_plan,
            performed_at=performed_at,
            patient=who or patient(),
            policy=PlanningPolicy(clinic=CLINIC, quiet_hours=QUIET, grace=grace),
            now=now or performed_at,
        )
    }


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (case, performed_at, patient zone, step, expected due in UTC)
DUE_CASES = [
    # 2026-03-08 02:00 EST -> EDT (spring forward): day 1 at 09:00 is 13:00Z, not 14:00Z.
    (
        "spring forward, local time of day",
        datetime(2026, 3, 7, 15, 0, tzinfo=NY),
        "America/New_York",
        "day1_check_in",
        utc(2026, 3, 8, 13, 0),
    ),
    # Elapsed hours ignore the switch: 24 h after 20:00Z is 20:00Z (16:00 EDT on the wall).
    (
        "spring forward, elapsed hours",
        datetime(2026, 3, 7, 15, 0, tzinfo=NY),
        "America/New_York",
        "hours_24",
        utc(2026, 3, 8, 20, 0),
    ),
    # Calendar days keep the wall-clock time: 15:00 EST -> 15:00 EDT two days later.
    (
        "spring forward, calendar days",
        datetime(2026, 3, 7, 15, 0, tzinfo=NY),
        "America/New_York",
        "day2_same_time",
        utc(2026, 3, 9, 19, 0),
    ),
    # 2026-11-01 02:00 EDT -> EST (fall back): day 1 at 09:00 EST is 14:00Z.
    (
        "fall back, local time of day",
        datetime(2026, 10, 31, 15, 0, tzinfo=NY),
        "America/New_York",
        "day1_check_in",
        utc(2026, 11, 1, 14, 0),
    ),
    (
        "fall back, calendar days",
        datetime(2026, 10, 31, 15, 0, tzinfo=NY),
        "America/New_York",
        "day2_same_time",
        utc(2026, 11, 2, 20, 0),
    ),
    # The patient lives in another zone than the clinic: their 09:00, not the clinic's.
    (
        "patient in Los Angeles",
        datetime(2026, 6, 1, 12, 0, tzinfo=NY),
        "America/Los_Angeles",
        "day1_check_in",
        utc(2026, 6, 2, 16, 0),
    ),
    (
        "patient in Madrid",
        datetime(2026, 6, 1, 12, 0, tzinfo=NY),
        "Europe/Madrid",
        "day1_check_in",
        utc(2026, 6, 2, 7, 0),
    ),
    (
        "weeks with a time of day",
        datetime(2026, 6, 1, 12, 0, tzinfo=NY),
        "America/New_York",
        "week2",
        utc(2026, 6, 15, 22, 0),
    ),
    (
        "elapsed minutes",
        datetime(2026, 6, 1, 12, 0, tzinfo=NY),
        "America/New_York",
        "walk_2h",
        utc(2026, 6, 1, 18, 0),
    ),
]


@pytest.mark.parametrize(
    ("case", "performed", "zone", "step", "expected"), DUE_CASES, ids=[c[0] for c in DUE_CASES]
)
def test_due_times(
    case: str, performed: datetime, zone: str, step: str, expected: datetime
) -> None:
    message = plan(performed, who=patient(zone))[(step, "sms")]
    assert message.due_at == expected
    assert message.status == "planned"
    assert message.local_due.tzinfo is not None
    assert message.local_due == expected


QUIET_CASES = [
    # (case, procedure local time, step, expected local due)
    (
        "evening +6h deferred to next morning",
        datetime(2026, 6, 1, 17, 0, tzinfo=NY),
        "check_6h",
        datetime(2026, 6, 2, 8, 0, tzinfo=NY),
    ),
    (
        "late evening +2h deferred",
        datetime(2026, 6, 1, 20, 30, tzinfo=NY),
        "walk_2h",
        datetime(2026, 6, 2, 8, 0, tzinfo=NY),
    ),
    (
        "after midnight deferred same morning",
        datetime(2026, 6, 1, 22, 0, tzinfo=NY),
        "walk_2h",
        datetime(2026, 6, 2, 8, 0, tzinfo=NY),
    ),
    (
        "quiet end itself is allowed",
        datetime(2026, 6, 1, 6, 0, tzinfo=NY),
        "walk_2h",
        datetime(2026, 6, 1, 8, 0, tzinfo=NY),
    ),
    (
        "just before quiet start is allowed",
        datetime(2026, 6, 1, 18, 59, tzinfo=NY),
        "walk_2h",
        datetime(2026, 6, 1, 20, 59, tzinfo=NY),
    ),
    (
        "evening +24h deferred",
        datetime(2026, 6, 1, 22, 30, tzinfo=NY),
        "hours_24",
        datetime(2026, 6, 3, 8, 0, tzinfo=NY),
    ),
]


@pytest.mark.parametrize(
    ("case", "performed", "step", "expected"), QUIET_CASES, ids=[c[0] for c in QUIET_CASES]
)
def test_quiet_hours_defer_never_drop(
    case: str, performed: datetime, step: str, expected: datetime
) -> None:
    message = plan(performed)[(step, "sms")]
    assert message.status == "planned"
    assert message.due_at == expected
    local = message.local_due.time()
    assert not QUIET.contains(local)


def test_quiet_hours_moved_message_says_why() -> None:
    message = plan(datetime(2026, 6, 1, 17, 0, tzinfo=NY))[("check_6h", "sms")]
    assert message.reason is not None and "quiet hours" in message.reason


def test_plan_can_override_quiet_hours() -> None:
    lenient = PLAN.model_copy(update={"quiet_hours": QuietHours(start=time(23, 0), end=time(7, 0))})
    message = plan(datetime(2026, 6, 1, 17, 0, tzinfo=NY), care_plan=lenient)[("check_6h", "sms")]
    assert message.due_at == datetime(2026, 6, 2, 7, 0, tzinfo=NY)


@pytest.mark.parametrize(
    ("t", "window", "expected"),
    [
        (
            datetime(2026, 6, 1, 12, 30, tzinfo=NY),
            QuietHours(start=time(12), end=time(13)),
            datetime(2026, 6, 1, 13, 0, tzinfo=NY),
        ),
        (
            datetime(2026, 6, 1, 13, 0, tzinfo=NY),
            QuietHours(start=time(12), end=time(13)),
            datetime(2026, 6, 1, 13, 0, tzinfo=NY),
        ),
        (datetime(2026, 6, 1, 23, 59, tzinfo=NY), QUIET, datetime(2026, 6, 2, 8, 0, tzinfo=NY)),
        (datetime(2026, 6, 1, 0, 0, tzinfo=NY), QUIET, datetime(2026, 6, 1, 8, 0, tzinfo=NY)),
    ],
)
def test_after_quiet_hours(t: datetime, window: QuietHours, expected: datetime) -> None:
    assert after_quiet_hours(t.astimezone(UTC), NY, window) == expected


def test_late_logging_skips_past_steps_with_a_reason() -> None:
    performed = datetime(2026, 6, 1, 9, 0, tzinfo=NY)
    now = performed + timedelta(hours=5)
    messages = plan(performed, now=now)
    walk = messages[("walk_2h", "sms")]
    assert walk.status == "skipped"
    assert walk.reason is not None and walk.reason.startswith("already past")
    assert messages[("welcome", "sms")].status == "skipped"
    # Still ahead: planned as usual.
    assert messages[("check_6h", "sms")].status == "planned"
    assert messages[("check_6h", "sms")].due_at == datetime(2026, 6, 1, 15, 0, tzinfo=NY)


def test_late_logging_inside_grace_sends_now() -> None:
    performed = datetime(2026, 6, 1, 9, 0, tzinfo=NY)
    now = performed + timedelta(minutes=40)
    welcome = plan(performed, now=now)[("welcome", "sms")]
    assert welcome.status == "planned"
    assert welcome.due_at == now
    assert welcome.reason == "logged late; sent as soon as allowed"


def test_late_inside_grace_at_night_waits_for_morning() -> None:
    performed = datetime(2026, 6, 1, 21, 30, tzinfo=NY)
    now = performed + timedelta(minutes=20)
    welcome = plan(performed, now=now)[("welcome", "sms")]
    assert welcome.status == "planned"
    assert welcome.due_at == datetime(2026, 6, 2, 8, 0, tzinfo=NY)


def test_two_hours_ago_first_message_due_now() -> None:
    """README's example: performed two hours ago, the +2h walk message goes at once."""
    now = datetime(2026, 6, 1, 14, 0, tzinfo=NY)
    messages = plan(now - timedelta(hours=2), now=now)
    assert messages[("walk_2h", "sms")].status == "planned"
    assert messages[("walk_2h", "sms")].due_at <= now


@pytest.mark.parametrize(
    ("sms", "email", "skipped"),
    [
        (True, True, set()),
        (False, True, {"sms"}),
        (True, False, {"email"}),
        (False, False, {"sms", "email"}),
    ],
)
def test_consent_per_channel(sms: bool, email: bool, skipped: set[str]) -> None:
    messages = plan(datetime(2026, 6, 1, 9, 0, tzinfo=NY), who=patient(sms=sms, email=email))
    got = {m.channel for m in messages.values() if m.status == "skipped"}
    assert got == skipped
    for m in messages.values():
        if m.status == "skipped":
            assert m.reason is not None and "consent" in m.reason


def test_language_and_placeholders() -> None:
    messages = plan(datetime(2026, 6, 1, 9, 0, tzinfo=NY), who=patient(language="es"))
    sms = messages[("welcome", "sms")]
    assert sms.body == "Hola Maria, de Riverside Vein Clinic. Llame al (555) 010-2030."
    email = messages[("welcome", "email")]
    assert email.subject == "Sus cuidados"
    assert "{" not in email.body and "Hola Maria" in email.body


def test_one_message_per_step_and_channel() -> None:
    first = plan_messages(
        plan=PLAN,
        performed_at=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
        patient=patient(),
        policy=POLICY,
        now=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
    )
    keys = [m.key for m in first]
    assert len(keys) == len(set(keys)) == 8  # 7 steps, one of them on both channels
    again = plan_messages(
        plan=PLAN,
        performed_at=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
        patient=patient(),
        policy=POLICY,
        now=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
    )
    assert again == first  # deterministic: planning twice gives the same rows


def test_messages_are_in_time_order() -> None:
    messages = plan_messages(
        plan=PLAN,
        performed_at=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
        patient=patient(),
        policy=POLICY,
        now=datetime(2026, 6, 1, 9, 0, tzinfo=NY),
    )
    assert [m.due_at for m in messages] == sorted(m.due_at for m in messages)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_messages(
            plan=PLAN,
            performed_at=datetime(2026, 6, 1, 9, 0),
            patient=patient(),
            policy=POLICY,
            now=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        )
