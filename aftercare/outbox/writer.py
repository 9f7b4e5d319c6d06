"""The one writer of outbox rows: care plan messages, safety texts, clinician alerts and
email fallbacks all go in here, under one dedupe-key scheme.

A row's `dedupe_key` names what it is for: `{source}:{id}:{step}:{channel}` (a care plan
step of procedure 12 is `plan:12:day1_walk:sms`; the safety text after reply 7 is
`reply:7:safety:sms`). The key is unique, so writing the same message twice (two planners,
a retried task, a callback replayed) inserts it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import CursorResult, Executable, Table, update
from sqlalchemy.orm import Session

from aftercare.db.models import Message, utcnow
from aftercare.db.upsert import insert_ignoring

# "answer": a person's text to a patient (id: the procedure); "inbox": to a number not on
# file (id: the reply it answers). Their step is the form's idempotency key.
Source = Literal["plan", "reply", "fallback", "answer", "inbox"]
MESSAGES = cast(Table, Message.__table__)
# Priority: urgent rows (safety texts, clinician alerts) are claimed and paced ahead of
# every routine one (see outbox/claim.py and dispatch/ratelimit.py).
URGENT, ROUTINE = 0, 1
# From this many rows (planning a batch of procedures) COPY pays on PostgreSQL.
COPY_FROM = 100


def dedupe_key(source: Source, source_id: int, step: str, channel: str) -> str:
    return f"{source}:{source_id}:{step}:{channel}"


@dataclass(frozen=True)
class NewMessage:
    """An outbox row to insert; every field is a column of `messages`."""

    dedupe_key: str
    step: str
    channel: str
    kind: str
    due_at: datetime
    local_due: str
    body: str
    language: str = "en"
    status: str = "planned"
    reason: str | None = None
    subject: str | None = None
    procedure_id: int | None = None
    patient_id: int | None = None
    reply_id: int | None = None
    audience: str = "patient"  # or "clinician"
    to_address: str | None = None  # when it does not go to the patient on file
    expires_at: datetime | None = None  # too late to send after this (see contact_rules)
    priority: int = ROUTINE
    sent_by: str | None = None  # who wrote it, when a person did
    sent_by_user_id: int | None = None

    def row(self) -> dict[str, object]:
        return {**self.__dict__, "send_after": self.due_at, "attempts": 0}


def insert(session: Session, messages: list[NewMessage]) -> int:
    """Insert new rows; one whose key is already there is skipped. Returns how many went in."""
    if not messages:
        return 0
    rows = [m.row() for m in messages]
    if len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql":
        return _copy_in(session, rows)
    # A few rows (a safety text and its alerts), or SQLite in-process: one executemany.
    stmt = insert_ignoring(session, MESSAGES, "dedupe_key").returning(MESSAGES.c.id)
    return len(session.execute(stmt, rows).all())


def _copy_in(session: Session, rows: list[dict[str, object]]) -> int:
    """COPY the rows into a staging table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING.

    COPY sends rows from the driver's C code; a multi-row INSERT's parameters cost ~25 us a
    row in Python, which dominated planning a batch of thousands of rows.
    """
    names = [*rows[0], "created_at", "updated_at"]
    columns = ", ".join(names)
    now = utcnow()
    connection = session.connection()
    # Every time: a transaction that created it and rolled back took it away again.
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


def rewrite(session: Session, row_id: int, values: dict[str, object],
            replannable: tuple[str, ...]) -> int:
    """Re-plan an unsent row. Conditional: a row dispatch claimed meanwhile is on its way."""
    stmt = (update(Message)
            .where(Message.id == row_id, Message.status.in_(replannable))
            .values(**values, attempts=0, error_code=None))
    return _rowcount(session, stmt)


def cancel(session: Session, *, reason: str, row_id: int | None = None,
           procedure_id: int | None = None, patient_sms_of: int | None = None) -> int:
    """Cancel planned rows: one row, a procedure's, or (after an opt-out) every care-plan
    SMS to a patient. Rows already on their way are left alone."""
    stmt = update(Message).where(Message.status == "planned")
    if row_id is not None:
        stmt = stmt.where(Message.id == row_id)
    if procedure_id is not None:
        stmt = stmt.where(Message.procedure_id == procedure_id)
    if patient_sms_of is not None:
        stmt = stmt.where(Message.patient_id == patient_sms_of, Message.channel == "sms",
                          Message.audience == "patient", Message.procedure_id.is_not(None),
                          Message.kind.not_in(("safety", "keyword_reply")))
    if row_id is None and procedure_id is None and patient_sms_of is None:
        raise ValueError("cancel what? give a row, a procedure or a patient")
    return _rowcount(session, stmt.values(status="cancelled", reason=reason))


def _rowcount(session: Session, stmt: Executable) -> int:
    """Rows an UPDATE touched; conditional writes use it to learn who won."""
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    return result.rowcount or 0
