"""A patient's record as staff correct it: phone, email, language, time zone and consent.

Every correction re-plans what is still ahead for the patient's active procedures (a new
time zone moves the times, a new language rewrites the words, consent withdrawn skips,
consent given brings messages back), all or nothing: a change planning cannot carry out is
refused and changes nothing. Each change of consent is kept with when, how and by whom.
The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.consent import Channel, ConsentMethod, record_consent
from aftercare.db.models import Patient, Procedure
from aftercare.errors import InvalidRequest, NotFound
from aftercare.outbox.planned import replan
from aftercare.phones import to_e164
from aftercare.planning import PlanningPolicy
from aftercare.procedures.schemas import _Input, _known_zone


class PatientPatch(_Input):
    """What staff may correct; fields left out stay as they are. `email: ""` removes it."""

    phone: str | None = Field(default=None, min_length=3, max_length=32)
    email: EmailStr | Literal[""] | None = None
    language: Literal["en", "es"] | None = None
    timezone: str | None = None
    sms_consent: bool | None = None
    email_consent: bool | None = None
    consent_method: Literal["form", "verbal"] | None = Field(
        default=None, description="how the patient gave or withdrew consent; required when "
        "sms_consent or email_consent changes")
    note: str | None = Field(default=None, max_length=200)

    _zone = field_validator("timezone")(lambda v: v if v is None else _known_zone(v))


@dataclass(frozen=True)
class Corrected:
    patient: Patient
    changed: list[str]  # field names, for the audit log (never the values)
    replanned: int  # outbox rows written


def correct_patient(session: Session, *, patient_id: int, patch: PatientPatch, actor: str,
                    plans: dict[str, CarePlan], policy: PlanningPolicy, phone_region: str,
                    now: datetime, consent_method: ConsentMethod | None = None) -> Corrected:
    """`consent_method`: how the patient changed consent when it was not through staff (the
    unsubscribe link); staff say it in the patch."""
    patient = session.get(Patient, patient_id, with_for_update=True)
    if patient is None or patient.erased_at is not None:
        raise NotFound(f"patient {patient_id} not found")
    wanted = _wanted(patient, patch, phone_region)
    changed = sorted(wanted)
    consent: list[Channel] = [c for c in ("sms", "email") if f"{c}_consent" in wanted]
    method = consent_method or patch.consent_method
    if consent and method is None:
        raise InvalidRequest(("consent_method",), "say how the patient gave or withdrew "
                             "consent: form or verbal")
    if not changed:
        return Corrected(patient, [], 0)
    granted_sms = wanted.get("sms_consent") is True
    active = list(session.scalars(select(Procedure.id).where(
        Procedure.patient_id == patient.id, Procedure.status == "active")))
    written = 0
    with session.begin_nested():  # rolled back alone when planning refuses the change
        for name, value in wanted.items():
            setattr(patient, name, value)
        if granted_sms:
            # Consent given again to staff overrides an earlier STOP in our records; the
            # carrier still blocks the number until the patient texts START, and a send it
            # refuses marks the opt-out again.
            patient.sms_opted_out_at = None
        if active:
            written = replan(session, procedure_ids=active, plans=plans, policy=policy, now=now,
                             revive_cancelled=granted_sms)
            stuck = session.scalars(select(Procedure).where(
                Procedure.id.in_(active), Procedure.plan_error.is_not(None))).first()
            if stuck is not None:
                raise InvalidRequest(_field_of(stuck.plan_error or "", changed),
                                     f"not changed: {stuck.plan_error}")
    for channel in consent:
        record_consent(session, patient_id=patient.id, channel=channel,
                       granted=bool(wanted[f"{channel}_consent"]),
                       method=method or "form", actor=actor, now=now,
                       note=patch.note)
    return Corrected(patient, changed, written)


def _wanted(patient: Patient, patch: PatientPatch, phone_region: str) -> dict[str, object]:
    """The fields whose value changes, with their new values."""
    asked: dict[str, object] = {}
    if patch.phone is not None:
        try:
            asked["phone"] = to_e164(patch.phone, default_region=phone_region)
        except ValueError as exc:
            raise InvalidRequest(("phone",), str(exc)) from None
    if patch.email is not None:
        asked["email"] = str(patch.email).lower() if patch.email else None
    for name in ("language", "timezone", "sms_consent", "email_consent"):
        value = getattr(patch, name)
        if value is not None:
            asked[name] = value
    if asked.get("email_consent") and not (asked.get("email", patient.email)):
        raise InvalidRequest(("email",), "email consent needs an email address")
    return {name: value for name, value in asked.items() if getattr(patient, name) != value}


def _field_of(reason: str, changed: list[str]) -> tuple[str, ...]:
    if "time zone" in reason and "timezone" in changed:
        return ("timezone",)
    if "language" in reason and "language" in changed:
        return ("language",)
    return (changed[0],)
