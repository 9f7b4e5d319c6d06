"""The clinician queue: open replies, urgent first, then review, then routine, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, joinedload

from aftercare.careplans.schema import CarePlan
from aftercare.consent import opt_back_in_to_sms, opt_out_of_sms
from aftercare.db.models import Reply, Review
from aftercare.errors import InvalidRequest, NotFound
from aftercare.planning import PlanningPolicy
from aftercare.replies.matching import patients_for

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
               offset: int = 0, where: ColumnElement[bool] | None = None) -> list[QueueItem]:
    """Open replies, urgent first; `where` narrows them (a user's locations)."""
    query = (
        select(Reply)
        .where(Reply.review_status == "open", true() if where is None else where)
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


CONSENT_ACTIONS = {
    "opt_out": "Stopped texts at the patient's request",
    "opt_in": "Texts resumed at the patient's request",
}


def honour_texts_request(session: Session, *, reply_id: int, action: str, reviewer: str,
                         plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime
                         ) -> Review:
    """A patient asked in words to stop or restart texts: one tap by staff does what the
    STOP or START keyword would have done, and closes the reply as reviewed."""
    if action not in CONSENT_ACTIONS:
        raise InvalidRequest(("action",), f"unknown action {action!r}; known: "
                             + ", ".join(CONSENT_ACTIONS))
    reply = get_reply(session, reply_id)
    # An email reply has no number: it is its own patient's.
    patients = patients_for(session, reply.from_phone) or ([reply.patient] if reply.patient
                                                           else [])
    if not patients:
        raise InvalidRequest(("action",), "this number is not a patient's")
    if action == "opt_out":
        opt_out_of_sms(session, patients=patients, now=now,
                       reason=f"patient asked to stop texts (reply {reply.id}, by {reviewer})",
                       method="sms_reply", actor=reviewer)
    else:
        opt_back_in_to_sms(session, patients=patients, plans=plans, policy=policy, now=now,
                           method="sms_reply", actor=reviewer)
    review = Review(reply_id=reply.id, reviewer=reviewer, outcome="no_action_needed",
                    note=CONSENT_ACTIONS[action], created_at=now)
    session.add(review)
    reply.review_status = "reviewed"
    session.flush()
    return review
