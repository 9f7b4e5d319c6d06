"""Importing a day list (CSV): upload, a preview of every row with its problems and the
messages it will plan, then Log all, through the same import as `aftercare procedures
import`. The file is never kept: the preview carries it to the confirm step."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from aftercare import audit
from aftercare.db.models import User
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.locations.store import all_locations
from aftercare.procedures.daylist import COLUMNS, MAX_BYTES, MAX_ROWS, REQUIRED
from aftercare.procedures.daylist_import import import_day_list
from aftercare.web.login import StaffUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views.day_list import preview_rows

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
PATH = "/procedures/import"


@router.get(PATH)
def upload_form(request: Request, user: StaffUser) -> Response:
    return page(request, "import_day_list.html", _about())


@router.post(PATH)
async def preview_or_log(request: Request, session: SessionDep, container: ContainerDep,
                         user: StaffUser) -> Response:
    form = await request.form()
    saving = form.get("step") == "save"
    data = await _data(form.get("file"), form.get("day_list"), saving=saving)
    if data is None:
        return page(request, "import_day_list.html", {
            **_about(), "error": "Choose the day list's CSV file."}, status_code=422)
    settings = container.settings
    imported = import_day_list(
        session, data=data, plans=container.plans, phone_region=settings.default_phone_region,
        clinic_zone=settings.clinic_timezone, queue=container.queue, now=container.clock(),
        dry_run=not saving, by=user.email, locations=_where(session, user))
    if saving and imported.ok:
        total = len(imported.logged)
        audit.record(session, actor=user.email, action="import_day_list",
                     subject=f"day_list:{total}_rows", now=container.clock(),
                     detail={"rows": total, "created": imported.created,
                             "procedures": [one.procedure_id for one in imported.logged]})
        flash(request, f"{imported.created} procedure(s) logged from the day list"
              + (f"; {total - imported.created} were logged before and are unchanged."
                 if total > imported.created else ". Their messages are being planned now."))
        return RedirectResponse("/procedures", status_code=303)
    rows, file_problems = preview_rows(imported, plans=container.plans,
                                       policy=container.planning_policy, now=container.clock())
    return page(request, "import_day_list.html", {
        **_about(), "imported": imported, "rows": rows, "file_problems": file_problems,
        "zone": settings.clinic_timezone,
        "day_list": base64.b64encode(data).decode() if imported.ok else ""},
        status_code=200 if imported.ok else 422)


async def _data(file: object, carried: object, *, saving: bool) -> bytes | None:
    if saving and isinstance(carried, str):
        try:
            return base64.b64decode(carried, validate=True)
        except binascii.Error:
            return None
    if isinstance(file, UploadFile) and file.filename:
        return await file.read(MAX_BYTES + 1)  # one byte over: refused as too large
    return None


def _about() -> dict[str, object]:
    return {"columns": COLUMNS, "required": REQUIRED, "max_rows": MAX_ROWS,
            "max_kb": MAX_BYTES // 1024}


def _where(session: Session, user: User) -> set[str | None]:
    """The location keys this user may import to; None (no location column): the default."""
    scope = scope_of(session, user)
    keys: set[str | None] = {row.key for row in all_locations(session) if scope.sees(row.id)}
    if scope.sees(scope.default_id):
        keys.add(None)
    return keys
