"""Test data: a procedure request as staff would send it, with overridable parts."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

_numbers = itertools.count(100)


# The location migration 0011 makes (and the test fixtures make again after emptying).
DEFAULT_LOCATION = 1


def patient_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_numbers)
    payload: dict[str, Any] = {
        "first_name": "Maria", "phone": f"(212) 555-{n:04d}", "email": f"maria{n}@example.org",
        "timezone": "America/New_York", "language": "en", "sms_consent": True,
        "email_consent": True,
    }
    payload.update(overrides)
    return payload


def procedure_payload(performed_at: datetime, *, patient: dict[str, Any] | None = None,
                      **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "patient": patient or patient_payload(),
        "procedure_type": "sclerotherapy",
        "performed_at": performed_at.isoformat(),
        "side": "left",
        "clinician": "Dr. Okafor",
    }
    payload.update(overrides)
    return payload


def add_due_messages(sessions: Any, *, count: int, due_at: datetime, channel: str = "sms",
                     patients: int = 1, kind: str = "guidance", priority: int = 1,
                     key: str = "plan") -> list[int]:
    """Outbox rows due at `due_at`, spread over `patients` patients, straight into the table."""
    from aftercare.db.models import Message, Patient, Procedure
    from aftercare.db.session import transaction

    ids: list[int] = []
    # Where it is daytime when they fall due: quiet hours would hold them back otherwise,
    # and a test with a real clock runs at any hour (New York itself, in its daytime).
    zone = daytime_zone(due_at)
    with transaction(sessions) as session:
        procedures = []
        for p in range(patients):
            patient = Patient(first_name=f"P{p}", phone=f"+1212555{p:04d}",
                              email=f"p{p}@example.org", timezone=zone,
                              language="en", sms_consent=True, email_consent=True)
            procedure = Procedure(location_id=DEFAULT_LOCATION,
                                  patient=patient, procedure_type="sclerotherapy",
                                  performed_at=due_at, status="active", planned_at=due_at)
            session.add(procedure)
            procedures.append(procedure)
        session.flush()
        rows = []
        for i in range(count):
            procedure = procedures[i % patients]
            rows.append(Message(dedupe_key=f"{key}:{procedure.id}:step{i}:{channel}",
                                procedure_id=procedure.id, patient_id=procedure.patient_id,
                                step=f"step{i}", channel=channel, kind=kind, priority=priority,
                                status="planned", due_at=due_at, send_after=due_at,
                                local_due=due_at.isoformat(), language="en",
                                body=f"message {i}", attempts=0))
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
    return ids


def daytime_zone(now: datetime) -> str:
    """A real time zone where it is mid-day now, so quiet hours do not defer a live test."""
    from zoneinfo import ZoneInfo

    for zone in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Asia/Tokyo",
                 "Asia/Kolkata", "Europe/London", "Australia/Sydney", "America/Sao_Paulo"):
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return zone
    raise AssertionError("no candidate zone is in daytime")  # cannot happen: 8 h steps
