"""One patient's page: details, consent and its history, every procedure, and everything
sent and received across them; and the correction form's values and errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from aftercare.consent import consent_history
from aftercare.db.models import ConsentEvent, Message, Patient, Procedure, Reply
from aftercare.locations.scope import Scope
from aftercare.patients.record import PatientPatch
from aftercare.web.views.procedure_form import OTHER_ZONE, zone_choice

FIELDS = ("phone", "email", "language", "timezone", "timezone_other", "sms_consent",
          "email_consent", "consent_method", "note")


@dataclass(frozen=True)
class Entry:
    """A line of the patient's conversation: a message sent (or due) or a reply."""

    at: datetime
    procedure_id: int | None
    message: Message | None = None
    reply: Reply | None = None


@dataclass(frozen=True)
class Record:
    patient: Patient
    procedures: list[Procedure]
    consent: list[ConsentEvent]
    conversation: list[Entry]


def patient_record(session: Session, patient: Patient, scope: Scope) -> Record:
    """What the user may see: the procedures at their locations, with what went and came."""
    procedures = list(session.scalars(select(Procedure).where(
        Procedure.patient_id == patient.id, scope.procedures())
        .order_by(Procedure.performed_at.desc())))
    messages = session.scalars(select(Message).where(
        Message.patient_id == patient.id, Message.audience == "patient",
        Message.procedure_id.in_([p.id for p in procedures]),
        Message.status.not_in(("skipped", "cancelled"))))
    replies = session.scalars(select(Reply).where(Reply.patient_id == patient.id,
                                                  scope.replies()))
    entries = [Entry(m.sent_at or m.due_at, m.procedure_id, message=m) for m in messages]
    entries += [Entry(r.received_at, r.procedure_id, reply=r) for r in replies]
    entries.sort(key=lambda e: (e.at, e.reply is not None), reverse=True)
    return Record(patient, procedures, consent_history(session, patient.id), entries)


def form_values(patient: Patient) -> dict[str, str]:
    return {"phone": patient.phone, "email": patient.email or "",
            "language": patient.language, **zone_choice(patient.timezone),
            "sms_consent": "yes" if patient.sms_consent and not patient.sms_opted_out_at
            else "no", "email_consent": "yes" if patient.email_consent else "no",
            "consent_method": "", "note": ""}


@dataclass(frozen=True)
class Asked:
    values: dict[str, str]
    errors: dict[str, str]
    patch: PatientPatch | None


def check_correction(form: FormData, patient: Patient) -> Asked:
    """The form's answers as a patch of what differs from the record, or the errors."""
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    zone = values["timezone_other"] if values["timezone"] == OTHER_ZONE else values["timezone"]
    asked: dict[str, Any] = {
        "phone": values["phone"], "email": values["email"], "language": values["language"],
        "timezone": zone,
        "sms_consent": _yes_no(values["sms_consent"]),
        "email_consent": _yes_no(values["email_consent"]),
        "consent_method": values["consent_method"] or None, "note": values["note"] or None}
    current = form_values(patient)
    # Only what differs, so an unchanged consent needs no method and a kept phone written
    # another way is not a change.
    if values["phone"] == patient.phone:
        asked["phone"] = None
    if values["email"] == (patient.email or ""):
        asked["email"] = None
    if zone == patient.timezone:
        asked["timezone"] = None
    for name in ("sms_consent", "email_consent"):
        if values[name] == current[name]:
            asked[name] = None
    try:
        return Asked(values, {}, PatientPatch(**{k: v for k, v in asked.items()
                                                 if v is not None}))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "phone"
            if name == "timezone":
                name = "timezone_other" if values["timezone"] == OTHER_ZONE else "timezone"
            errors.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
        return Asked(values, errors, None)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)

