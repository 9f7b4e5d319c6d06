"""Retention: the words of messages and replies (and replies' photos) older than the clinic
keeps them are removed, in batches, each its own short transaction; the rows, their statuses and the
readings stay for the reports. Off unless `AFTERCARE_RETENTION_DAYS` is set.

Never removed: a message still to be sent or on its way, and a reply not yet read or still
open for a clinician (its words are what they review). A later run takes them once settled.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from aftercare import audit
from aftercare.db.models import Message, Reply
from aftercare.db.session import transaction
from aftercare.media.service import delete_reply_media
from aftercare.media.store import MediaStore

log = logging.getLogger(__name__)
BATCH = 500
# Per run: a first run over years of history is spread over several hourly runs, each
# giving its worker thread back after this long (about 400,000 rows at the measured rate).
BUDGET_SECONDS = 30.0
_UNSETTLED = ("planned", "sending")


@dataclass(frozen=True)
class Purged:
    messages: int
    replies: int
    cutoff: datetime | None


def purge_expired(*, sessions: sessionmaker[Session], days: int | None, now: datetime,
                  store: MediaStore, batch: int = BATCH,
                  budget_seconds: float = BUDGET_SECONDS,
                  max_batches: int | None = None) -> Purged:
    if not days:
        return Purged(0, 0, None)
    cutoff = now - timedelta(days=days)
    messages = replies = batches = 0
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline and (max_batches is None or batches < max_batches):
        batches += 1
        with transaction(sessions) as session:
            done_messages = _purge_messages(session, cutoff=cutoff, now=now, batch=batch)
            done_replies = _purge_replies(session, cutoff=cutoff, now=now, batch=batch,
                                          store=store)
        messages, replies = messages + done_messages, replies + done_replies
        if done_messages < batch and done_replies < batch:
            break
    if messages or replies:
        with transaction(sessions) as session:
            audit.record(session, actor="retention", action="purge_expired",
                         subject=f"older_than:{cutoff.date().isoformat()}", now=now,
                         detail={"messages": messages, "replies": replies, "days": days})
    log.info("retention: removed the words of %d messages and %d replies older than %s",
             messages, replies, cutoff.isoformat(),
             extra={"purged_messages": messages, "purged_replies": replies})
    return Purged(messages, replies, cutoff)


def _purge_messages(session: Session, *, cutoff: datetime, now: datetime, batch: int) -> int:
    # Oldest first, through the index of rows still holding their words.
    ids = list(session.scalars(
        select(Message.id).where(Message.body_purged_at.is_(None),
                                 Message.created_at < cutoff,
                                 Message.status.not_in(_UNSETTLED))
        .order_by(Message.created_at, Message.id).limit(batch)))
    if ids:
        session.execute(update(Message).where(Message.id.in_(ids)).values(
            body="", subject=None, to_address=None, body_purged_at=now),
            execution_options={"synchronize_session": False})
    return len(ids)


def _purge_replies(session: Session, *, cutoff: datetime, now: datetime, batch: int,
                   store: MediaStore) -> int:
    ids = list(session.scalars(
        select(Reply.id).where(Reply.body_purged_at.is_(None), Reply.received_at < cutoff,
                               Reply.review_status.not_in(("open", "pending")))
        .order_by(Reply.received_at, Reply.id).limit(batch)))
    if ids:
        session.execute(update(Reply).where(Reply.id.in_(ids)).values(
            body="", media=[], auto_response=None, body_purged_at=now),
            execution_options={"synchronize_session": False})
        delete_reply_media(session, store=store, reply_ids=ids)
    return len(ids)
