"""A procedure's timeline: every message, every reply with its reading, every review, in the
order they happened (planned messages at the time they are due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from aftercare.db.models import Message, Procedure, Reply, Review

MESSAGE_STATES = {
    "planned": "Planned",
    "sending": "Sending",
    "sent": "Sent",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "failed": "Failed",
    "skipped": "Skipped",
    "cancelled": "Cancelled",
}
TRIAGE_LABELS = {"urgent": "Urgent", "review": "Review", "routine": "Routine", "none": "None"}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: Literal["message", "reply", "review"]
    message: Message | None = None
    reply: Reply | None = None
    review: Review | None = None


def message_time(message: Message) -> datetime:
    return message.delivered_at or message.sent_at or message.due_at


def replies_for(session: Session, procedure_id: int) -> list[Reply]:
    return list(session.scalars(
        select(Reply).where(Reply.procedure_id == procedure_id)
        .options(selectinload(Reply.reviews), selectinload(Reply.answers))
        .order_by(Reply.received_at, Reply.id)))


def timeline(procedure: Procedure, replies: list[Reply]) -> list[Event]:
    events = [Event(at=m.sent_at or m.due_at, kind="message", message=m)
              for m in procedure.messages if m.audience == "patient"]
    for reply in replies:
        events.append(Event(at=reply.received_at, kind="reply", reply=reply))
        events.extend(Event(at=r.created_at, kind="review", review=r, reply=reply)
                      for r in reply.reviews)
    order = {"message": 0, "reply": 1, "review": 2}
    return sorted(events, key=lambda e: (e.at, order[e.kind]))


def message_counts(procedure: Procedure) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in procedure.messages:
        if m.audience == "patient":
            counts[m.status] = counts.get(m.status, 0) + 1
    return counts
