"""Nothing untrue told to a patient: a follow-up date only when one was booked, email spoken
of only when an email goes. Pure: planning and the plan checks, no database."""

from __future__ import annotations

import re
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from aftercare.careplans.loader import check_plan_file, load_plans
from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.planning import ClinicContext, PatientContext, PlanningPolicy, plan_messages

NY = ZoneInfo("America/New_York")
POLICY = PlanningPolicy(
    clinic=ClinicContext(name="Riverside", phone="(555) 010-2030", emergency_number="911"),
    quiet_hours=QuietHours(start=time(21, 0), end=time(8, 0)))
PERFORMED = datetime(2026, 6, 1, 9, 0, tzinfo=NY)
# What format_follow_up_date writes, e.g. "Wed 16 Dec 10:30" / "mié 16 dic 10:30".
A_DATE = re.compile(r"\b\w{3} \d{1,2} \w{3} \d{2}:\d{2}")
SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"


def _plan(reminder_fallback: dict[str, Any] | None) -> dict[str, Any]:
    reminder: dict[str, Any] = {
        "key": "reminder", "offset": {"days": 5}, "at": "10:00", "channel": "sms",
        "kind": "follow_up",
        "text": {"en": "Hi {first_name}, your review is on {follow_up_date}.",
                 "es": "Hola {first_name}, su revision es el {follow_up_date}."}}
    if reminder_fallback is not None:
        reminder["without_follow_up"] = reminder_fallback
    return {
        "key": "test-plan", "name": "Test", "version": 1, "follow_up_after": {"days": 7},
        "steps": [
            {"key": "welcome", "offset": {"minutes": 0}, "channel": "both", "kind": "guidance",
             "text": {"en": "Hi {first_name}, your guide is in your email. Reply STOP to opt out.",
                      "es": "Hola {first_name}, su guia esta en su correo. Responda STOP."},
             "without_email": {"text": {
                 "en": "Hi {first_name}, this is {clinic_name}. Reply STOP to opt out.",
                 "es": "Hola {first_name}, le escribe {clinic_name}. Responda STOP."}},
             "email": {"subject": {"en": "Guide", "es": "Guia"},
                       "body": {"en": "Hello {first_name}.", "es": "Hola {first_name}."}}},
            reminder,
        ]}


CALL_TO_BOOK = {"text": {"en": "Hi {first_name}, call {clinic_phone} to book your review.",
                         "es": "Hola {first_name}, llame al {clinic_phone} para su revision."}}


def _messages(plan: dict[str, Any], *, follow_up_at: datetime | None = None,
              email_consent: bool = True, has_email: bool = True) -> dict[tuple[str, str], Any]:
    patient = PatientContext(first_name="Maria", timezone="America/New_York", language="en",
                             sms_consent=True, email_consent=email_consent,
                             has_email=has_email)
    return {m.key: m for m in plan_messages(
        plan=CarePlan.model_validate(plan), performed_at=PERFORMED, patient=patient,
        policy=POLICY, now=PERFORMED, follow_up_at=follow_up_at)}


def test_a_booked_follow_up_is_named() -> None:
    booked = datetime(2026, 6, 8, 10, 30, tzinfo=NY)
    reminder = _messages(_plan(CALL_TO_BOOK), follow_up_at=booked)[("reminder", "sms")]
    assert reminder.status == "planned"
    assert reminder.body == "Hi Maria, your review is on Mon 8 Jun 10:30."


def test_without_a_booking_the_fallback_text_goes_and_no_date_is_invented() -> None:
    reminder = _messages(_plan(CALL_TO_BOOK))[("reminder", "sms")]
    assert reminder.status == "planned"
    assert reminder.body == "Hi Maria, call (555) 010-2030 to book your review."
    assert "Jun" not in reminder.body


@pytest.mark.parametrize("fallback", [{"skip": True}, None])
def test_without_a_booking_a_skip_step_is_skipped(fallback: dict[str, Any] | None) -> None:
    reminder = _messages(_plan(fallback))[("reminder", "sms")]
    assert (reminder.status, reminder.reason, reminder.body) == (
        "skipped", "no follow-up booked", "")


@pytest.mark.parametrize(("consent", "address", "mentions_email"), [
    (True, True, True), (False, True, False), (True, False, False)])
def test_email_is_spoken_of_only_when_one_goes(consent: bool, address: bool,
                                               mentions_email: bool) -> None:
    welcome = _messages(_plan(CALL_TO_BOOK), email_consent=consent,
                        has_email=address)[("welcome", "sms")]
    assert ("in your email" in welcome.body) is mentions_email
    assert welcome.status == "planned"


def _check(tmp_path: Path, plan: dict[str, Any]) -> list[str]:
    path = tmp_path / "test-plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return [f"{e.step} {e.field}: {e.message}" for e in check_plan_file(path)]


def test_check_passes_a_plan_with_fallbacks(tmp_path: Path) -> None:
    assert _check(tmp_path, _plan(CALL_TO_BOOK)) == []
    assert _check(tmp_path, _plan({"skip": True})) == []


def test_check_fails_a_date_without_a_fallback(tmp_path: Path) -> None:
    [problem] = _check(tmp_path, _plan(None))
    assert problem.startswith("reminder text.en: names {follow_up_date}")
    assert "without_follow_up" in problem


def test_check_fails_a_date_in_an_email_body_without_a_fallback(tmp_path: Path) -> None:
    plan = _plan(CALL_TO_BOOK)
    plan["steps"][0]["email"]["body"]["es"] = "Hola {first_name}, cita el {follow_up_date}."
    [problem] = _check(tmp_path, plan)
    assert problem.startswith("welcome email.body.es: names {follow_up_date}")


def test_check_fails_a_fallback_that_names_the_date(tmp_path: Path) -> None:
    plan = _plan({"text": {"en": "Call us before {follow_up_date}.",
                           "es": "Llame al {clinic_phone}."}})
    assert _check(tmp_path, plan) == [
        "reminder without_follow_up.text.en: a fallback cannot name {follow_up_date}"]


def test_check_fails_an_sms_about_email_without_a_fallback(tmp_path: Path) -> None:
    plan = _plan(CALL_TO_BOOK)
    del plan["steps"][0]["without_email"]
    problems = _check(tmp_path, plan)
    assert [p.split(":")[0] for p in problems] == ["welcome text.en", "welcome text.es"]
    assert all("without_email" in p for p in problems)


def test_check_fails_skip_with_texts(tmp_path: Path) -> None:
    [problem] = _check(tmp_path, _plan({"skip": True, **CALL_TO_BOOK}))
    assert "skip: true or other texts, not both" in problem


def test_shipped_plans_never_name_an_unbooked_date_nor_an_unsent_email() -> None:
    for plan in load_plans(SCHEDULES).values():
        patient = PatientContext(first_name="Maria", timezone="America/New_York",
                                 language="en", sms_consent=True, email_consent=False)
        for language in ("en", "es"):
            messages = plan_messages(
                plan=plan, performed_at=PERFORMED, policy=POLICY, now=PERFORMED,
                patient=PatientContext(**{**patient.__dict__, "language": language}))
            for m in messages:
                assert not A_DATE.search(m.body), (plan.key, m.step)
                if m.channel == "sms":
                    assert "email" not in m.body.lower(), (plan.key, m.step)
                    assert "correo" not in m.body.lower(), (plan.key, m.step)
            reminders = [m for m in messages if m.kind == "follow_up"]
            assert reminders and all(m.status == "planned" for m in reminders), plan.key
