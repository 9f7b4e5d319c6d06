"""Planning logged procedures in batches: a few statements for hundreds of procedures.

One transaction takes the oldest procedures not planned yet, loads them with their patients
and existing messages in three queries, works out each one's outbox changes as
`plan_procedure` does (outbox.py), stamps the procedures planned in one UPDATE per care plan
version and writes the new rows of the whole batch in one INSERT (pages of 1,000 on SQLite).
About 5 statements for 200 procedures, where planning them one by one takes 800.

Who plans what: on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so
concurrent planners take disjoint batches. On SQLite (one writer at a time) the stamping
UPDATE re-checks planned_at and returns the ids it stamped, so a procedure another planner
took meanwhile is left out; the unique dedupe_key backs both up.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Procedure
from aftercare.procedures.outbox import (
    OutboxChanges,
    PlanningPolicy,
    outbox_changes,
    write_changes,
)


def plan_logged_procedures(
    session: Session, *, plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime,
    limit: int, logged_before: datetime | None = None,
) -> int:
    """Plan up to `limit` procedures not planned yet, oldest first. Returns how many.

    Keep `limit` in the hundreds: the batch's ids are bound one parameter each.
    """
    candidates = (
        select(Procedure)
        .where(Procedure.planned_at.is_(None),
               # A procedure whose care plan file is gone waits (see waiting_for_a_plan)
               # instead of failing, batch after batch, everything logged after it.
               or_(Procedure.procedure_type.in_(list(plans)), Procedure.status != "active"))
        .order_by(Procedure.id)
        .limit(limit)
        .options(selectinload(Procedure.patient), selectinload(Procedure.messages))
    )
    if logged_before is not None:
        candidates = candidates.where(Procedure.created_at < logged_before)
    if session.get_bind().dialect.name == "postgresql":
        # Locks only the procedure rows (not patients or messages), held until commit.
        candidates = candidates.with_for_update(skip_locked=True, of=Procedure)
    procedures = session.scalars(candidates).all()
    if not procedures:
        return 0
    changes = {p.id: outbox_changes(p, plans=plans, policy=policy, now=now) for p in procedures}
    mine = _stamp_planned(session, changes, now=now)
    write_changes(session, [changes[i] for i in sorted(mine)])
    return len(mine)


def _stamp_planned(session: Session, changes: dict[int, OutboxChanges], *, now: datetime
                   ) -> set[int]:
    """Set planned_at (and the plan version, for active procedures) where still unset.

    Returns the ids this transaction stamped: the ones it plans.
    """
    by_version: dict[int | None, list[int]] = defaultdict(list)
    for procedure_id, change in changes.items():
        by_version[change.plan_version].append(procedure_id)
    stamped: set[int] = set()
    for version, ids in by_version.items():
        values: dict[str, object] = {"planned_at": now}
        if version is not None:  # a cancelled procedure keeps the version it had
            values["plan_version"] = version
        stmt = (
            update(Procedure)
            .where(Procedure.id.in_(ids), Procedure.planned_at.is_(None))
            .values(**values)
            .returning(Procedure.id)
        )
        result = session.execute(stmt, execution_options={"synchronize_session": False})
        stamped.update(result.scalars().all())
    return stamped


def waiting_for_a_plan(session: Session, *, plans: dict[str, CarePlan]) -> dict[str, int]:
    """Active procedures not planned because their procedure type has no care plan (a
    schedules/ file removed or renamed after they were logged), counted by type."""
    rows = session.execute(
        select(Procedure.procedure_type, func.count())
        .where(Procedure.planned_at.is_(None), Procedure.status == "active",
               Procedure.procedure_type.not_in(list(plans)))
        .group_by(Procedure.procedure_type))
    return {procedure_type: count for procedure_type, count in rows}
