"""An urgent reply nobody has reviewed: alert on-call again, then the backup contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import Reply
from aftercare.db.session import transaction
from aftercare.queue import TaskQueue
from aftercare.replies.processing import queue_urgent_messages
from aftercare.settings import Settings

LAST_LEVEL = 3  # 1 first alert, 2 on-call again, 3 backup


def escalate_unreviewed(*, sessions: sessionmaker[Session], settings: Settings,
                        clock: Callable[[], datetime], queue: TaskQueue) -> int:
    """Returns how many replies were escalated; their alerts go at once."""
    now = clock()
    cutoff = now - timedelta(minutes=settings.escalation_minutes)
    with sessions() as session:
        due = session.execute(
            select(Reply.id, Reply.escalation_level).where(
                Reply.triage == "urgent", Reply.review_status == "open",
                Reply.escalation_level.between(1, LAST_LEVEL - 1),
                Reply.last_alerted_at < cutoff)
            .order_by(Reply.received_at).limit(200)
        ).all()
    escalated = 0
    for reply_id, level in due:
        with transaction(sessions) as session:
            # The conditional UPDATE is the claim: two beat replicas cannot both escalate.
            claimed = session.execute(
                update(Reply).where(Reply.id == reply_id, Reply.escalation_level == level,
                                    Reply.review_status == "open")
                .values(escalation_level=level + 1, last_alerted_at=now),
                execution_options={"synchronize_session": False},
            ).rowcount  # type: ignore[attr-defined]
            if not claimed:
                continue
            reply = session.get(Reply, reply_id)
            assert reply is not None
            queue_urgent_messages(session, reply=reply, settings=settings, now=now,
                                  level=level + 1, queue=queue)
            escalated += 1
    return escalated
