"""A conversation: what we sent a patient (or a number) and what they wrote back,
interleaved by time, with who wrote each of our texts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Reply

# Care plan messages still ahead are the timeline's business; a person's answer shows
# from the moment it is written, held or not.
LEFT = ("sending", "sent", "delivered", "undelivered", "failed")


@dataclass(frozen=True)
class Entry:
    at: datetime
    direction: Literal["in", "out"]
    channel: str
    body: str
    who: str  # "the patient", the sender's email, or "aftercare" for the service's own
    status: str | None = None  # an outgoing message's
    reply_id: int | None = None


def for_patient(session: Session, patient_id: int, *, limit: int = 200) -> list[Entry]:
    messages = session.scalars(select(Message).where(
        Message.patient_id == patient_id, Message.audience == "patient",
        (Message.status.in_(LEFT)) | (Message.sent_by.is_not(None)))
        .order_by(Message.id.desc()).limit(limit))
    replies = session.scalars(select(Reply).where(Reply.patient_id == patient_id)
                              .order_by(Reply.id.desc()).limit(limit))
    return _merge(messages, replies)


def for_number(session: Session, phone: str, *, limit: int = 200) -> list[Entry]:
    """A number not on file: its texts, and our answers to it."""
    messages = session.scalars(select(Message).where(
        Message.patient_id.is_(None), Message.to_address == phone,
        Message.audience == "patient").order_by(Message.id.desc()).limit(limit))
    replies = session.scalars(select(Reply).where(
        Reply.patient_id.is_(None), Reply.from_phone == phone)
        .order_by(Reply.id.desc()).limit(limit))
    return _merge(messages, replies)


def for_email(session: Session, address: str, *, limit: int = 200) -> list[Entry]:
    """An email address not on file: its emails (we do not answer by email)."""
    replies = session.scalars(select(Reply).where(
        Reply.patient_id.is_(None), Reply.from_email == address)
        .order_by(Reply.id.desc()).limit(limit))
    return _merge([], replies)


def _merge(messages: Iterable[Message], replies: Iterable[Reply]) -> list[Entry]:
    entries = [Entry(at=m.sent_at or m.created_at, direction="out", channel=m.channel,
                     body=m.body, who=m.sent_by or "aftercare", status=m.status)
               for m in messages]
    for r in replies:
        entries.append(Entry(at=r.received_at, direction="in", channel=r.channel,
                             body=r.body, who=r.from_email or "the patient", reply_id=r.id))
        if r.auto_response:
            entries.append(Entry(at=r.received_at, direction="out", channel="sms",
                                 body=r.auto_response, who="aftercare", status="sent"))
    return sorted(entries, key=lambda e: (e.at, e.direction == "out"))
