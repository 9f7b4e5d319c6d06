"""Whose reply is it, and which check-in does it answer? Matched by the sender's phone.

A family may share one phone, and a patient may have several procedures: the reply goes to
the latest check-in texted to that number within the reply window, else to the patient we
texted most recently and their latest procedure. A number not on file matches nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Patient, Procedure, Reply


def patients_for(session: Session, phone: str) -> list[Patient]:
    """Everyone on file with this number, the one we texted most recently first."""
    patients = list(session.scalars(select(Patient).where(Patient.phone == phone)))
    if len(patients) < 2:
        return patients
    rows = session.execute(
        select(Message.patient_id, func.max(Message.sent_at))
        .where(Message.patient_id.in_([p.id for p in patients]))
        .group_by(Message.patient_id))
    last_sent = {patient_id: sent_at for patient_id, sent_at in rows}
    return sorted(patients, key=lambda p: last_sent.get(p.id) or p.created_at, reverse=True)


def attach_sender(session: Session, reply: Reply, patients: list[Patient], *,
                  window_hours: int) -> None:
    """Set the reply's patient, procedure and answered check-in (as of when it arrived)."""
    checkin = _answered_check_in(session, patients, reply.received_at, window_hours)
    if checkin is not None:
        reply.patient_id, reply.procedure_id = checkin.patient_id, checkin.procedure_id
        reply.answers_message_id = checkin.id
    elif patients:
        reply.patient_id = patients[0].id
        reply.procedure_id = session.scalar(
            select(Procedure.id).where(Procedure.patient_id == patients[0].id)
            .order_by(Procedure.performed_at.desc()).limit(1))


def _answered_check_in(session: Session, patients: list[Patient], received_at: datetime,
                       window_hours: int) -> Message | None:
    """The latest check-in texted to this number within the window, across procedures."""
    if not patients:
        return None
    return session.scalars(
        select(Message).where(
            Message.patient_id.in_([p.id for p in patients]), Message.kind == "check_in",
            Message.channel == "sms", Message.status.in_(("sent", "delivered")),
            Message.sent_at >= received_at - timedelta(hours=window_hours),
            Message.sent_at <= received_at)
        .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
    ).first()
