"""A safety net: replies stored but never read (broker down at commit) are queued again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.bootstrap import TaskQueue
from aftercare.db.models import Reply


def read_unread(*, sessions: sessionmaker[Session], queue: TaskQueue,
                clock: Callable[[], datetime], older_than: timedelta = timedelta(seconds=30)
                ) -> int:
    with sessions() as session:
        ids = session.scalars(
            select(Reply.id).where(Reply.read_at.is_(None), Reply.keyword.is_(None),
                                   Reply.received_at < clock() - older_than)
            .order_by(Reply.id).limit(500)).all()
    for reply_id in ids:
        queue.process_reply(reply_id)
    return len(ids)
