"""Texting patients back from the reply page and the timeline; the inbox of replies from
numbers not on file; canned replies on the admin pages. Each route parses the form, calls
one service function and maps its refusal to a notice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.container import Container
from aftercare.conversations import canned as canned_replies
from aftercare.conversations import inbox, service
from aftercare.conversations.service import Queued, Sender
from aftercare.db.models import Reply, User
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import patient_visible, scope_of
from aftercare.locations.store import all_locations
from aftercare.web.errors import PageNotFound
from aftercare.web.login import AdminUser, ClinicianUser, StaffUser
from aftercare.web.render import flash, page
from aftercare.web.routes.procedures import procedure_in_scope
from aftercare.web.security import verify_csrf
from aftercare.web.views.conversation import answer_form, conversation_of

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
FormText = Annotated[str, Form()]


def _row_id(value: str) -> int | None:
    """A row id typed in a form, or None."""
    return int(value) if value.strip().isdigit() and len(value) < 10 else None


def _sent(request: Request, queued: Queued) -> None:
    if not queued.created:
        flash(request, "Already sent: this form went once.")
    elif queued.waits_until is not None:
        flash(request, "Text queued: it waits for the end of the patient's quiet hours "
                       "(mark it urgent to send now).")
    else:
        flash(request, "Text on its way.")


@router.post("/procedures/{procedure_id:int}/texts")
def text_from_timeline(procedure_id: RowId, request: Request, session: SessionDep,
                       container: ContainerDep, user: StaffUser, body: FormText = "",
                       key: FormText = "", canned: FormText = "", urgent: FormText = ""
                       ) -> Response:
    procedure_in_scope(session, procedure_id, user)
    back = RedirectResponse(f"/procedures/{procedure_id}#conversation-h", status_code=303)
    return _text_patient(request, session, container, user, back, procedure_id=procedure_id,
                         reply_id=None, body=body, key=key, canned=canned,
                         urgent=urgent == "yes")


@router.post("/review/{reply_id:int}/answer")
def answer_reply(reply_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: ClinicianUser, body: FormText = "",
                 key: FormText = "", canned: FormText = "", urgent: FormText = ""
                 ) -> Response:
    reply = _reply(session, reply_id, user)
    back = RedirectResponse(f"/review/{reply.id}#conversation-h", status_code=303)
    if reply.procedure_id is None:
        return _text_number(request, session, container, user, back, reply=reply, body=body,
                            key=key, canned=canned)
    return _text_patient(request, session, container, user, back,
                         procedure_id=reply.procedure_id, reply_id=reply.id, body=body,
                         key=key, canned=canned, urgent=urgent == "yes")


def _text_patient(request: Request, session: Session, container: Container, user: User,
                  back: Response, *, procedure_id: int, reply_id: int | None, body: str,
                  key: str, canned: str, urgent: bool) -> Response:
    try:
        queued = service.text_patient(
            session, procedure_id=procedure_id, body=body, key=key, urgent=urgent,
            sender=Sender(user.email, user.id), canned_id=_row_id(canned),
            reply_id=reply_id, policy=container.dispatch_policy, now=container.clock(),
            queue=container.queue)
    except InvalidRequest as exc:
        flash(request, f"Not sent: {exc.message}.", "error")
        return back
    if queued.created:
        audit.record(session, actor=user.email, action="text_patient",
                     subject=f"procedure:{procedure_id}", now=container.clock(),
                     detail={"message_id": queued.message_id, "reply_id": reply_id,
                             "urgent": urgent})
    _sent(request, queued)
    return back


def _text_number(request: Request, session: Session, container: Container, user: User,
                 back: Response, *, reply: Reply, body: str, key: str, canned: str
                 ) -> Response:
    try:
        queued = service.text_number(session, reply_id=reply.id, body=body, key=key,
                                     sender=Sender(user.email, user.id),
                                     canned_id=_row_id(canned), now=container.clock(),
                                     queue=container.queue)
    except InvalidRequest as exc:
        flash(request, f"Not sent: {exc.message}.", "error")
        return back
    if queued.created:
        audit.record(session, actor=user.email, action="text_number",
                     subject=f"reply:{reply.id}", now=container.clock(),
                     detail={"message_id": queued.message_id})
    _sent(request, queued)
    return back


# --- the inbox: replies from numbers not on file ---------------------------------------


@router.get("/inbox")
def inbox_page(request: Request, session: SessionDep, container: ContainerDep,
               user: StaffUser) -> Response:
    replies = inbox.unmatched(session, where=scope_of(session, user).replies())
    if replies:
        audit.record(session, actor=user.email, action="list_replies", subject="inbox",
                     now=container.clock(), detail={"replies": [r.id for r in replies]})
    return page(request, "inbox.html", {"replies": replies})


@router.get("/inbox/{reply_id:int}")
def inbox_reply(reply_id: RowId, request: Request, session: SessionDep,
                container: ContainerDep, user: StaffUser) -> Response:
    reply = _reply(session, reply_id, user)
    if reply.patient_id is not None:
        return RedirectResponse(f"/procedures/{reply.procedure_id}", status_code=303)
    audit.record(session, actor=user.email, action="view_reply", subject=f"reply:{reply.id}",
                 now=container.clock())
    form = answer_form(session, action=f"/inbox/{reply.id}/answer",
                       location_id=reply.location_id, to="this number", urgent=False) \
        if reply.channel == "sms" else {}
    return page(request, "inbox_reply.html", {
        **form, "reply": reply, "conversation": conversation_of(session, reply),
        "zone": None, "answerable": bool(form)})


@router.post("/inbox/{reply_id:int}/answer")
def inbox_answer(reply_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: StaffUser, body: FormText = "",
                 key: FormText = "", canned: FormText = "") -> Response:
    reply = _reply(session, reply_id, user)
    back = RedirectResponse(f"/inbox/{reply.id}", status_code=303)
    return _text_number(request, session, container, user, back, reply=reply, body=body,
                        key=key, canned=canned)


@router.post("/inbox/{reply_id:int}/attach")
def inbox_attach(reply_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: StaffUser, patient: FormText = "") -> Response:
    reply = _reply(session, reply_id, user)
    back = RedirectResponse(f"/inbox/{reply.id}", status_code=303)
    patient_id = _row_id(patient)
    if patient_id is None or not patient_visible(session, scope_of(session, user),
                                                 patient_id):
        flash(request, "Not attached: give the number of a patient you can see.", "error")
        return back
    try:
        inbox.attach(session, reply_id=reply.id, patient_id=patient_id,
                     settings=container.settings, plans=container.plans,
                     now=container.clock(), queue=container.queue)
    except InvalidRequest as exc:
        flash(request, f"Not attached: {exc.message}.", "error")
        return back
    audit.record(session, actor=user.email, action="attach_reply", subject=f"reply:{reply.id}",
                 now=container.clock(), detail={"patient_id": patient_id})
    flash(request, "Attached: the reply was read again as the patient's.")
    return RedirectResponse(f"/procedures/{reply.procedure_id}", status_code=303)


def _reply(session: Session, reply_id: int, user: User) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None or not scope_of(session, user).sees(reply.location_id):
        raise PageNotFound(f"reply {reply_id}")
    return reply


# --- canned replies (admin) -----------------------------------------------------------


@router.get("/admin/canned")
def canned_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin_canned.html", _canned_context(session))


@router.post("/admin/canned")
def add_canned(request: Request, session: SessionDep, container: ContainerDep,
               user: AdminUser, label: FormText = "", body: FormText = "",
               location: FormText = "") -> Response:
    try:
        added = canned_replies.add(session, label=label, body=body,
                                   location_id=_row_id(location), actor=user.email,
                                   now=container.clock())
    except InvalidRequest as exc:
        return page(request, "admin_canned.html", _canned_context(
            session, error=exc.message, values={"label": label, "body": body,
                                                "location": location}), status_code=422)
    audit.record(session, actor=user.email, action="add_canned_reply",
                 subject=f"canned:{added.id}", now=container.clock())
    flash(request, f"Added the canned reply “{added.label}”.")
    return RedirectResponse("/admin/canned", status_code=303)


@router.post("/admin/canned/{canned_id:int}/archive")
def archive_canned(canned_id: RowId, request: Request, session: SessionDep,
                   container: ContainerDep, user: AdminUser) -> Response:
    try:
        removed = canned_replies.archive(session, canned_id=canned_id, now=container.clock())
    except NotFound:
        raise PageNotFound(f"canned reply {canned_id}") from None
    audit.record(session, actor=user.email, action="archive_canned_reply",
                 subject=f"canned:{removed.id}", now=container.clock())
    flash(request, f"Removed the canned reply “{removed.label}”.")
    return RedirectResponse("/admin/canned", status_code=303)


def _canned_context(session: Session, *, error: str | None = None,
                    values: dict[str, str] | None = None) -> dict[str, object]:
    return {"canned": canned_replies.offered(session, None),
            "locations": all_locations(session), "placeholders": canned_replies.PLACEHOLDERS,
            "error": error, "values": values or {}}
