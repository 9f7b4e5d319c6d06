"""The procedures list: search by patient name, phone, date, type and status, a page at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select, union
from sqlalchemy.orm import Session, joinedload

from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.locations.scope import Scope

PAGE_SIZE = 25
COUNT_UP_TO = 1_000  # past this, "more than 1,000": narrow by day, name or type
STATUSES = ("active", "cancelled")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    day: str = ""  # YYYY-MM-DD, the clinic's calendar day the procedure was done
    procedure_type: str = ""
    status: str = ""
    page: int = 1

    def query_string(self, **changes: object) -> str:
        f = replace(self, **changes)  # type: ignore[arg-type]
        pairs = {"q": f.q, "day": f.day, "type": f.procedure_type, "status": f.status,
                 "page": str(f.page) if f.page > 1 else ""}
        return urlencode({k: v for k, v in pairs.items() if v})


@dataclass(frozen=True)
class Row:
    procedure: Procedure
    sent: int
    planned: int
    problems: int  # failed or undelivered
    open_replies: int


@dataclass(frozen=True)
class Results:
    rows: list[Row]
    total: int  # up to COUNT_UP_TO + 1, which means "more than COUNT_UP_TO"
    page: int
    pages: int
    day_error: str | None = None

    @property
    def more(self) -> bool:
        return self.total > COUNT_UP_TO


def search(session: Session, filters: Filters, *, clinic_zone: str, scope: Scope) -> Results:
    """Procedures matching the filters, at the locations `scope` lets the user see."""
    query = select(Procedure).join(Procedure.patient).where(scope.procedures())
    q = filters.q.strip()
    if q:
        digits = re.sub(r"\D", "", q)
        terms = [Patient.first_name.ilike(f"%{q}%"), Patient.external_id == q]
        if len(digits) >= 3:
            terms.append(_phone_ends_with(session, digits))
        # Two lookups, each on its own table's indexes (names by trigram, phones reversed,
        # on PostgreSQL): one OR across both tables can only be answered by reading them
        # whole, seconds with years of history.
        hits = union(select(Procedure.id).join(Procedure.patient).where(or_(*terms)),
                     select(Procedure.id).where(Procedure.external_id == q))
        query = query.where(Procedure.id.in_(hits.scalar_subquery()))
    day_error = None
    if filters.day:
        try:
            start = datetime.combine(date.fromisoformat(filters.day), time(0),
                                     tzinfo=ZoneInfo(clinic_zone))
            # In UTC here: a day at the edge of the calendar (0001-01-01) raises now, not
            # when the query is sent.
            end = (start + timedelta(days=1)).astimezone(UTC)
            query = query.where(Procedure.performed_at >= start.astimezone(UTC),
                                Procedure.performed_at < end)
        except (ValueError, OverflowError):
            day_error = f"{filters.day!r} is not a date; use YYYY-MM-DD"
    if filters.procedure_type:
        query = query.where(Procedure.procedure_type == filters.procedure_type)
    if filters.status in STATUSES:
        query = query.where(Procedure.status == filters.status)
    # Counted up to a point: counting every procedure of years reads them all.
    total = session.scalar(select(func.count()).select_from(
        query.with_only_columns(Procedure.id).limit(COUNT_UP_TO + 1).subquery())) or 0
    pages = max(1, -(-min(total, COUNT_UP_TO) // PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    procedures = list(session.scalars(
        query.options(joinedload(Procedure.patient))
        .order_by(Procedure.performed_at.desc(), Procedure.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    counts = _message_counts(session, [p.id for p in procedures])
    replies = _open_replies(session, [p.id for p in procedures])
    rows = [Row(p, *counts.get(p.id, (0, 0, 0)), replies.get(p.id, 0)) for p in procedures]
    return Results(rows=rows, total=total, page=page, pages=pages, day_error=day_error)


def _phone_ends_with(session: Session, digits: str) -> ColumnElement[bool]:
    """Staff type a number's last digits, or all of it: both end the E.164 number. On
    PostgreSQL through the index of reversed numbers (digits match too many trigrams)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.reverse(Patient.phone).like(f"{digits[::-1]}%")
    return Patient.phone.endswith(digits)


def _message_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    for procedure_id, status, n in session.execute(
            select(Message.procedure_id, Message.status, func.count())
            .where(Message.procedure_id.in_(ids), Message.audience == "patient")
            .group_by(Message.procedure_id, Message.status)):
        if procedure_id is None:
            continue
        slot = found.setdefault(procedure_id, [0, 0, 0])
        if status in ("sent", "delivered"):
            slot[0] += n
        elif status in ("planned", "sending"):
            slot[1] += n
        elif status in ("failed", "undelivered"):
            slot[2] += n
    return {k: (v[0], v[1], v[2]) for k, v in found.items()}


def _open_replies(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Reply.procedure_id, func.count()).where(
            Reply.procedure_id.in_(ids), Reply.review_status == "open")
        .group_by(Reply.procedure_id))
    return {pid: n for pid, n in rows if pid is not None}
