"""Admin: the clinic group's locations (add, change) and who works at which."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.auth import users
from aftercare.db.session import after_commit
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.store import FIELDS, add_location, all_locations, change_location
from aftercare.web.errors import PageNotFound
from aftercare.web.login import AdminUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)],
                   include_in_schema=False)


@router.get("/locations")
def locations_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin_locations.html", _context(session))


@router.post("/locations")
async def add(request: Request, session: SessionDep, container: ContainerDep,
              user: AdminUser) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items() if k in FIELDS}
    try:
        row = add_location(session, values,
                           phone_region=container.settings.default_phone_region)
    except InvalidRequest as exc:
        session.rollback()
        return page(request, "admin_locations.html", _context(
            session, new=values, errors={str(exc.field[0]): exc.message}), status_code=422)
    audit.record(session, actor=user.email, action="add_location",
                 subject=f"location:{row.key}", now=container.clock())
    flash(request, f"Added {row.name}.")
    return RedirectResponse("/admin/locations", status_code=303)


@router.post("/locations/{key}")
async def change(key: str, request: Request, session: SessionDep, container: ContainerDep,
                 user: AdminUser) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items() if k in FIELDS}
    try:
        row = change_location(session, key, values, queue=container.queue,
                              phone_region=container.settings.default_phone_region)
    except NotFound:
        raise PageNotFound(f"location {key}") from None
    except InvalidRequest as exc:
        session.rollback()
        return page(request, "admin_locations.html", _context(
            session, editing=key, edited=values, errors={str(exc.field[0]): exc.message}),
            status_code=422)
    audit.record(session, actor=user.email, action="change_location",
                 subject=f"location:{row.key}", now=container.clock(),
                 detail={"fields": sorted(values)})
    flash(request, f"Saved {row.name}. Messages planned from now on use it; texts already "
          "planned keep their words until re-planned.")
    return RedirectResponse("/admin/locations", status_code=303)


@router.post("/users/{user_id:int}/locations")
async def user_locations(user_id: RowId, request: Request, session: SessionDep,
                         container: ContainerDep, user: AdminUser) -> Response:
    form = await request.form()
    keys = [str(k) for k in form.getlist("location")]
    try:
        changed = users.set_locations(session, user_id=user_id, keys=keys)
    except users.UserError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/users", status_code=303)
    audit.record(session, actor=user.email, action="set_user_locations",
                 subject=f"user:{changed.id}", now=container.clock(),
                 detail={"locations": sorted(keys)})
    after_commit(session, container.token_cache.forget_all)  # their tokens' reach changed
    flash(request, f"Saved where {changed.email} works.")
    return RedirectResponse("/admin/users", status_code=303)


def _context(session: Session, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"locations": all_locations(session, archived=True),
                               "new": {}, "errors": {}, "editing": None, "edited": {}}
    context.update(extra)
    return context
