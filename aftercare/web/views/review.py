"""What a clinician sees around one reply: the check-in it answers, the patient's other
recent replies, and the reviews so far."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Reply
from aftercare.locations.scope import Scope

TRIAGE_FILTERS = (("", "All open"), ("urgent", "Urgent"), ("review", "Review"),
                  ("routine", "Routine"))


def recent_replies(session: Session, reply: Reply, scope: Scope, *, limit: int = 10
                   ) -> list[Reply]:
    """The same patient's (or, for an unknown number, the same phone's) other replies, at
    the locations the user sees."""
    who = (Reply.patient_id == reply.patient_id if reply.patient_id is not None
           else Reply.from_email == reply.from_email if reply.from_email
           else Reply.from_phone == reply.from_phone)
    return list(session.scalars(
        select(Reply).where(who, Reply.id != reply.id, scope.replies())
        .order_by(Reply.received_at.desc(), Reply.id.desc()).limit(limit)))


def open_counts(session: Session, scope: Scope) -> dict[str, int]:
    rows = session.execute(select(Reply.triage, func.count()).where(
        Reply.review_status == "open", scope.replies()).group_by(Reply.triage))
    return {str(triage): n for triage, n in rows}

