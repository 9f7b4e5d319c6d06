"""Twilio's status callbacks recorded many to a transaction.

Twilio calls back two or three times per message sent (queued, sent, delivered): at 1,000
messages/s, 2,000-3,000 callbacks a second. Each webhook hands its callback to one writer
per process and waits for the commit (db/batch_writer.py); the writer records what has
queued up meanwhile with one INSERT of the events, one SELECT ... FOR UPDATE of their
messages and the changed rows' UPDATEs, then commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.batch_writer import BatchWriter
from aftercare.db.session import transaction
from aftercare.dispatch.delivery import StatusCallback, record_statuses


class StatusIntake(BatchWriter[StatusCallback, bool]):
    """`submit(callback)`: the future says whether it queued an email fallback."""

    def __init__(self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime],
                 on_fallback: Callable[[], None]) -> None:
        def record(callbacks: list[StatusCallback]) -> list[bool]:
            with transaction(sessions) as session:
                queued = record_statuses(session, callbacks, now=clock())
            # Only an undelivered check-in's email fallback needs sending now: waking
            # dispatch on every callback would enqueue two or three tasks per message sent.
            if any(queued):
                on_fallback()
            return queued

        super().__init__(record, name="aftercare-status", what="the status callback")
