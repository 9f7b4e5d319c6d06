"""Reading procedures: one by id, and as staff and their systems see it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aftercare.db.models import Patient, Procedure
from aftercare.errors import NotFound
from aftercare.procedures.schemas import MessageOut, PatientOut, ProcedureOut


def get_procedure(session: Session, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_id}")
    return procedure


def describe(procedure: Procedure) -> ProcedureOut:
    p = procedure.patient
    return ProcedureOut(
        id=procedure.id, external_id=procedure.external_id,
        procedure_type=procedure.procedure_type, location=procedure.location.key,
        plan_version=procedure.plan_version,
        status=procedure.status, cancel_reason=procedure.cancel_reason,
        performed_at=procedure.performed_at, follow_up_at=procedure.follow_up_at,
        side=procedure.side, clinician=procedure.clinician,
        planned=procedure.planned_at is not None, plan_error=procedure.plan_error,
        patient=patient_out(p),
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


def patient_out(p: Patient) -> PatientOut:
    return PatientOut(
        id=p.id, first_name=p.first_name, phone=p.phone, email=p.email,
        timezone=p.timezone, language=p.language, sms_consent=p.sms_consent,
        email_consent=p.email_consent, sms_opted_out=p.sms_opted_out_at is not None,
        external_id=p.external_id,
    )
