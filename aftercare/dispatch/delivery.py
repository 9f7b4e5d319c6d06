"""Twilio status callbacks: delivery recorded once, never stepped backwards; an undelivered
check-in falls back to email when the patient agreed to email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aftercare.db.models import DeliveryEvent, Message

# Twilio's flow: queued/accepted -> sending -> sent -> delivered | undelivered; failed if
# never sent. Callbacks arrive out of order: a lower rank never overwrites a higher one.
RANK = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
        "delivered": 3, "undelivered": 3, "failed": 3, "canceled": 3, "read": 4}
FINAL = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed",
         "read": "delivered"}


def record_status(session: Session, *, provider_id: str, status: str,
                  error_code: str | None, now: datetime) -> bool:
    """Store the callback once and apply it. True when it queued an email to go now (the
    fallback for an undelivered check-in); most callbacks queue nothing."""
    status = status.lower()
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    session.execute(
        insert(DeliveryEvent).values(provider_id=provider_id, status=status,
                                     error_code=error_code or None, received_at=now)
        .on_conflict_do_nothing(index_elements=["provider_id", "status"]))
    messages = session.scalars(select(Message).where(Message.provider_id == provider_id)).all()
    queued = [apply_event(session, message, status, error_code or None, now)
              for message in messages]
    return any(queued)


def apply_stored_events(session: Session, message: Message, now: datetime) -> None:
    """Callbacks that came before the send's own commit recorded the sid."""
    if not message.provider_id:
        return
    for event in session.scalars(select(DeliveryEvent)
                                 .where(DeliveryEvent.provider_id == message.provider_id)):
        apply_event(session, message, event.status, event.error_code, now)


def apply_event(session: Session, message: Message, status: str, error_code: str | None,
                now: datetime) -> bool:
    """Apply one callback to its message. True when it queued the email fallback."""
    if status not in RANK:
        return False
    if RANK[status] <= RANK.get(message.provider_status or "queued", 0) \
            and message.provider_status is not None:
        return False  # older news, or the same news again
    message.provider_status = status
    if error_code:
        message.error_code = error_code
    final = FINAL.get(status)
    if final is None or message.status not in ("sent", "sending"):
        return False
    message.status = final
    if final == "delivered":
        message.delivered_at = now
        return False
    message.reason = f"carrier reported {status}" + (f" (error {error_code})"
                                                    if error_code else "")
    return _fall_back_to_email(session, message, now)


def _fall_back_to_email(session: Session, message: Message, now: datetime) -> bool:
    """A check-in that never reached the phone still asks its question by email."""
    patient = message.patient
    if (message.kind != "check_in" or message.channel != "sms" or patient is None
            or not (patient.email_consent and patient.email)):
        return False
    key = f"fallback:{message.id}:email"
    if session.scalar(select(Message.id).where(Message.dedupe_key == key)) is not None:
        return False
    session.add(Message(
        dedupe_key=key, procedure_id=message.procedure_id, patient_id=message.patient_id,
        audience="patient", step=message.step, channel="email", kind=message.kind,
        status="planned", due_at=now, send_after=now, local_due=now.isoformat(),
        language=message.language, subject=_subject(message.language), body=message.body,
        attempts=0, reason="the text was not delivered; sent by email instead",
    ))
    return True


def _subject(language: str) -> str:
    return "Un mensaje sobre sus cuidados" if language == "es" else "A message about your aftercare"
