"""Work that is not moving: rows set aside because they could not be planned, sent or read,
and procedures still unplanned minutes after they were logged. Counted for /metrics, named
by `aftercare doctor` and /readyz, so a bad row is seen rather than silently skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Procedure, Reply

# Planning is woken at once and swept every 30 s: a procedure unplanned after this is stuck.
UNPLANNED_AFTER = timedelta(minutes=5)
# Set-aside messages end as "failed" for good; recent ones are news, older ones history.
RECENT_MESSAGES = timedelta(hours=24)
SET_ASIDE_PREFIX = "set aside:"


@dataclass(frozen=True)
class StuckWork:
    procedures_set_aside: int  # active, unplanned, with plan_error: staff fix or cancel them
    procedures_unplanned: int  # active, logged over UNPLANNED_AFTER ago, not planned
    messages_set_aside: int  # every message set aside by dispatch
    messages_set_aside_recently: int  # within RECENT_MESSAGES
    replies_set_aside: int  # every reply the reader could not read (open ones, without totals)
    replies_set_aside_open: int  # of those, not reviewed yet

    def problems(self) -> list[tuple[str, str]]:
        """(what is stuck, what to do), one per kind of stuck work; empty when none is."""
        found = []
        if self.procedures_set_aside:
            found.append((f"{self.procedures_set_aside} procedure(s) set aside by planning "
                          "(\"Not planned\" on their page)",
                          "correct the date or time zone with Reschedule, or cancel them"))
        if self.procedures_unplanned:
            minutes = int(UNPLANNED_AFTER.total_seconds() // 60)
            found.append((f"{self.procedures_unplanned} procedure(s) logged over {minutes} "
                          "min ago are still not planned",
                          "check the worker and beat are running and every procedure "
                          "type has its care plan in schedules/"))
        if self.messages_set_aside_recently:
            hours = int(RECENT_MESSAGES.total_seconds() // 3600)
            found.append((f"{self.messages_set_aside_recently} message(s) set aside by "
                          f"dispatch in the last {hours} h (failed, \"set aside: ...\")",
                          "read the reason on each procedure's timeline and correct the "
                          "patient's details"))
        if self.replies_set_aside_open:
            found.append((f"{self.replies_set_aside_open} reply(ies) could not be read "
                          "automatically", "a clinician reads them in the review queue"))
        return found


def stuck_work(session: Session, *, now: datetime, totals: bool = True) -> StuckWork:
    """Each count reads an index: procedures set aside are unplanned ones (a partial index),
    messages set aside are failed ones, open replies are the queue's. Without `totals` (a
    probe asked often) the replies ever set aside are not counted: that one reads them all."""
    unplanned = (Procedure.status == "active") & Procedure.planned_at.is_(None)
    procedures_set_aside, procedures_unplanned = session.execute(
        select(func.count().filter(Procedure.plan_error.is_not(None)),
               func.count().filter(Procedure.plan_error.is_(None),
                                   Procedure.created_at < now - UNPLANNED_AFTER))
        .where(unplanned)).one()
    set_aside = (Message.status == "failed") & Message.reason.startswith(SET_ASIDE_PREFIX)
    messages, recent = session.execute(
        select(func.count(),
               func.count().filter(Message.updated_at >= now - RECENT_MESSAGES))
        .where(set_aside)).one()
    replies_open = session.scalar(
        select(func.count()).where(Reply.review_status == "open",
                                   Reply.read_error.is_not(None))) or 0
    replies = (session.scalar(select(func.count()).where(Reply.read_error.is_not(None)))
               if totals else replies_open) or 0
    return StuckWork(procedures_set_aside=procedures_set_aside or 0,
                     procedures_unplanned=procedures_unplanned or 0,
                     messages_set_aside=messages or 0,
                     messages_set_aside_recently=recent or 0, replies_set_aside=replies,
                     replies_set_aside_open=replies_open)
