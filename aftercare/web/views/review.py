"""What a clinician sees around one reply: the check-in it answers, the patient's other
recent replies, and the reviews so far."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Reply

TRIAGE_FILTERS = (("", "All open"), ("urgent", "Urgent"), ("review", "Review"),
                  ("routine", "Routine"))


def recent_replies(session: Session, reply: Reply, *, limit: int = 10) -> list[Reply]:
    """The same patient's (or, for an unknown number, the same phone's) other replies."""
    who = (Reply.patient_id == reply.patient_id if reply.patient_id is not None
           else Reply.from_phone == reply.from_phone)
    return list(session.scalars(
        select(Reply).where(who, Reply.id != reply.id)
        .order_by(Reply.received_at.desc(), Reply.id.desc()).limit(limit)))


def open_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Reply.triage, func.count()).where(
        Reply.review_status == "open").group_by(Reply.triage))
    return {str(triage): n for triage, n in rows}

