"""Everything held about one patient, as JSON: their record, procedures, every message with
its words and statuses, every reply with its readings and reviews, the delivery reports of
their messages, their photos' records, the audit entries about them, and the same as a
FHIR Bundle."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from aftercare.db.models import (
    AuditEvent,
    Base,
    DeliveryEvent,
    Message,
    Patient,
    Procedure,
    Reply,
    ReplyMedia,
    ReplyReading,
    Review,
)
from aftercare.errors import NotFound
from aftercare.fhir.everything import everything

FORMAT = "aftercare-patient-export/1"


def export_patient(session: Session, *, patient_id: int) -> dict[str, Any]:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    procedures = _all(session, select(Procedure).where(Procedure.patient_id == patient_id)
                      .order_by(Procedure.id))
    replies = _all(session, select(Reply).where(Reply.patient_id == patient_id)
                   .order_by(Reply.id))
    reply_ids = [r["id"] for r in replies]
    messages = _all(session, select(Message).where(or_(
        Message.patient_id == patient_id, Message.reply_id.in_(reply_ids)))
        .order_by(Message.id))
    provider_ids = [m["provider_id"] for m in messages if m["provider_id"]]
    subjects = ([f"patient:{patient_id}"] + [f"procedure:{p['id']}" for p in procedures]
                + [f"reply:{i}" for i in reply_ids])
    return {
        "format": FORMAT,
        "patient": _row(patient),
        "procedures": procedures,
        "messages": messages,
        "replies": replies,
        "reply_readings": _all(session, select(ReplyReading).where(
            ReplyReading.reply_id.in_(reply_ids)).order_by(ReplyReading.id)),
        "reviews": _all(session, select(Review).where(Review.reply_id.in_(reply_ids))
                        .order_by(Review.id)),
        # The photos themselves are files (or bucket objects) under `storage_key`.
        "photos": _all(session, select(ReplyMedia).where(ReplyMedia.reply_id.in_(reply_ids))
                       .order_by(ReplyMedia.id)),
        "delivery_events": _all(session, select(DeliveryEvent).where(
            DeliveryEvent.provider_id.in_(provider_ids)).order_by(DeliveryEvent.id)),
        "audit_events": _all(session, select(AuditEvent).where(
            AuditEvent.subject.in_(subjects)).order_by(AuditEvent.id)),
        "fhir": everything(session, patient_id=patient_id).model_dump(mode="json",
                                                                       exclude_none=True),
    }


def _all(session: Session, query: Any) -> list[dict[str, Any]]:
    return [_row(row) for row in session.scalars(query)]


def _row(row: Base) -> dict[str, Any]:
    """Every column, as JSON: times in ISO 8601 UTC."""
    values = {}
    for column in inspect(type(row)).columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values
