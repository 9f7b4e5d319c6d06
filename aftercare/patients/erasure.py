"""Erasing a patient at their request: their personal data and the words of every message
and reply go; the rows stay, with what reports count (procedures, statuses, triage, the
symptoms read, review times), and an audit entry says who erased whom, when and why.

What is personal: the patient's name, phone, email and ids from other systems; the words
of messages to them (they name the patient) and of alerts about them; the words of their
replies, their photos (files and addresses) and what the webhook answered; clinicians'
review notes.
What stays: the reading of each reply (symptom codes, no words), times and statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.db.models import ConsentEvent, Message, Patient, Procedure, Reply, Review
from aftercare.errors import InvalidRequest, NotFound
from aftercare.media.service import delete_reply_media
from aftercare.media.store import MediaStore
from aftercare.outbox import writer
from aftercare.procedures import service

ERASED_NAME = "(erased)"
REASON = "patient erased"


@dataclass(frozen=True)
class Erased:
    patient_id: int
    procedures: int
    messages: int
    replies: int


def erase_patient(session: Session, *, patient_id: int, reason: str, actor: str,
                  now: datetime, store: MediaStore) -> Erased:
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(("reason",), "say why the patient is erased (e.g. their "
                             "request of a date)")
    patient = session.get(Patient, patient_id, with_for_update=True)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    if patient.erased_at is not None:
        raise InvalidRequest(("patient",), f"patient {patient_id} was erased on "
                             f"{patient.erased_at:%Y-%m-%d}")
    procedure_ids = list(session.scalars(select(Procedure.id).where(
        Procedure.patient_id == patient_id)))
    for procedure_id in procedure_ids:  # nothing more is sent
        service.cancel(session, procedure_id=procedure_id, reason=REASON, actor=actor, now=now)
    reply_ids = list(session.scalars(select(Reply.id).where(Reply.patient_id == patient_id)))
    for row_id in session.scalars(select(Message.id).where(
            Message.patient_id == patient_id, Message.status == "planned")):
        writer.cancel(session, row_id=row_id, reason=REASON)
    messages = session.execute(update(Message).where(or_(
        Message.patient_id == patient_id, Message.reply_id.in_(reply_ids))).values(
        body="", subject=None, to_address=None, body_purged_at=now),
        execution_options={"synchronize_session": False}).rowcount  # type: ignore[attr-defined]
    session.execute(update(Reply).where(Reply.id.in_(reply_ids)).values(
        body="", from_phone="", from_email=None, media=[], auto_response=None,
        body_purged_at=now),
        execution_options={"synchronize_session": False})
    delete_reply_media(session, store=store, reply_ids=reply_ids)  # the photos, kept by us
    session.execute(update(Review).where(Review.reply_id.in_(reply_ids)).values(note=""),
                    execution_options={"synchronize_session": False})
    session.execute(update(ConsentEvent).where(ConsentEvent.patient_id == patient_id).values(
        note=None), execution_options={"synchronize_session": False})
    session.execute(update(Procedure).where(Procedure.id.in_(procedure_ids)).values(
        external_id=None), execution_options={"synchronize_session": False})
    # The phone goes too, so a text from that number later is a stranger's, not theirs.
    patient.first_name, patient.phone, patient.email = ERASED_NAME, "", None
    patient.external_id = None
    patient.sms_consent = patient.email_consent = False
    patient.erased_at = now
    erased = Erased(patient_id, len(procedure_ids), messages or 0, len(reply_ids))
    audit.record(session, actor=actor, action="erase_patient", subject=f"patient:{patient_id}",
                 now=now, detail={"reason": reason, "procedures": erased.procedures,
                                  "messages": erased.messages, "replies": erased.replies})
    session.flush()
    return erased
