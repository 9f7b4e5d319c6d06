"""From logged procedures to outbox rows: planning new procedures, re-planning changed ones.

Both take the same steps. Load the procedures with their patients and existing rows, ask
the pure planner (`planning.plan_messages`) what each one's care plan sends, then write the
difference through the outbox writer: new rows, rewrites of unsent rows, cancellations of
steps that left an edited plan. Rows that already left are never touched.

New procedures are planned a few hundred at a time (`plan_pending`): about 7 statements
for 200 procedures, where one at a time takes 6 each. On PostgreSQL the batch is locked
with FOR UPDATE SKIP LOCKED, so concurrent planners take disjoint batches; on SQLite (one
writer at a time) the stamping UPDATE re-checks `planned_at`. The unique dedupe key backs
both up.

A procedure that cannot be planned (a year-1 date, a time zone this server does not know, a
text that cannot be filled in) is set aside with its reason in `plan_error`, for staff to
fix; the rest of its batch is planned as usual. A reschedule that plans it clears it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from aftercare.careplans.render import RenderError
from aftercare.careplans.schema import CarePlan, Language
from aftercare.db.models import REPLANNABLE, Procedure
from aftercare.locations.policy import planning_policy as location_policy
from aftercare.outbox import writer
from aftercare.planning import PatientContext, PlannedMessage, PlanningPolicy, plan_messages

log = logging.getLogger(__name__)


def plan_pending(session: Session, *, plans: dict[str, CarePlan], policy: PlanningPolicy,
                 now: datetime, limit: int, logged_before: datetime | None = None,
                 only: Sequence[int] | None = None) -> int:
    """Plan up to `limit` procedures not planned yet (of `only`, when given), oldest first.
    Returns how many it planned or set aside.

    Keep `limit` in the hundreds: the batch's ids are bound one parameter each.
    """
    candidates = (
        _pending(plans, logged_before).limit(limit)
        .options(selectinload(Procedure.patient), selectinload(Procedure.messages))
    )
    if only is not None:
        candidates = candidates.where(Procedure.id.in_(list(only)))
    if session.get_bind().dialect.name == "postgresql":
        # Locks only the procedure rows (not patients or messages), held until commit.
        candidates = candidates.with_for_update(skip_locked=True, of=Procedure)
    procedures = session.scalars(candidates).all()
    if not procedures:
        return 0
    # Planned in pure code first, one procedure at a time, so one that cannot be planned is
    # set aside; the others are then written together.
    changes: dict[int, _Changes] = {}
    aside: dict[int, str] = {}
    for procedure in procedures:
        outcome = _changes_or_reason(procedure, plans=plans, policy=policy, now=now)
        if isinstance(outcome, str):
            aside[procedure.id] = outcome
        else:
            changes[procedure.id] = outcome
    mine = _stamp_planned(session, changes, now=now)
    _write(session, [changes[i] for i in sorted(mine)])
    return len(mine) + set_aside(session, aside)


def pending_ids(session: Session, *, plans: dict[str, CarePlan], limit: int,
                logged_before: datetime | None = None) -> list[int]:
    """The ids `plan_pending` would take next, without locking them."""
    return list(session.scalars(_pending(plans, logged_before, Procedure.id).limit(limit)))


def _pending(plans: dict[str, CarePlan], logged_before: datetime | None,
             *what: Any) -> Select[Any]:
    query = (
        select(*(what or (Procedure,)))
        .where(Procedure.planned_at.is_(None), Procedure.plan_error.is_(None),
               # A procedure whose care plan file is gone waits (see waiting_for_a_plan)
               # instead of failing every batch after it.
               or_(Procedure.procedure_type.in_(list(plans)), Procedure.status != "active"))
        .order_by(Procedure.id)
    )
    if logged_before is not None:
        query = query.where(Procedure.created_at <= logged_before)
    return query


def replan(session: Session, *, procedure_ids: Sequence[int], plans: dict[str, CarePlan],
           policy: PlanningPolicy, now: datetime, revive_cancelled: bool = False) -> int:
    """Plan again what is still ahead for these procedures (a reschedule, an opt-in, a
    changed patient). Returns how many rows were written. Flushes only."""
    session.flush()
    procedures = session.scalars(
        select(Procedure).where(Procedure.id.in_(list(procedure_ids)))
        .options(selectinload(Procedure.patient), selectinload(Procedure.messages))
        .execution_options(populate_existing=True)).all()
    changes = []
    for procedure in procedures:
        change = _changes_or_reason(procedure, plans=plans, policy=policy, now=now,
                                    revive_cancelled=revive_cancelled)
        if isinstance(change, str):  # still cannot be planned: its rows stay as they were
            procedure.planned_at, procedure.plan_error = None, change
            continue
        procedure.planned_at, procedure.plan_error = now, None
        if change.plan_version is not None:
            procedure.plan_version = change.plan_version
        changes.append(change)
    written = _write(session, changes)
    session.flush()
    for procedure in procedures:  # the rows changed by statement: read them again
        session.expire(procedure, ["messages"])
    return written


def waiting_for_a_plan(session: Session, *, plans: dict[str, CarePlan]) -> dict[str, int]:
    """Active procedures not planned because their procedure type has no care plan (a
    schedules/ file removed or renamed after they were logged), counted by type."""
    rows = session.execute(
        select(Procedure.procedure_type, func.count())
        .where(Procedure.planned_at.is_(None), Procedure.status == "active",
               Procedure.procedure_type.not_in(list(plans)))
        .group_by(Procedure.procedure_type))
    return {procedure_type: count for procedure_type, count in rows}


def _changes_or_reason(procedure: Procedure, *, plans: dict[str, CarePlan],
                       policy: PlanningPolicy, now: datetime, revive_cancelled: bool = False
                       ) -> _Changes | str:
    """The procedure's changes, or why it cannot be planned."""
    try:
        return _changes(procedure, plans=plans, policy=policy, now=now,
                        revive_cancelled=revive_cancelled)
    except Exception as exc:
        reason = why_not_planned(procedure, exc, plans=plans)
        log.warning("procedure %s set aside by planning: %s", procedure.id, reason,
                    exc_info=True)
        return reason


def why_not_planned(procedure: Procedure, exc: Exception, *, plans: dict[str, CarePlan]
                    ) -> str:
    """A short reason staff can act on: the kind of problem, never the patient's data."""
    try:
        ZoneInfo(procedure.patient.timezone)
    except Exception:
        return "the patient's time zone is not one this server knows: choose another"
    if procedure.procedure_type not in plans:
        return "no care plan for this procedure type in schedules/"
    if procedure.patient.language not in get_args(Language):
        return "the patient's language is not one the care plans are written in"
    if isinstance(exc, RenderError):
        return f"a message text could not be filled in: {exc}"
    if isinstance(exc, OverflowError | ValueError):
        return "a date is out of range (performed or follow-up): correct it"
    return f"planning failed ({type(exc).__name__}); see the worker's log"


def set_aside(session: Session, reasons: dict[int, str]) -> int:
    """Record why each procedure was not planned; the sweep no longer picks it up."""
    count = 0
    for procedure_id, reason in reasons.items():
        result = session.execute(
            update(Procedure)
            .where(Procedure.id == procedure_id, Procedure.planned_at.is_(None),
                   Procedure.plan_error.is_(None))
            .values(plan_error=reason[:300]),
            execution_options={"synchronize_session": False})
        count += getattr(result, "rowcount", 0) or 0
    return count


@dataclass(frozen=True)
class _Changes:
    """What planning one procedure writes: new rows, rewrites of unsent rows, cancellations."""

    new: list[writer.NewMessage]
    rewrites: list[tuple[int, PlannedMessage]]  # (row id, what it becomes)
    removed: list[int]  # planned rows whose step left the care plan
    replannable: tuple[str, ...]
    plan_version: int | None  # None: a cancelled procedure keeps the version it had


def _changes(procedure: Procedure, *, plans: dict[str, CarePlan], policy: PlanningPolicy,
             now: datetime, revive_cancelled: bool = False) -> _Changes:
    """The changes for a procedure loaded with its patient and existing rows. No I/O."""
    replannable = REPLANNABLE + (("cancelled",) if revive_cancelled else ())
    if procedure.status != "active":
        return _Changes([], [], [], replannable, None)
    plan = plans[procedure.procedure_type]
    patient = procedure.patient
    planned = plan_messages(
        plan=plan, performed_at=procedure.performed_at, now=now,
        policy=location_policy(policy, procedure.location),
        follow_up_at=procedure.follow_up_at,
        patient=PatientContext(
            first_name=patient.first_name, timezone=patient.timezone,
            language=patient.language,  # type: ignore[arg-type]
            sms_consent=patient.sms_consent, email_consent=patient.email_consent,
            has_email=bool(patient.email), sms_opted_out=patient.sms_opted_out_at is not None),
    )
    existing = {(m.step, m.channel): m for m in procedure.messages}
    new = [_new_row(procedure, pm) for pm in planned if pm.key not in existing]
    rewrites = [(row.id, pm) for pm in planned
                if (row := existing.get(pm.key)) is not None and row.status in replannable]
    wanted = {pm.key for pm in planned}
    removed = [row.id for key, row in existing.items()
               if key not in wanted and row.status == "planned"]
    return _Changes(new, rewrites, removed, replannable, plan.version)


def _stamp_planned(session: Session, changes: dict[int, _Changes], *, now: datetime
                   ) -> set[int]:
    """Set planned_at (and the plan version, for active procedures) where still unset.
    Returns the ids this transaction stamped: the ones it plans."""
    by_version: dict[int | None, list[int]] = defaultdict(list)
    for procedure_id, change in changes.items():
        by_version[change.plan_version].append(procedure_id)
    stamped: set[int] = set()
    for version, ids in by_version.items():
        values: dict[str, object] = {"planned_at": now}
        if version is not None:  # a cancelled procedure keeps the version it had
            values["plan_version"] = version
        stmt = (update(Procedure)
                .where(Procedure.id.in_(ids), Procedure.planned_at.is_(None))
                .values(**values)
                .returning(Procedure.id))
        result = session.execute(stmt, execution_options={"synchronize_session": False})
        stamped.update(result.scalars().all())
    return stamped


def _write(session: Session, changes: list[_Changes]) -> int:
    """New rows of any number of procedures in one insert; rewrites and cancellations (only
    after a plan edit or a reschedule) one conditional UPDATE a row."""
    written = writer.insert(session, [row for c in changes for row in c.new])
    for c in changes:
        for row_id, pm in c.rewrites:
            written += writer.rewrite(session, row_id, _values(pm), c.replannable)
        for row_id in c.removed:
            written += writer.cancel(session, row_id=row_id,
                                     reason="step removed from the care plan")
    return written


def _values(pm: PlannedMessage) -> dict[str, object]:
    return {"kind": pm.kind, "status": pm.status, "reason": pm.reason, "due_at": pm.due_at,
            "send_after": pm.due_at, "local_due": pm.local_due.isoformat(),
            "subject": pm.subject, "body": pm.body, "expires_at": pm.expires_at}


def _new_row(procedure: Procedure, pm: PlannedMessage) -> writer.NewMessage:
    return writer.NewMessage(
        dedupe_key=writer.dedupe_key("plan", procedure.id, pm.step, pm.channel),
        procedure_id=procedure.id, patient_id=procedure.patient_id, step=pm.step,
        channel=pm.channel, kind=pm.kind, status=pm.status, reason=pm.reason,
        due_at=pm.due_at, local_due=pm.local_due.isoformat(), subject=pm.subject,
        body=pm.body, language=procedure.patient.language, expires_at=pm.expires_at)
