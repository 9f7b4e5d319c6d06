"""Claiming due messages: the claim, not a timer, is what prevents a double send.

A claim moves rows from "planned" to "sending" in one committed statement. On PostgreSQL
the candidate rows are locked with FOR UPDATE SKIP LOCKED, so any number of dispatchers take
disjoint batches without waiting on each other; on SQLite (one writer at a time) the UPDATE
re-checks the status, so a row another dispatcher took is simply not returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session, joinedload

from aftercare.db.models import Location, Message, Procedure
from aftercare.outbox.writer import URGENT

if TYPE_CHECKING:
    from aftercare.dispatch.ratelimit import SendLimiter

# A claim takes only as many paced SMS as the sender can start within this many seconds:
# the rest wait in the outbox, where a safety text written meanwhile can still overtake them.
PACING_HORIZON = 0.1


def claim_due(session: Session, *, now: datetime, limit: int, urgent_first: bool = True,
              limiter: SendLimiter | None = None) -> dict[int, float]:
    """Claim up to `limit` due rows: urgent ones first, then paced SMS as far as the sender
    has room, then the rest. Returns each row's id with the seconds until its send slot
    (0 when the channel is not paced), urgent rows first."""
    claimed: dict[int, float] = {}
    routine: ColumnElement[bool] = true()
    if urgent_first:
        claimed |= _slots(session, _claim(session, now, limit, Message.priority == URGENT),
                          limiter, urgent=True)
        routine = Message.priority != URGENT
    room = limiter.room(PACING_HORIZON) if limiter is not None else None
    left = limit - len(claimed)
    if room is None:
        rows = _claim(session, now, left, routine)
    else:
        rows = _claim(session, now, min(left, room), routine, Message.channel == "sms")
        rows += _claim(session, now, left - len(rows), routine, Message.channel == "email")
    claimed |= _slots(session, sorted(rows), limiter, urgent=False)
    return claimed


def own_senders(session: Session, ids: list[int]) -> dict[int, str]:
    """The SMS rows among `ids` that go from a location's own sender, with that sender (the
    rest go from the channel's)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Message.id, Location.sms_sender)
        .join(Procedure, Procedure.id == Message.procedure_id)
        .join(Location, Location.id == Procedure.location_id)
        .where(Message.id.in_(ids), Location.sms_sender != ""))
    return {row_id: sender for row_id, sender in rows}


def _claim(session: Session, now: datetime, limit: int, *where: ColumnElement[bool]
           ) -> list[tuple[int, str]]:
    """Move due rows to "sending" in one statement; returns (id, channel) of those taken."""
    if limit <= 0:
        return []
    candidates = (
        select(Message.id)
        .where(Message.status == "planned", Message.send_after <= now, *where)
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
        taken = Message.id.in_(ids)
    else:
        taken = Message.id.in_(candidates.scalar_subquery())
    stmt = (
        update(Message)
        .where(taken, Message.status == "planned")
        .values(status="sending", claimed_at=now, attempts=Message.attempts + 1)
        .returning(Message.id, Message.channel)
    )
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    return sorted((row_id, channel) for row_id, channel in result)


def _slots(session: Session, rows: list[tuple[int, str]], limiter: SendLimiter | None, *,
           urgent: bool) -> dict[int, float]:
    """Seconds until each row may go: its sender's next slots for SMS (a location's own
    number keeps its own pace), at once otherwise."""
    sms = [row_id for row_id, channel in rows if channel == "sms"]
    waits: dict[int, float] = {}
    if limiter is not None and sms:
        senders = own_senders(session, sms)
        by_sender: dict[str | None, list[int]] = {}
        for row_id in sms:
            by_sender.setdefault(senders.get(row_id), []).append(row_id)
        for sender, ids in by_sender.items():
            waits.update(zip(ids, limiter.reserve(len(ids), urgent=urgent, sender=sender),
                             strict=True))
    return {row_id: waits.get(row_id, 0.0) for row_id, _ in rows}


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


def renew_claims(session: Session, ids: list[int], *, claimed_at: datetime, now: datetime
                 ) -> set[int]:
    """Re-stamp our claim just before the provider calls, where it is still ours.

    A batch is claimed at once but sent a chunk at a time. If the batch took longer than
    the sending timeout (a slow provider, pacing), reconciliation may already have taken a
    row over and handed it to another dispatcher: sending it here too would text the patient
    twice. Reconciliation only takes rows whose claimed_at is older than the timeout, and
    re-stamps them; so "claimed_at is still our stamp" means no one took the row over, and
    the fresh stamp keeps reconciliation away while the chunk is sent (which must take less
    than the timeout: the Twilio client gives up at 10 s).
    """
    if not ids:
        return set()
    result = session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.status == "sending",
               Message.claimed_at == claimed_at)
        .values(claimed_at=now)
        .returning(Message.id),
        execution_options={"synchronize_session": False})
    return set(result.scalars().all())


def load_claimed(session: Session, ids: list[int]) -> list[Message]:
    """The rows still "sending", with patient and procedure, in one round trip."""
    return list(session.scalars(
        select(Message)
        .where(Message.id.in_(ids), Message.status == "sending")
        .options(joinedload(Message.patient), joinedload(Message.procedure))
        .order_by(Message.id)))
