"""Planning every procedure not planned yet: woken by the API, and every 30 s as a safety net
(a wake-up lost while the broker was down)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftercare.careplans.schema import CarePlan
from aftercare.db.session import transaction
from aftercare.outbox.planned import pending_ids, plan_pending, set_aside, waiting_for_a_plan
from aftercare.planning import PlanningPolicy

log = logging.getLogger(__name__)

# What the database says about a row's own values (too long, out of range, a broken
# reference), as against the database being unreachable, which the next sweep retries.
ROW_ERRORS = (DataError, IntegrityError)

# Procedures a transaction plans: few enough that locks and the batch's memory stay small,
# enough that the per-transaction round trips stop mattering.
BATCH_SIZE = 200


def plan_unplanned(
    *, sessions: sessionmaker[Session], plans: dict[str, CarePlan], policy: PlanningPolicy,
    clock: Callable[[], datetime], older_than: timedelta = timedelta(seconds=30),
    limit: int = 500,
) -> int:
    """Plan up to `limit` procedures logged over `older_than` ago. Returns how many."""
    if older_than > timedelta(0):  # the periodic sweep, not every wake-up
        with sessions() as session:
            for procedure_type, count in waiting_for_a_plan(session, plans=plans).items():
                log.error("%d procedure(s) of type %r wait for a care plan of that name in "
                          "schedules/; restore it to plan them", count, procedure_type)
    # Fixed once: procedures logged while this runs wait for the next wake-up, so it ends.
    logged_before = clock() - older_than
    planned = 0
    while planned < limit:
        size = min(BATCH_SIZE, limit - planned)
        try:
            with transaction(sessions) as session:
                count = plan_pending(session, plans=plans, policy=policy, now=clock(),
                                     logged_before=logged_before, limit=size)
        except ROW_ERRORS:
            log.warning("a planning batch could not be written; planning it one procedure "
                        "at a time", exc_info=True)
            count = _one_at_a_time(sessions=sessions, plans=plans, policy=policy, clock=clock,
                                   logged_before=logged_before, limit=size)
        if count == 0:
            break
        planned += count
    return planned


def _one_at_a_time(
    *, sessions: sessionmaker[Session], plans: dict[str, CarePlan], policy: PlanningPolicy,
    clock: Callable[[], datetime], logged_before: datetime, limit: int,
) -> int:
    """A batch the database refused: each procedure in its own transaction, so the one whose
    rows it refuses is set aside and the others are planned."""
    with sessions() as session:
        ids = pending_ids(session, plans=plans, logged_before=logged_before, limit=limit)
    done = 0
    for procedure_id in ids:
        try:
            with transaction(sessions) as session:
                done += plan_pending(session, plans=plans, policy=policy, now=clock(),
                                     logged_before=logged_before, limit=1, only=[procedure_id])
        except ROW_ERRORS as exc:
            log.warning("procedure %s set aside: its rows could not be written", procedure_id,
                        exc_info=True)
            reason = f"its messages could not be stored ({type(exc).__name__}); see the log"
            with transaction(sessions) as session:
                done += set_aside(session, {procedure_id: reason})
    return done

