"""The clinicians' review queue: open replies, urgent first; one reply in context; a review.

The queue's list is also served alone (`/review/queue`) for the page's few lines of JS to
poll, so a new urgent reply shows up without a reload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.db.models import Reply, User
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.review import service
from aftercare.web.errors import PageNotFound
from aftercare.web.login import ClinicianUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views.conversation import answer_form, conversation_of
from aftercare.web.views.review import TRIAGE_FILTERS, open_counts, recent_replies
from aftercare.web.views.timeline import TRIAGE_LABELS

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
QUEUE_SIZE = 100


@router.get("/review")
def review_queue(request: Request, session: SessionDep, container: ContainerDep,
                 user: ClinicianUser, triage: str = "") -> Response:
    context = _queue(session, triage, container.clock(), user)
    if context["items"]:  # the page's own polls show the same list again: not logged
        audit.record(session, actor=user.email, action="list_replies", subject="replies",
                     now=container.clock(),
                     detail={"replies": [r.id for r in context["items"]]})
    return page(request, "review_queue.html", context)


@router.get("/review/queue")
def review_queue_fragment(request: Request, session: SessionDep, container: ContainerDep,
                          user: ClinicianUser, triage: str = "") -> Response:
    return page(request, "_queue.html", _queue(session, triage, container.clock(), user),
                fragment=True)


@router.get("/review/{reply_id:int}")
def review_reply(reply_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: ClinicianUser) -> Response:
    reply = _reply(session, reply_id, user)
    audit.record(session, actor=user.email, action="view_reply", subject=f"reply:{reply.id}",
                 now=container.clock())
    return page(request, "review_reply.html", _context(session, reply, user))


@router.post("/review/{reply_id:int}")
def record_review(reply_id: RowId, request: Request, session: SessionDep,
                  container: ContainerDep, user: ClinicianUser,
                  outcome: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""
                  ) -> Response:
    reply = _reply(session, reply_id, user)
    try:
        service.record_review(session, reply_id=reply.id, reviewer=user.email,
                              outcome=outcome, note=note.strip()[:4000], now=container.clock())
    except InvalidRequest:
        return page(request, "review_reply.html", _context(
            session, reply, user, error="Choose what you did about this reply.", note=note),
            status_code=422)
    audit.record(session, actor=user.email, action="review_reply", subject=f"reply:{reply.id}",
                 now=container.clock(), detail={"outcome": outcome})
    flash(request, f"Reviewed: {service.OUTCOMES[outcome].lower()}.")
    return RedirectResponse("/review", status_code=303)


@router.post("/review/{reply_id:int}/texts")
def honour_texts_request(reply_id: RowId, request: Request, session: SessionDep,
                         container: ContainerDep, user: ClinicianUser,
                         action: Annotated[str, Form()] = "") -> Response:
    """The one tap for a patient who asked in words to stop or restart texts."""
    reply = _reply(session, reply_id, user)
    try:
        service.honour_texts_request(session, reply_id=reply.id, action=action,
                                     reviewer=user.email, plans=container.plans,
                                     policy=container.planning_policy, now=container.clock())
    except InvalidRequest as exc:
        return page(request, "review_reply.html", _context(session, reply, user,
                                                           error=str(exc)), status_code=422)
    audit.record(session, actor=user.email, action=f"sms_{action}", subject=f"reply:{reply.id}",
                 now=container.clock(), detail={"patient_id": reply.patient_id})
    flash(request, f"{service.CONSENT_ACTIONS[action]}.")
    return RedirectResponse("/review", status_code=303)


def _reply(session: Session, reply_id: int, user: User) -> Reply:
    """The reply, if it belongs to a location the user works at; else not found."""
    try:
        reply = service.get_reply(session, reply_id)
    except NotFound:
        raise PageNotFound(f"reply {reply_id}") from None
    if not scope_of(session, user).sees(reply.location_id):
        raise PageNotFound(f"reply {reply_id}")
    return reply


def _queue(session: Session, triage: str, now: datetime, user: User) -> dict[str, Any]:
    level = triage if triage in TRIAGE_LABELS else None
    scope = scope_of(session, user)
    items = service.open_queue(session, triage=level, limit=QUEUE_SIZE, where=scope.replies())
    counts = open_counts(session, scope)
    return {"items": [i.reply for i in items], "triage": level or "", "counts": counts,
            "filters": TRIAGE_FILTERS, "triage_labels": TRIAGE_LABELS,
            "urgent": counts.get("urgent", 0), "now": now}


def _context(session: Session, reply: Reply, user: User, **extra: Any) -> dict[str, Any]:
    answerable = reply.procedure_id is not None or reply.channel == "sms"
    form = answer_form(session, action=f"/review/{reply.id}/answer",
                       location_id=reply.location_id,
                       to="the patient" if reply.patient_id else "this number",
                       urgent=reply.procedure_id is not None) if answerable else {}
    return {**form, "answerable": answerable,
            "conversation": conversation_of(session, reply), "reply": reply,
            "recent": recent_replies(session, reply, scope_of(session, user)),
            "outcomes": service.OUTCOMES, "triage_labels": TRIAGE_LABELS,
            "zone": reply.patient.timezone if reply.patient else None, "error": None,
            "note": "", **extra}
