"""The clinician queue: open replies, urgent first, then review, then routine, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from aftercare.db.models import Reply, Review
from aftercare.errors import InvalidRequest, NotFound

OUTCOMES = {
    "called_patient": "Called the patient",
    "no_action_needed": "No action needed",
    "booked_visit": "Booked a visit",
    "sent_to_emergency_care": "Sent to emergency care",
}


@dataclass(frozen=True)
class QueueItem:
    reply: Reply

    @property
    def id(self) -> int:
        return self.reply.id


def open_queue(session: Session, *, triage: str | None = None, limit: int = 50,
               offset: int = 0) -> list[QueueItem]:
    query = (
        select(Reply)
        .where(Reply.review_status == "open")
        .order_by(Reply.triage_rank, Reply.received_at, Reply.id)
        .options(joinedload(Reply.patient), joinedload(Reply.answers))
        .limit(limit).offset(offset)
    )
    if triage is not None:
        query = query.where(Reply.triage == triage)
    return [QueueItem(r) for r in session.scalars(query)]


def get_reply(session: Session, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"no reply {reply_id}")
    return reply


def record_review(session: Session, *, reply_id: int, reviewer: str, outcome: str, note: str,
                  now: datetime) -> Review:
    if outcome not in OUTCOMES:
        raise InvalidRequest(("outcome",), f"unknown outcome {outcome!r}; known: "
                             + ", ".join(OUTCOMES))
    reply = get_reply(session, reply_id)
    review = Review(reply_id=reply.id, reviewer=reviewer, outcome=outcome, note=note,
                    created_at=now)
    session.add(review)
    reply.review_status = "reviewed"
    session.flush()
    return review
