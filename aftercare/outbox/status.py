"""Twilio status callbacks: delivery recorded once, never stepped backwards; an undelivered
check-in falls back to email when the patient agreed to email."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import DeliveryEvent, Message
from aftercare.db.session import after_commit
from aftercare.db.upsert import insert_ignoring
from aftercare.outbox import writer
from aftercare.queue import TaskQueue

# Twilio's flow: queued/accepted -> sending -> sent -> delivered | undelivered; failed if
# never sent. Callbacks arrive out of order: a lower rank never overwrites a higher one.
RANK = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
        "delivered": 3, "undelivered": 3, "failed": 3, "canceled": 3, "read": 4}
FINAL = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed",
         "read": "delivered"}


@dataclass(frozen=True)
class StatusCallback:
    provider_id: str  # Twilio's MessageSid
    status: str
    error_code: str | None = None


def record_statuses(session: Session, callbacks: list[StatusCallback], *, now: datetime,
                    queue: TaskQueue) -> list[bool]:
    """Store each callback once and apply them in order, in one INSERT and one SELECT for
    any number. Per callback: True when it queued an email to go now (the fallback for an
    undelivered check-in), which wakes dispatch once committed; most queue nothing."""
    callbacks = [StatusCallback(c.provider_id, c.status.lower(), c.error_code or None)
                 for c in callbacks]
    session.execute(
        insert_ignoring(session, DeliveryEvent, "provider_id", "status"),
        [{"provider_id": c.provider_id, "status": c.status, "error_code": c.error_code,
          "received_at": now} for c in callbacks])
    found = (select(Message)
             .where(Message.provider_id.in_(sorted({c.provider_id for c in callbacks})))
             .order_by(Message.id))
    if session.get_bind().dialect.name == "postgresql":
        # Locked in id order: callbacks for one message handled by two API processes at once
        # apply one after the other (never "sent" over "delivered"), without deadlocks.
        found = found.with_for_update()
    by_sid: dict[str, list[Message]] = defaultdict(list)
    for message in session.scalars(found):
        by_sid[message.provider_id or ""].append(message)
    queued = [any([apply_event(session, message, c.status, c.error_code, now)
                   for message in by_sid[c.provider_id]]) for c in callbacks]
    if any(queued):
        after_commit(session, queue.dispatch_now)
    return queued


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
    return writer.insert(session, [writer.NewMessage(
        dedupe_key=writer.dedupe_key("fallback", message.id, message.step, "email"),
        procedure_id=message.procedure_id, patient_id=message.patient_id, step=message.step,
        channel="email", kind=message.kind, due_at=now, local_due=now.isoformat(),
        language=message.language, subject=_subject(message.language), body=message.body,
        reason="the text was not delivered; sent by email instead",
        # As late as the text it replaces may go, no later.
        expires_at=message.expires_at)]) > 0


def _subject(language: str) -> str:
    return "Un mensaje sobre sus cuidados" if language == "es" else "A message about your aftercare"
