"""A patient in the web app: their record and its corrections (staff), everything held as a
download (staff), erasure (admins, confirmed by typing the patient's number)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.consent import METHOD_WORDS
from aftercare.container import Container
from aftercare.db.models import Patient, User
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import patient_visible, scope_of
from aftercare.patients.erasure import erase_patient
from aftercare.patients.export import export_patient
from aftercare.patients.record import correct_patient
from aftercare.web.errors import PageNotFound
from aftercare.web.login import AdminUser, StaffUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views import timeline
from aftercare.web.views.patient_record import (
    check_correction,
    form_values,
    patient_record,
)
from aftercare.web.views.procedure_form import COMMON_ZONES, OTHER_ZONE

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/patients/{patient_id}")
def patient_page(patient_id: RowId, request: Request, session: SessionDep,
                 container: ContainerDep, user: StaffUser) -> Response:
    patient = _patient(session, patient_id, user)
    audit.record(session, actor=user.email, action="view_patient",
                 subject=f"patient:{patient_id}", now=container.clock())
    return page(request, "patient.html", _context(session, container, patient, user))


@router.post("/patients/{patient_id}")
async def correct(patient_id: RowId, request: Request, session: SessionDep,
                  container: ContainerDep, user: StaffUser) -> Response:
    patient = _patient(session, patient_id, user)
    asked = check_correction(await request.form(), patient)
    errors = dict(asked.errors)
    if asked.patch is not None:
        try:
            corrected = correct_patient(
                session, patient_id=patient_id, patch=asked.patch, actor=user.email,
                plans=container.plans, policy=container.planning_policy,
                phone_region=container.settings.default_phone_region, now=container.clock())
        except InvalidRequest as exc:
            name = str(exc.field[0]) if exc.field else "phone"
            errors[name] = exc.message[:1].upper() + exc.message[1:]
        else:
            if not corrected.changed:
                flash(request, "Nothing changed.")
            else:
                audit.record(session, actor=user.email, action="correct_patient",
                             subject=f"patient:{patient_id}", now=container.clock(),
                             detail={"changed": corrected.changed})
                flash(request, "Saved: " + ", ".join(c.replace("_", " ")
                                                     for c in corrected.changed)
                      + ". Messages not sent yet were planned again.")
            return RedirectResponse(f"/patients/{patient_id}", status_code=303)
    session.rollback()  # nothing of a refused correction stays
    patient = _patient(session, patient_id, user)
    return page(request, "patient.html", _context(
        session, container, patient, user, values=asked.values, errors=errors),
        status_code=422)


@router.get("/patients/{patient_id}/export")
def download(patient_id: RowId, session: SessionDep, container: ContainerDep,
             user: StaffUser) -> Response:
    _patient(session, patient_id, user)
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
    back = _back(session, patient_id, user)
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


def _back(session: SessionDep, patient_id: int, user: User) -> str:
    _patient(session, patient_id, user)
    return f"/patients/{patient_id}"


def _patient(session: Session, patient_id: int, user: User) -> Patient:
    """The patient, if they had a procedure at a location the user works at; else not
    found."""
    patient = session.get(Patient, patient_id)
    if patient is None or not patient_visible(session, scope_of(session, user), patient_id):
        raise PageNotFound(f"patient {patient_id}")
    return patient


def _context(session: Session, container: Container, patient: Patient, user: User,
             **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "record": patient_record(session, patient, scope_of(session, user)),
        "patient": patient,
        "zone": patient.timezone, "plans": container.plans,
        "values": form_values(patient), "errors": {},
        "zones": list(COMMON_ZONES), "other_zone": OTHER_ZONE, "methods": METHOD_WORDS,
        "states": timeline.MESSAGE_STATES, "triage_labels": timeline.TRIAGE_LABELS}
    context.update(extra)
    return context
