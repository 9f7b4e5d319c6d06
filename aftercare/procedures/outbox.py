"""Writing a procedure's plan into the outbox: insert new rows, re-plan unsent ones.

Rows that already left (sending, sent, delivered, failed) are never touched; the unique key
(procedure, step, channel) makes a second planning run a no-op for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, Executable, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from aftercare.careplans.schema import CarePlan, QuietHours
from aftercare.db.models import Message, Procedure, plan_message_key
from aftercare.planning import ClinicContext, PatientContext, PlannedMessage, plan_messages

# Unsent rows that planning may rewrite. "cancelled" rows come back only through START.
REPLANNABLE = ("planned", "skipped")


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
    if procedure.status != "active":
        procedure.planned_at = now
        return 0
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
    replannable = REPLANNABLE + (("cancelled",) if revive_cancelled else ())
    existing = {(m.step, m.channel): m for m in procedure.messages}
    written = _insert_new(session, procedure, [pm for pm in planned if pm.key not in existing])
    for pm in planned:
        row = existing.get(pm.key)
        if row is not None and row.status in replannable:
            written += _rewrite(session, row.id, pm, replannable)
    # Steps dropped from an edited plan: cancel what has not gone yet.
    wanted = {pm.key for pm in planned}
    for key, row in existing.items():
        if key not in wanted and row.status == "planned":
            written += _cancel_row(session, row.id, "step removed from the care plan")
    procedure.planned_at = now
    procedure.plan_version = plan.version
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


def _insert_new(session: Session, procedure: Procedure, new: list[PlannedMessage]) -> int:
    """All new rows in one INSERT; a row a concurrent planning run wrote first is skipped."""
    if not new:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {"dedupe_key": plan_message_key(procedure.id, pm.step, pm.channel),
         "procedure_id": procedure.id, "patient_id": procedure.patient_id, "step": pm.step,
         "channel": pm.channel, "language": procedure.patient.language, "attempts": 0,
         "audience": "patient", **_values(pm)}
        for pm in new
    ]
    stmt = insert(Message).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return _rowcount(session, stmt)


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
