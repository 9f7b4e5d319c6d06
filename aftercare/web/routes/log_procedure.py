"""Logging a procedure: the form, a preview of every message, then Save.

Save logs through the procedures service in this request's transaction, as every entry point
does; the worker is woken to plan once it has committed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.container import Container
from aftercare.db.models import Location, User
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.locations.store import all_locations
from aftercare.procedures import service
from aftercare.procedures.service import Logged
from aftercare.web.login import StaffUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views import procedure_form
from aftercare.web.views.procedure_form import (
    ProcedureForm,
    add_problems,
    blank_form,
    check_form,
)

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/procedures/new")
def new_procedure(request: Request, session: SessionDep, container: ContainerDep,
                  user: StaffUser) -> Response:
    form = blank_form(clinic_zone=container.settings.clinic_timezone, now=container.clock())
    if user.role in ("clinician", "admin") and user.name:
        form.values["clinician"] = user.name
    return page(request, "log_procedure.html", _context(container, form, session, user))


@router.post("/procedures/new")
async def preview_or_save(request: Request, session: SessionDep, container: ContainerDep,
                          user: StaffUser) -> Response:
    data = await request.form()
    form = check_form(data, plans=container.plans,
                      phone_region=container.settings.default_phone_region,
                      policy=container.planning_policy, now=container.clock(),
                      locations=_where(session, user))
    step = data.get("step")
    if form.ok and step != "edit" and form.checked is not None:
        # The same visit entered twice would plan two sets of texts: ask before going on.
        duplicate = service.duplicates(session, [form.checked]).get(0)
        if duplicate is not None:
            add_problems(form, [duplicate])
    if step == "edit" or not form.ok:
        return page(request, "log_procedure.html", _context(container, form, session, user),
                    status_code=422 if form.errors and step != "edit" else 200)
    if step != "save":
        return page(request, "preview_procedure.html", _context(container, form, session, user))
    assert form.request is not None
    [logged] = service.log_procedures(
        session, requests=[form.request], plans=container.plans, queue=container.queue,
        now=container.clock(), by=user.email,
        phone_region=container.settings.default_phone_region)
    if not isinstance(logged, Logged):  # e.g. the same visit saved meanwhile elsewhere
        add_problems(form, logged.problems)
        return page(request, "log_procedure.html", _context(container, form, session, user),
                    status_code=422)
    if not logged.created:
        flash(request, f"Already logged with visit id {form.request.external_id}: this is it.",
              "error")
        return RedirectResponse(f"/procedures/{logged.procedure_id}", status_code=303)
    audit.record(session, actor=user.email, action="log_procedure",
                 subject=f"procedure:{logged.procedure_id}", now=container.clock())
    flash(request, "Procedure logged. Its messages are being planned now.")
    return RedirectResponse(f"/procedures/{logged.procedure_id}", status_code=303)


def _where(session: Session, user: User) -> dict[str, Location]:
    """The locations this user may log procedures at, by key."""
    scope = scope_of(session, user)
    return {row.key: row for row in all_locations(session) if scope.sees(row.id)}


def _context(container: Container, form: ProcedureForm, session: Session, user: User
             ) -> dict[str, Any]:
    plan = container.plans.get(form.values.get("procedure_type", ""))
    where = _where(session, user)
    return {
        "location_options": tuple((key, row.name) for key, row in where.items())
        if len(where) > 1 else (),
        "form": form, "values": form.values, "errors": form.errors, "plans": container.plans,
        "plan": plan, "zones": procedure_form.COMMON_ZONES, "other_zone": procedure_form.OTHER_ZONE,
        "languages": procedure_form.LANGUAGES, "sides": procedure_form.SIDES,
        "fields": procedure_form.FIELDS,
        "plan_options": tuple((key, p.name) for key, p in sorted(container.plans.items())),
    }
