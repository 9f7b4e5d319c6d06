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

from sqlalchemy import CursorResult, Executable, Table, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.db.models import Message, Procedure, plan_message_key, utcnow
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
        return _copy_in(session, rows)
    # SQLite runs in-process: an executemany, paged by SQLAlchemy within SQLite's limits.
    stmt = sqlite.insert(MESSAGES).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return len(session.execute(stmt.returning(MESSAGES.c.id), rows).all())


def _copy_in(session: Session, rows: list[dict[str, object]]) -> int:
    """COPY the rows into a staging table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING.

    COPY sends rows in the driver's C code, where a multi-row INSERT's parameters cost
    ~25 us a row in Python (measured: 13,000 rows in 0.05 s of client CPU against 0.2 s,
    and a third of the database time). The staging table lives as long as the connection.
    """
    names = [*rows[0], "created_at", "updated_at"]
    columns = ", ".join(names)
    now = utcnow()
    connection = session.connection()
    # Column types only (no id default, no constraints). Every time: a transaction that
    # created it and rolled back took it away again.
    connection.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS outbox_stage ON COMMIT DELETE ROWS AS "
        f"SELECT {columns} FROM messages WITH NO DATA")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY outbox_stage ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([*row.values(), now, now])
    inserted = connection.exec_driver_sql(
        f"INSERT INTO messages ({columns}) SELECT {columns} FROM outbox_stage "
        "ON CONFLICT (dedupe_key) DO NOTHING")
    connection.exec_driver_sql("DELETE FROM outbox_stage")  # for a second call before commit
    return inserted.rowcount or 0


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
