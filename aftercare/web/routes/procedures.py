"""The procedures list and one procedure's page: timeline, symptom trend, reschedule, cancel.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.container import Container
from aftercare.conversations import thread
from aftercare.db.models import Procedure, Reply, User
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.procedures import service
from aftercare.procedures.schemas import ProcedurePatch
from aftercare.review.service import OUTCOMES
from aftercare.web.errors import PageNotFound
from aftercare.web.login import StaffUser
from aftercare.web.render import flash, on_wall_clock, page, zone_or_utc
from aftercare.web.security import verify_csrf
from aftercare.web.views import search, timeline, trend
from aftercare.web.views.conversation import answer_form
from aftercare.web.views.paging import page_number
from aftercare.web.views.procedure_form import (
    COMMON_ZONES,
    OTHER_ZONE,
    check_reschedule,
    zone_choice,
)

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/procedures")
def procedures_list(request: Request, session: SessionDep, container: ContainerDep,
                    user: StaffUser, q: str = "", day: str = "", type: str = "",
                    status: str = "", page_no: Annotated[str, Query(alias="page")] = "1"
                    ) -> Response:
    filters = search.Filters(q=q, day=day, procedure_type=type, status=status,
                             page=page_number(page_no))
    results = search.search(session, filters, clinic_zone=container.settings.clinic_timezone,
                            scope=scope_of(session, user))
    if results.rows:
        # Which records the list showed (names and phones), never what was searched for.
        audit.record(session, actor=user.email, action="list_procedures", subject="procedures",
                     now=container.clock(), detail={
                         "searched": bool(filters.q.strip()),
                         "procedures": [r.procedure.id for r in results.rows]})
    return page(request, "procedures.html", {
        "filters": filters, "results": results, "plans": container.plans,
        "statuses": search.STATUSES})


@router.get("/procedures/{procedure_id:int}")
def procedure_page(procedure_id: RowId, request: Request, session: SessionDep,
                   container: ContainerDep, user: StaffUser) -> Response:
    procedure = procedure_in_scope(session, procedure_id, user)
    audit.record(session, actor=user.email, action="view_procedure",
                 subject=f"procedure:{procedure.id}", now=container.clock())
    return page(request, "procedure.html", _context(session, container, procedure))


@router.post("/procedures/{procedure_id:int}/reschedule")
async def reschedule(procedure_id: RowId, request: Request, session: SessionDep,
                     container: ContainerDep, user: StaffUser) -> Response:
    asked = check_reschedule(await request.form())
    values, errors = asked.values, asked.errors
    procedure = procedure_in_scope(session, procedure_id, user)
    if errors:
        return page(request, "procedure.html", _context(
            session, container, procedure, reschedule_values=values, reschedule_errors=errors),
            status_code=422)
    try:
        service.reschedule(session, procedure_id=procedure_id,
                           patch=ProcedurePatch(performed_at=asked.performed_at,
                                                timezone=asked.zone,
                                                follow_up_at=asked.follow_up_at),
                           plans=container.plans, policy=container.planning_policy,
                           now=container.clock(), actor=user.email)
    except InvalidRequest as exc:
        # Refused before anything changed: show the form again with the reason.
        name = "follow_up_date" if exc.field[-1:] == ("follow_up_at",) else "date"
        return page(request, "procedure.html", _context(
            session, container, procedure, reschedule_values=values,
            reschedule_errors={name: f"Not rescheduled: {exc.message}."}), status_code=422)
    flash(request, "Rescheduled: messages not sent yet were planned again.")
    return _back(procedure_id)


@router.post("/procedures/{procedure_id:int}/cancel")
async def cancel(procedure_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: StaffUser) -> Response:
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:200] or "cancelled by staff"
    procedure_in_scope(session, procedure_id, user)
    try:
        service.cancel(session, procedure_id=procedure_id, reason=reason, actor=user.email,
                       now=container.clock())
    except NotFound:
        raise PageNotFound(f"procedure {procedure_id}") from None
    flash(request, "Cancelled: no further messages will be sent for this procedure.")
    return _back(procedure_id)


def procedure_in_scope(session: Session, procedure_id: int, user: User) -> Procedure:
    """The procedure, if it is at a location the user works at; else not found."""
    try:
        procedure = service.get_procedure(session, procedure_id)
    except NotFound:
        raise PageNotFound(f"procedure {procedure_id}") from None
    if not scope_of(session, user).sees(procedure.location_id):
        raise PageNotFound(f"procedure {procedure_id}")
    return procedure


def _back(procedure_id: int) -> Response:
    return RedirectResponse(f"/procedures/{procedure_id}", status_code=303)


def _context(session: Session, container: Container, procedure: Procedure,
             **extra: Any) -> dict[str, Any]:
    zone = procedure.patient.timezone
    replies = timeline.replies_for(session, procedure.id)
    local = on_wall_clock(procedure.performed_at, zone)
    values = {"date": local.date().isoformat(), "time": f"{local:%H:%M}", **zone_choice(zone),
              "follow_up_date": "", "follow_up_time": ""}
    if procedure.follow_up_at is not None:
        booked = on_wall_clock(procedure.follow_up_at, zone)
        values.update(follow_up_date=booked.date().isoformat(), follow_up_time=f"{booked:%H:%M}")
    context: dict[str, Any] = {
        "procedure": procedure, "patient": procedure.patient, "zone": zone,
        "plan": container.plans.get(procedure.procedure_type),
        "events": timeline.timeline(procedure, replies),
        "counts": timeline.message_counts(procedure),
        "chart": _chart(replies, procedure),
        "states": timeline.MESSAGE_STATES, "triage_labels": timeline.TRIAGE_LABELS,
        "outcomes": OUTCOMES, "zones": COMMON_ZONES, "other_zone": OTHER_ZONE,
        "reschedule_values": values, "reschedule_errors": {},
        "conversation": thread.for_patient(session, procedure.patient_id),
        **answer_form(session, action=f"/procedures/{procedure.id}/texts",
                      location_id=procedure.location_id, to=procedure.patient.first_name),
    }
    context.update(extra)
    return context



def _chart(replies: list[Reply], procedure: Procedure) -> trend.Chart | None:
    """The symptom trend; none when the stored dates cannot be drawn (a procedure planning
    set aside for its year-1 date, say): the rest of the page still shows."""
    if procedure.plan_error is not None:
        return None  # days since a date that could not be planned mean nothing
    try:
        return trend.build_chart(replies, performed_at=procedure.performed_at,
                                 zone=zone_or_utc(procedure.patient.timezone).key)
    except (OverflowError, ValueError):
        return None
