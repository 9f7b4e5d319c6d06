"""Planning every procedure not planned yet: woken by the API, and every 30 s as a safety net
(a wake-up lost while the broker was down)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from aftercare.careplans.schema import CarePlan
from aftercare.db.session import transaction
from aftercare.outbox.planned import plan_pending, waiting_for_a_plan
from aftercare.planning import PlanningPolicy

log = logging.getLogger(__name__)

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
        with transaction(sessions) as session:
            count = plan_pending(
                session, plans=plans, policy=policy, now=clock(), logged_before=logged_before,
                limit=min(BATCH_SIZE, limit - planned))
        if count == 0:
            break
        planned += count
    return planned

