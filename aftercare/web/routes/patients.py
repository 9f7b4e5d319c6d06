"""A patient's data in the web app: download everything held (staff), erase (admins,
confirmed by typing the patient's number)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from aftercare import audit
from aftercare.db.models import Procedure
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.patients.erasure import erase_patient
from aftercare.patients.export import export_patient
from aftercare.web.errors import PageNotFound
from aftercare.web.login import AdminUser, StaffUser
from aftercare.web.render import flash
from aftercare.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/patients/{patient_id}/export")
def download(patient_id: RowId, session: SessionDep, container: ContainerDep,
             user: StaffUser) -> Response:
    try:
        data = export_patient(session, patient_id=patient_id)
    except NotFound:
        raise PageNotFound("patient") from None
    audit.record(session, actor=user.email, action="export_patient",
                 subject=f"patient:{patient_id}", now=container.clock())
    return Response(json.dumps(data, indent=2, ensure_ascii=False),
                    media_type="application/json", headers={
                        "Content-Disposition":
                            f'attachment; filename="patient-{patient_id}.json"',
                        "Cache-Control": "no-store, private"})


@router.post("/patients/{patient_id}/erase")
async def erase(patient_id: RowId, request: Request, session: SessionDep,
                container: ContainerDep, user: AdminUser) -> Response:
    form = await request.form()
    back = _back(session, patient_id)
    if str(form.get("confirm", "")).strip() != str(patient_id):
        flash(request, "Not erased: type the patient number to confirm.", "error")
        return RedirectResponse(back, status_code=303)
    try:
        erased = erase_patient(session, patient_id=patient_id,
                               reason=str(form.get("reason", "")), actor=user.email,
                               now=container.clock(), store=container.media_store)
    except InvalidRequest as exc:
        flash(request, f"Not erased: {exc.message}.", "error")
        return RedirectResponse(back, status_code=303)
    flash(request, f"Patient {patient_id} erased: {erased.messages} messages and "
          f"{erased.replies} replies kept as counts, without their words.")
    return RedirectResponse(back, status_code=303)


def _back(session: SessionDep, patient_id: int) -> str:
    procedure = session.query(Procedure.id).filter(Procedure.patient_id == patient_id).first()
    if procedure is None:
        raise PageNotFound("patient")
    return f"/procedures/{procedure.id}"
