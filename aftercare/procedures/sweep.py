"""A safety net: plan procedures whose planning task never ran (broker down at commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Procedure
from aftercare.db.session import transaction
from aftercare.procedures.outbox import PlanningPolicy, plan_procedure


def plan_unplanned(
    *, sessions: sessionmaker[Session], plans: dict[str, CarePlan], policy: PlanningPolicy,
    clock: Callable[[], datetime], older_than: timedelta = timedelta(seconds=30),
    limit: int = 500,
) -> int:
    now = clock()
    with sessions() as session:
        ids = session.scalars(
            select(Procedure.id)
            .where(Procedure.planned_at.is_(None), Procedure.created_at < now - older_than)
            .order_by(Procedure.id).limit(limit)
        ).all()
    for procedure_id in ids:
        with transaction(sessions) as session:
            plan_procedure(session, procedure_id=procedure_id, plans=plans, policy=policy,
                           now=clock())
    return len(ids)
