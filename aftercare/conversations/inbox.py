"""Replies from numbers (or email addresses) not on file: the inbox staff open, and
attaching one to a patient, after which it is read as that patient's reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Patient, Procedure, Reply
from aftercare.errors import InvalidRequest, NotFound
from aftercare.queue import TaskQueue
from aftercare.replies.processing import apply_reading, check_in_context
from aftercare.replies.reading import read_reply
from aftercare.settings import Settings


def unmatched(session: Session, *, where: ColumnElement[bool], limit: int = 100
              ) -> list[Reply]:
    """Replies nobody on file sent, newest first (keywords too: a STOP from a stranger is
    worth seeing)."""
    return list(session.scalars(
        select(Reply).where(Reply.patient_id.is_(None), Reply.body_purged_at.is_(None), where)
        .order_by(Reply.received_at.desc(), Reply.id.desc()).limit(limit)))


def attach(session: Session, *, reply_id: int, patient_id: int, settings: Settings,
           plans: dict[str, CarePlan], now: datetime, queue: TaskQueue) -> Reply:
    """The reply is this patient's, about their latest procedure: read it again as theirs
    (their language, no "number not on file" rule), with what triage then asks for."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"no reply {reply_id}")
    if reply.patient_id is not None:
        raise InvalidRequest(("patient",), "this reply is already a patient's")
    patient = session.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        raise InvalidRequest(("patient",), f"no patient {patient_id}")
    procedure = session.scalars(
        select(Procedure).where(Procedure.patient_id == patient.id)
        .order_by(Procedure.performed_at.desc(), Procedure.id.desc()).limit(1)).first()
    if procedure is None:
        raise InvalidRequest(("patient",), "this patient has no procedure")
    reply.patient_id, reply.procedure_id = patient.id, procedure.id
    reply.location_id = procedure.location_id
    session.flush()
    session.refresh(reply, ["patient", "procedure"])
    if reply.keyword is not None or reply.read_at is None:
        return reply  # a keyword was answered at once; an unread one is read as theirs
    reading = read_reply(reply.body, language=patient.language,
                         check_in=check_in_context(reply, plans))
    apply_reading(session, reply=reply, reading=reading, settings=settings, now=now,
                  queue=queue, plans=plans)
    return reply
