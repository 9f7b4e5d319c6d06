"""The clinician API: the review queue and recording a review."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from aftercare import audit
from aftercare.db.models import Reply
from aftercare.errors import NotFound
from aftercare.http.deps import ClinicianDep, ContainerDep, RowId, SessionDep
from aftercare.locations.scope import reply_visible
from aftercare.review import service

router = APIRouter(tags=["review"])


class ReplyOut(BaseModel):
    id: int
    received_at: datetime
    from_phone: str
    body: str
    patient_id: int | None
    patient_first_name: str | None
    procedure_id: int | None
    answers_step: str | None
    intent: str | None
    triage: str | None
    present: list[str]
    absent: list[str]
    severity: str | None
    reasons: list[str]
    review_status: str
    escalation_level: int


class ReviewPage(BaseModel):
    items: list[ReplyOut]
    limit: int
    offset: int
    next_offset: int | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["called_patient", "no_action_needed", "booked_visit",
                     "sent_to_emergency_care"]
    note: str = Field(default="", max_length=4000)


class ReviewOut(BaseModel):
    id: int
    reply_id: int
    reviewer: str
    outcome: str
    note: str
    created_at: datetime


def _out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        id=reply.id, received_at=reply.received_at, from_phone=reply.from_phone,
        body=reply.body, patient_id=reply.patient_id,
        patient_first_name=reply.patient.first_name if reply.patient else None,
        procedure_id=reply.procedure_id,
        answers_step=reply.answers.step if reply.answers else None, intent=reply.intent,
        triage=reply.triage, present=reply.present or [], absent=reply.absent or [],
        severity=reply.severity, reasons=reply.reasons or [],
        review_status=reply.review_status, escalation_level=reply.escalation_level,
    )


@router.get("/api/reviews", response_model=ReviewPage)
def review_queue(session: SessionDep, container: ContainerDep, who: ClinicianDep,
                 status: Literal["open"] = "open",
                 triage: Literal["urgent", "review", "routine"] | None = None,
                 limit: int = Query(default=50, ge=1, le=200),
                 offset: int = Query(default=0, ge=0, le=2**31 - 1)) -> ReviewPage:
    items = service.open_queue(session, triage=triage, limit=limit + 1, offset=offset,
                               where=who.scope.replies())
    more = len(items) > limit
    if items:
        audit.record(session, actor=f"token:{who.name}", action="list_replies",
                     subject="replies", now=container.clock(),
                     detail={"replies": [i.reply.id for i in items[:limit]]})
    return ReviewPage(items=[_out(i.reply) for i in items[:limit]], limit=limit, offset=offset,
                      next_offset=offset + limit if more else None)


@router.get("/api/replies/{reply_id}", response_model=ReplyOut)
def get_reply(reply_id: RowId, session: SessionDep, container: ContainerDep,
              who: ClinicianDep) -> ReplyOut:
    if not reply_visible(session, who.scope, reply_id):
        raise NotFound(f"no reply {reply_id}")
    reply = service.get_reply(session, reply_id)
    audit.record(session, actor=f"token:{who.name}", action="view_reply",
                 subject=f"reply:{reply_id}", now=container.clock())
    return _out(reply)


@router.post("/api/replies/{reply_id}/review", response_model=ReviewOut, status_code=201)
def review_reply(reply_id: RowId, body: ReviewIn, session: SessionDep, container: ContainerDep,
                 who: ClinicianDep) -> ReviewOut:
    if not reply_visible(session, who.scope, reply_id):
        raise NotFound(f"no reply {reply_id}")
    review = service.record_review(session, reply_id=reply_id, reviewer=f"token:{who.name}",
                                   outcome=body.outcome, note=body.note,
                                   now=container.clock())
    audit.record(session, actor=f"token:{who.name}", action="review_reply",
                 subject=f"reply:{reply_id}", now=container.clock(),
                 detail={"outcome": body.outcome})
    return ReviewOut(id=review.id, reply_id=review.reply_id, reviewer=review.reviewer,
                     outcome=review.outcome, note=review.note, created_at=review.created_at)
