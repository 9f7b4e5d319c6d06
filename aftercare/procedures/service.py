"""Logging, reading, rescheduling and cancelling procedures. Callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Patient, Procedure
from aftercare.procedures.errors import InvalidRequest, NotFound
from aftercare.procedures.outbox import PlanningPolicy, cancel_unsent, plan_procedure
from aftercare.procedures.phones import to_e164
from aftercare.procedures.schemas import (
    MessageOut,
    PatientIn,
    PatientOut,
    ProcedureIn,
    ProcedureOut,
    ProcedurePatch,
)


def log_procedure(
    session: Session, *, request: ProcedureIn, plans: dict[str, CarePlan], phone_region: str,
) -> tuple[Procedure, bool]:
    """Record a procedure and its patient. Returns (procedure, created).

    The same `external_id` again returns the procedure already logged, unchanged: staff
    systems retry, and a retry must not plan a second set of reminders.
    """
    if request.external_id:
        existing = session.scalar(
            select(Procedure).where(Procedure.external_id == request.external_id))
        if existing is not None:
            return existing, False
    if request.procedure_type not in plans:
        known = ", ".join(sorted(plans))
        raise InvalidRequest(("procedure_type",),
                             f"unknown procedure type {request.procedure_type!r}; known: {known}")
    try:
        phone = to_e164(request.patient.phone, default_region=phone_region)
    except ValueError as exc:
        raise InvalidRequest(("patient", "phone"), str(exc)) from None
    if request.patient.email_consent and not request.patient.email:
        raise InvalidRequest(("patient", "email"), "email consent given but no email address")
    patient = _find_or_add_patient(session, request.patient, phone)
    procedure = Procedure(
        external_id=request.external_id, patient=patient,
        procedure_type=request.procedure_type, performed_at=request.performed_at,
        follow_up_at=request.follow_up_at, side=request.side, clinician=request.clinician,
        status="active",
    )
    session.add(procedure)
    session.flush()
    return procedure, True


def _find_or_add_patient(session: Session, data: PatientIn, phone: str) -> Patient:
    """The same person comes back for another leg or session: reuse their record.

    Matched by the clinic's own id when given, else by phone and first name (a shared family
    phone stays separate people). The latest consent answers and contact details win.
    """
    if data.external_id:
        query = select(Patient).where(Patient.external_id == data.external_id)
    else:
        query = select(Patient).where(
            Patient.phone == phone, Patient.first_name == data.first_name,
            Patient.external_id.is_(None))
    patient = session.scalars(query.limit(1)).first()
    if patient is None:
        patient = Patient(external_id=data.external_id, sms_opted_out_at=None)
        session.add(patient)
    patient.first_name = data.first_name
    patient.phone = phone
    patient.email = str(data.email) if data.email else None
    patient.timezone = data.timezone
    patient.language = data.language
    patient.sms_consent = data.sms_consent
    patient.email_consent = data.email_consent
    return patient


def get_procedure(session: Session, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_id}")
    return procedure


def reschedule(
    session: Session, *, procedure_id: int, patch: ProcedurePatch,
    plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime,
) -> Procedure:
    """New time, zone or follow-up date: re-plan every message that has not gone yet."""
    procedure = get_procedure(session, procedure_id)
    if procedure.status != "active":
        raise InvalidRequest(("status",), "a cancelled procedure cannot be rescheduled")
    if patch.performed_at is not None:
        procedure.performed_at = patch.performed_at
    if patch.follow_up_at is not None:
        procedure.follow_up_at = patch.follow_up_at
    if patch.timezone is not None:
        procedure.patient.timezone = patch.timezone
    session.flush()
    plan_procedure(session, procedure_id=procedure.id, plans=plans, policy=policy, now=now)
    return procedure


def cancel(session: Session, *, procedure_id: int, reason: str) -> Procedure:
    procedure = get_procedure(session, procedure_id)
    if procedure.status == "cancelled":
        return procedure
    procedure.status = "cancelled"
    procedure.cancel_reason = reason
    cancel_unsent(session, procedure_id=procedure.id, reason=f"procedure cancelled: {reason}")
    return procedure


def describe(procedure: Procedure) -> ProcedureOut:
    p = procedure.patient
    return ProcedureOut(
        id=procedure.id, external_id=procedure.external_id,
        procedure_type=procedure.procedure_type, plan_version=procedure.plan_version,
        status=procedure.status, cancel_reason=procedure.cancel_reason,
        performed_at=procedure.performed_at, follow_up_at=procedure.follow_up_at,
        side=procedure.side, clinician=procedure.clinician,
        planned=procedure.planned_at is not None,
        patient=PatientOut(
            id=p.id, first_name=p.first_name, phone=p.phone, email=p.email,
            timezone=p.timezone, language=p.language, sms_consent=p.sms_consent,
            email_consent=p.email_consent, sms_opted_out=p.sms_opted_out_at is not None,
            external_id=p.external_id,
        ),
        messages=[
            MessageOut(
                id=m.id, step=m.step, channel=m.channel, kind=m.kind, status=m.status,
                due_at=m.due_at, local_time=m.local_due, reason=m.reason, attempts=m.attempts,
                sent_at=m.sent_at, delivered_at=m.delivered_at, provider_id=m.provider_id,
                provider_status=m.provider_status, error_code=m.error_code,
                subject=m.subject, body=m.body,
            )
            for m in procedure.messages
        ],
    )
