"""Reading every stored reply not read yet: what the webhook's wake-up runs, and beat every
30 s as the safety net (a wake-up lost with a process or a broker outage)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
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
                page: int = 5, budget_seconds: float = 20.0) -> ReadReport:
    """Every unread reply, red flags first (see inbound.unread_rank), then oldest first, each
    in its own transaction: one that fails to read is set aside for a person (see
    processing.set_aside) and does not hold up the others. Small pages: a red flag stored
    meanwhile waits for one page at most. After `budget_seconds` the run ends and the rest
    is the next wake-up's, so under a steady stream the worker thread is handed back."""
    report = ReadReport()
    passed: set[int] = set()  # left unread (a database error, another reader): not again
    until = time.monotonic() + budget_seconds
    while time.monotonic() < until:
        with sessions() as session:
            ids = session.scalars(
                select(Reply.id).where(Reply.read_at.is_(None), Reply.keyword.is_(None),
                                       Reply.id.not_in(passed))
                .order_by(Reply.triage_rank, Reply.id).limit(page)).all()
        if not ids:
            break
        _read_page(ids, sessions=sessions, plans=plans, settings=settings, clock=clock,
                   queue=queue, report=report)
        with sessions() as session:
            passed.update(session.scalars(select(Reply.id).where(
                Reply.id.in_(ids), Reply.read_at.is_(None), Reply.keyword.is_(None))))
    return report


def _read_page(ids: Sequence[int], *, sessions: sessionmaker[Session],
               plans: dict[str, CarePlan], settings: Settings, clock: Callable[[], datetime],
               queue: TaskQueue, report: ReadReport) -> None:
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
