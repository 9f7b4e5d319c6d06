"""Claiming due messages: the claim, not a timer, is what prevents a double send.

A claim moves rows from "planned" to "sending" in one committed statement. On PostgreSQL
the candidate rows are locked with FOR UPDATE SKIP LOCKED, so any number of dispatchers take
disjoint batches without waiting on each other; on SQLite (one writer at a time) the UPDATE
re-checks the status, so a row another dispatcher took is simply not returned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aftercare.db.models import Message


def claim_due(session: Session, *, now: datetime, limit: int) -> list[int]:
    candidates = (
        select(Message.id)
        .where(Message.status == "planned", Message.send_after <= now)
        .order_by(Message.send_after, Message.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT ... SKIP LOCKED): with
        # stale statistics PostgreSQL may run that subquery once per outer row and claim the
        # whole backlog in one go. The locks taken here hold until the claim commits.
        ids = session.scalars(candidates.with_for_update(skip_locked=True)).all()
        if not ids:
            return []
        where = Message.id.in_(ids)
    else:
        where = Message.id.in_(candidates.scalar_subquery())
    stmt = (
        update(Message)
        .where(where, Message.status == "planned")
        .values(status="sending", claimed_at=now, attempts=Message.attempts + 1)
        .returning(Message.id)
    )
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    return sorted(result.scalars().all())


def claim_stuck(session: Session, *, older_than: datetime, now: datetime, limit: int
                ) -> list[int]:
    """Rows left in "sending" by a crashed worker. Re-stamping claimed_at is the claim."""
    candidates = (
        select(Message.id)
        .where(Message.status == "sending", Message.claimed_at < older_than)
        .order_by(Message.claimed_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(Message)
        .where(Message.id.in_(candidates.scalar_subquery()), Message.status == "sending",
               Message.claimed_at < older_than)
        .values(claimed_at=now)
        .returning(Message.id)
    )
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    return sorted(result.scalars().all())
