"""The rows a report is computed from: procedures of a care plan (or all), at some
locations (or all), performed in [since, until), their messages, their patients' replies
and each reply's first review."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Patient, Procedure, Reply, Review
from aftercare.reports.figures import MessageRow, ProcedureRow, ReplyRow, Report, compute


def report(session: Session, *, plan: str | None, since: datetime, until: datetime,
           locations: Collection[int] | None = None) -> Report:
    query = (select(Procedure.id, Procedure.patient_id, Procedure.performed_at,
                    Patient.sms_opted_out_at)
             .join(Patient, Patient.id == Procedure.patient_id)
             .where(Procedure.performed_at >= since, Procedure.performed_at < until))
    if plan:
        query = query.where(Procedure.procedure_type == plan)
    if locations is not None:
        query = query.where(Procedure.location_id.in_(sorted(locations)))
    procedures = [ProcedureRow(id_, patient_id, performed_at, opted_out is not None)
                  for id_, patient_id, performed_at, opted_out in session.execute(query)]
    ids = [p.id for p in procedures]
    messages = [MessageRow(id_, procedure_id or 0, kind, status)
                for id_, procedure_id, kind, status in session.execute(
                    select(Message.id, Message.procedure_id, Message.kind, Message.status)
                    .where(Message.procedure_id.in_(ids), Message.audience == "patient"))]
    first_review = (select(Review.reply_id, func.min(Review.created_at).label("at"))
                    .group_by(Review.reply_id).subquery())
    replies = [ReplyRow(procedure_id, patient_id, received_at, keyword, triage,
                        tuple(present or ()), stockings, (escalation or 0) > 0, answers,
                        _aware(reviewed))
               for (procedure_id, patient_id, received_at, keyword, triage, present, stockings,
                    escalation, answers, reviewed) in session.execute(
                   select(Reply.procedure_id, Reply.patient_id, Reply.received_at,
                          Reply.keyword, Reply.triage, Reply.present, Reply.stockings,
                          Reply.escalation_level, Reply.answers_message_id,
                          first_review.c.at)
                   .outerjoin(first_review, first_review.c.reply_id == Reply.id)
                   .where(Reply.procedure_id.in_(ids)))]
    return compute(procedures=procedures, messages=messages, replies=replies)


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate (min) comes back without the column's type: naive UTC on SQLite.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
