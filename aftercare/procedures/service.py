"""Logging, reading, rescheduling and cancelling procedures. Callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Procedure
from aftercare.procedures.errors import InvalidRequest, NotFound
from aftercare.procedures.logbook import InvalidBatch, log_procedures
from aftercare.procedures.outbox import PlanningPolicy, cancel_unsent, plan_procedure
from aftercare.procedures.schemas import (
    MessageOut,
    PatientOut,
    ProcedureIn,
    ProcedureOut,
    ProcedurePatch,
)


def log_procedure(
    session: Session, *, request: ProcedureIn, plans: dict[str, CarePlan], phone_region: str,
) -> tuple[Procedure, bool]:
    """Record one procedure and its patient (see logbook.log_procedures). Returns
    (procedure, created); created is False when its `external_id` was logged before."""
    try:
        (logged,) = log_procedures(session, requests=[request], plans=plans,
                                   phone_region=phone_region)
    except InvalidBatch as exc:
        first = exc.problems[0]
        raise InvalidRequest(first.field[1:], first.message) from None
    return get_procedure(session, logged.procedure_id), logged.created


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
