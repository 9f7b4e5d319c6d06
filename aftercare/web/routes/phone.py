"""The patient phone: try the whole loop without a phone (embedded default only).

A reply typed here goes through `accept_sms`, the very function behind Twilio's webhook,
with a Twilio-shaped MessageSid, so it is stored, matched, read and triaged the same way.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.db.models import Location, Patient, Procedure, User
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import patient_visible, scope_of
from aftercare.replies.webhooks import accept_sms
from aftercare.web.errors import PageNotFound
from aftercare.web.login import StaffUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views import phone

MAX_REPLY = 1600  # Twilio's limit for one inbound message


def phone_enabled(container: ContainerDep) -> None:
    if not container.settings.patient_phone_enabled:
        raise PageNotFound("patient phone here (it is off on this server)")


router = APIRouter(dependencies=[Depends(phone_enabled), Depends(verify_csrf)],
                   include_in_schema=False)


@router.get("/phone")
def choose_patient(request: Request, session: SessionDep, user: StaffUser) -> Response:
    return page(request, "phone_patients.html",
                {"patients": phone.patients(session, scope_of(session, user))})


@router.get("/phone/{patient_id:int}")
def patient_phone(patient_id: RowId, request: Request, session: SessionDep,
                  container: ContainerDep, user: StaffUser) -> Response:
    patient = _patient(session, patient_id, user)
    audit.record(session, actor=user.email, action="view_patient",
                 subject=f"patient:{patient.id}", now=container.clock(),
                 detail={"page": "patient phone"})
    return page(request, "phone.html", {"patient": patient,
                                        "bubbles": phone.thread(session, patient)})


@router.get("/phone/{patient_id:int}/thread")
def patient_thread(patient_id: RowId, request: Request, session: SessionDep,
                   user: StaffUser) -> Response:
    patient = _patient(session, patient_id, user)
    return page(request, "_thread.html", {"patient": patient,
                                          "bubbles": phone.thread(session, patient)},
                fragment=True)


@router.post("/phone/{patient_id:int}")
async def send_reply(patient_id: RowId, request: Request, session: SessionDep,
                     container: ContainerDep, user: StaffUser,
                     body: Annotated[str, Form()] = "") -> Response:
    patient = _patient(session, patient_id, user)
    text = body.strip()[:MAX_REPLY]
    if not text:
        flash(request, "Type a reply first.", "error")
        return RedirectResponse(f"/phone/{patient_id}", status_code=303)
    settings = container.settings
    # To the number of the location that treated them last, as their phone would.
    sender = session.scalar(
        select(Location.sms_sender).join(Procedure, Procedure.location_id == Location.id)
        .where(Procedure.patient_id == patient.id)
        .order_by(Procedure.performed_at.desc()).limit(1))
    await accept_sms(container, {
        "MessageSid": "SM" + uuid.uuid4().hex, "From": patient.phone,
        "To": sender or settings.twilio_from_number or "+15550100000", "Body": text,
        "NumMedia": "0",
        "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    })
    audit.record(session, actor=user.email, action="simulate_reply",
                 subject=f"patient:{patient.id}", now=container.clock())
    return RedirectResponse(f"/phone/{patient_id}#latest", status_code=303)


def _patient(session: Session, patient_id: int, user: User) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or not patient_visible(session, scope_of(session, user), patient_id):
        raise PageNotFound(f"patient {patient_id}")
    return patient
