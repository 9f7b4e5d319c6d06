"""The audit log: who viewed or changed which record, and when. Never message bodies or
other patient details: the subject is a record reference such as "procedure:12"."""

from __future__ import annotations

import getpass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import AuditEvent


def operator(by: str | None = None) -> str:
    """Who runs a command, for the log: the name given, else the system user."""
    return f"cli:{by or getpass.getuser()}"


def record(session: Session, *, actor: str, action: str, subject: str, now: datetime,
           detail: dict[str, object] | None = None) -> None:
    session.add(AuditEvent(at=now, actor=actor, action=action, subject=subject, detail=detail))


def events(session: Session, *, actor: str = "", action: str = "", subject: str = "",
           subjects: list[str] | None = None, limit: int = 50, offset: int = 0
           ) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and how many match in all. `subjects`: only events
    about these records (a patient's)."""
    query = select(AuditEvent)
    if subjects is not None:
        query = query.where(AuditEvent.subject.in_(subjects))
    if actor:
        query = query.where(AuditEvent.actor == actor.strip().lower())
    if action:
        query = query.where(AuditEvent.action == action)
    if subject:
        query = query.where(AuditEvent.subject == subject.strip())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
