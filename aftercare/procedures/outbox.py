"""Writing planned messages into the outbox: insert new rows, re-plan unsent ones.

`outbox_changes` works out what one procedure needs from objects already loaded;
`write_changes` writes the changes of one procedure (`plan_procedure`) or of a batch
(procedures/batch.py) with the same statements.

Rows that already left (sending, sent, delivered, failed) are never touched; the unique key
(procedure, step, channel) makes a second planning run a no-op for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ARRAY, CursorResult, Executable, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.db.models import Message, Procedure, plan_message_key
from aftercare.planning import ClinicContext, PatientContext, PlannedMessage, plan_messages

# Unsent rows that planning may rewrite. "cancelled" rows come back only through START.
REPLANNABLE = ("planned", "skipped")
# New rows go in through the Core table: the ORM's bulk INSERT path adds per-row work.
MESSAGES = cast(Table, Message.__table__)


@dataclass(frozen=True)
class PlanningPolicy:
    clinic: ClinicContext
    quiet_hours: QuietHours
    grace: timedelta


def plan_procedure(
    session: Session,
    *,
    procedure_id: int,
    plans: dict[str, CarePlan],
    policy: PlanningPolicy,
    now: datetime,
    revive_cancelled: bool = False,
) -> int:
    """Plan (or re-plan) one procedure's messages. Returns how many rows were written."""
    # Patient and existing rows in the same round trips as the procedure itself.
    procedure = session.get(Procedure, procedure_id, options=[
        joinedload(Procedure.patient), selectinload(Procedure.messages)])
    if procedure is None:
        return 0
    changes = outbox_changes(procedure, plans=plans, policy=policy, now=now,
                             revive_cancelled=revive_cancelled)
    written = write_changes(session, [changes])
    procedure.planned_at = now
    if changes.plan_version is not None:
        procedure.plan_version = changes.plan_version
    return written


@dataclass(frozen=True)
class OutboxChanges:
    """What planning one procedure writes: new rows, rewrites of unsent rows, cancellations."""

    new: list[dict[str, object]]
    rewrites: list[tuple[int, PlannedMessage]]  # (row id, what it becomes)
    removed: list[int]  # planned rows whose step left the care plan
    replannable: tuple[str, ...]
    plan_version: int | None  # None: a cancelled procedure keeps the version it had


def outbox_changes(
    procedure: Procedure, *, plans: dict[str, CarePlan], policy: PlanningPolicy,
    now: datetime, revive_cancelled: bool = False,
) -> OutboxChanges:
    """The changes for a procedure loaded with its patient and existing messages. No I/O."""
    replannable = REPLANNABLE + (("cancelled",) if revive_cancelled else ())
    if procedure.status != "active":
        return OutboxChanges([], [], [], replannable, None)
    plan = plans[procedure.procedure_type]
    patient = procedure.patient
    planned = plan_messages(
        plan=plan,
        performed_at=procedure.performed_at,
        patient=PatientContext(
            first_name=patient.first_name, timezone=patient.timezone,
            language=patient.language,  # type: ignore[arg-type]
            sms_consent=patient.sms_consent and patient.sms_opted_out_at is None,
            email_consent=patient.email_consent, has_email=bool(patient.email),
        ),
        clinic=policy.clinic,
        now=now,
        quiet_hours=policy.quiet_hours,
        grace=policy.grace,
        follow_up_at=procedure.follow_up_at,
    )
    if patient.sms_opted_out_at is not None:
        planned = [_opted_out(m) for m in planned]
    existing = {(m.step, m.channel): m for m in procedure.messages}
    new = [_new_row(procedure, pm) for pm in planned if pm.key not in existing]
    rewrites = [(row.id, pm) for pm in planned
                if (row := existing.get(pm.key)) is not None and row.status in replannable]
    # Steps dropped from an edited plan: cancel what has not gone yet.
    wanted = {pm.key for pm in planned}
    removed = [row.id for key, row in existing.items()
               if key not in wanted and row.status == "planned"]
    return OutboxChanges(new, rewrites, removed, replannable, plan.version)


def write_changes(session: Session, changes: list[OutboxChanges]) -> int:
    """Write the changes of any number of procedures. Returns how many rows were written.

    New rows go in multi-row INSERTs whatever the number of procedures; rewrites and
    cancellations (only after a plan edit or a reschedule) stay one conditional UPDATE a row.
    """
    written = _insert_new(session, [row for c in changes for row in c.new])
    for c in changes:
        for row_id, pm in c.rewrites:
            written += _rewrite(session, row_id, pm, c.replannable)
        for row_id in c.removed:
            written += _cancel_row(session, row_id, "step removed from the care plan")
    return written


def _rowcount(session: Session, stmt: Executable) -> int:
    """Rows an INSERT/UPDATE touched; conditional writes use it to learn who won."""
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    return result.rowcount or 0


def cancel_unsent(session: Session, *, procedure_id: int, reason: str, channel: str | None = None
                  ) -> int:
    stmt = (
        update(Message)
        .where(Message.procedure_id == procedure_id, Message.status == "planned")
        .values(status="cancelled", reason=reason)
    )
    if channel is not None:
        stmt = stmt.where(Message.channel == channel)
    return _rowcount(session, stmt)


def cancel_patient_sms(session: Session, *, patient_id: int, reason: str) -> int:
    """After an opt-out: no planned SMS to this patient, across all their procedures."""
    stmt = (
        update(Message)
        .where(Message.patient_id == patient_id, Message.status == "planned",
               Message.channel == "sms", Message.audience == "patient",
               Message.procedure_id.is_not(None))
        .values(status="cancelled", reason=reason)
    )
    return _rowcount(session, stmt)


def _opted_out(pm: PlannedMessage) -> PlannedMessage:
    if pm.channel != "sms" or pm.status != "planned":
        return pm
    return PlannedMessage(**{**pm.__dict__, "status": "skipped",
                             "reason": "patient opted out of SMS"})


def _values(pm: PlannedMessage) -> dict[str, object]:
    return {
        "kind": pm.kind, "status": pm.status, "reason": pm.reason, "due_at": pm.due_at,
        "send_after": pm.due_at, "local_due": pm.local_due.isoformat(),
        "subject": pm.subject, "body": pm.body,
    }


def _new_row(procedure: Procedure, pm: PlannedMessage) -> dict[str, object]:
    return {
        "dedupe_key": plan_message_key(procedure.id, pm.step, pm.channel),
        "procedure_id": procedure.id, "patient_id": procedure.patient_id, "step": pm.step,
        "channel": pm.channel, "language": procedure.patient.language, "attempts": 0,
        "audience": "patient", **_values(pm),
    }


def _insert_new(session: Session, rows: list[dict[str, object]]) -> int:
    """All new rows, of any number of procedures; a row a concurrent planning run wrote first
    is skipped (ON CONFLICT DO NOTHING). RETURNING counts the rows that were new."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        stmt = _insert_as_arrays(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = session.execute(stmt.returning(MESSAGES.c.id))
    else:
        # SQLite runs in-process: an executemany, paged by SQLAlchemy within SQLite's limits.
        stmt_ = sqlite.insert(MESSAGES).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = session.execute(stmt_.returning(MESSAGES.c.id), rows)
    return len(result.all())


def _insert_as_arrays(rows: list[dict[str, object]]) -> postgresql.Insert:
    """INSERT ... SELECT FROM unnest(one array a column): any number of rows, 16 parameters.

    A VALUES list of ~18 parameters a row costs more in the client than in the database
    (SQLAlchemy compiles and psycopg rewrites the statement each time), and PostgreSQL
    refuses a statement past 65,535 parameters.
    """
    names = list(rows[0])
    # psycopg's dialect casts each array to its column's type: "%(steps)s::VARCHAR(64)[]".
    arrays = [bindparam(f"{name}s", [row[name] for row in rows], type_=ARRAY(MESSAGES.c[name].type))
              for name in names]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    # include_defaults: created_at and updated_at, one value for the whole statement.
    return postgresql.insert(MESSAGES).from_select(names, select(unnested),
                                                  include_defaults=True)


def _rewrite(session: Session, row_id: int, pm: PlannedMessage, replannable: tuple[str, ...]
             ) -> int:
    # Conditional: if dispatch claimed the row meanwhile, it is on its way; leave it.
    stmt = (
        update(Message)
        .where(Message.id == row_id, Message.status.in_(replannable))
        .values(**_values(pm), attempts=0, error_code=None)
    )
    return _rowcount(session, stmt)


def _cancel_row(session: Session, row_id: int, reason: str) -> int:
    stmt = (
        update(Message)
        .where(Message.id == row_id, Message.status == "planned")
        .values(status="cancelled", reason=reason)
    )
    return _rowcount(session, stmt)
