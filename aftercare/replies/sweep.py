"""Reading every stored reply not read yet: what the webhook's wake-up runs, and beat every
30 s as the safety net (a wake-up lost with a process or a broker outage)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Reply
from aftercare.db.session import transaction
from aftercare.queue import TaskQueue
from aftercare.replies.processing import process_reply, set_aside
from aftercare.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ReadReport:
    read: int = 0
    urgent: int = 0
    failed: int = 0


def read_unread(*, sessions: sessionmaker[Session], plans: dict[str, CarePlan],
                settings: Settings, clock: Callable[[], datetime], queue: TaskQueue,
                page: int = 500) -> ReadReport:
    """Every unread reply there is, oldest first, each in its own transaction: one that fails
    to read is set aside for a person (see processing.set_aside) and does not hold up the
    others."""
    report = ReadReport()
    after = 0
    while True:
        with sessions() as session:  # pages by id, so a reply that failed is not met again
            ids = session.scalars(
                select(Reply.id).where(Reply.read_at.is_(None), Reply.keyword.is_(None),
                                       Reply.id > after)
                .order_by(Reply.id).limit(page)).all()
        if not ids:
            return report
        after = ids[-1]
        for reply_id in ids:
            try:
                with transaction(sessions) as session:
                    urgent = process_reply(session, reply_id=reply_id, plans=plans,
                                           settings=settings, now=clock(), queue=queue)
            except (OperationalError, InterfaceError):
                report.failed += 1  # the database, not the reply: the next run tries again
                log.exception("could not read reply %s; the next run tries again", reply_id)
                continue
            except Exception as exc:
                # Reading it again would fail the same way: a person reads it instead.
                report.failed += 1
                log.warning("could not read reply %s; set aside for review", reply_id,
                            exc_info=True)
                try:
                    with transaction(sessions) as session:
                        set_aside(session, reply_id=reply_id, exc=exc, now=clock())
                except Exception:  # left unread for the next run; the others still go on
                    log.exception("could not set reply %s aside either", reply_id)
                continue
            report.read += 1
            report.urgent += urgent
