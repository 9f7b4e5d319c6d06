"""Storing inbound replies raw, as they came: one statement for any number of them.

The webhook hands its row to the reply writer (db/batch_writer.py), so at busy times many
replies share one INSERT and one commit; Twilio gets its 200 only after the commit. Retries
of a stored MessageSid are not inserted again (ON CONFLICT DO NOTHING) and come back as not
created. The reading happens in the worker, woken once the rows have committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from aftercare.db.models import Reply
from aftercare.db.session import after_commit
from aftercare.db.upsert import insert_ignoring
from aftercare.queue import TaskQueue

REPLIES = cast(Table, Reply.__table__)


@dataclass(frozen=True)
class Stored:
    reply_id: int
    created: bool
    auto_response: str | None  # what TwiML answers (keywords only)
    keyword: str | None = None


def store_replies(session: Session, rows: list[dict[str, Any]], *, queue: TaskQueue
                  ) -> list[Stored]:
    """Insert the rows (the columns of `replies`); one result per row, in order. A sid
    already stored (or twice in this call) is not inserted again."""
    conn = session.connection()
    stmt = insert_ignoring(session, REPLIES, "message_sid").returning(REPLIES.c.id,
                                                                     REPLIES.c.message_sid)
    fresh = {sid: reply_id for reply_id, sid in conn.execute(stmt, _first_of_each(rows))}
    known = {}
    retried = {row["message_sid"] for row in rows} - fresh.keys()
    if retried:
        known = {sid: (reply_id, auto) for reply_id, sid, auto in conn.execute(
            select(REPLIES.c.id, REPLIES.c.message_sid, REPLIES.c.auto_response)
            .where(REPLIES.c.message_sid.in_(retried)))}
    if fresh:
        after_commit(session, queue.wake_reading)
    results, seen = [], set()
    for row in rows:
        sid = row["message_sid"]
        if sid in fresh:
            results.append(Stored(fresh[sid], sid not in seen, None))
        else:
            reply_id, auto = known[sid]
            results.append(Stored(reply_id, False, auto))
        seen.add(sid)
    return results


def _first_of_each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_sid: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_sid.setdefault(row["message_sid"], row)
    return list(by_sid.values())
