"""FHIR routes: parse, call one service function, answer in FHIR (refusals as an
`OperationOutcome`). Same bearer tokens and roles as `/api`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fhir.resources.R4B.bundle import (
    Bundle,
    BundleEntry,
    BundleEntryResponse,
)
from fhir.resources.R4B.reference import Reference
from sqlalchemy import select
from starlette.responses import Response

from aftercare import audit
from aftercare.db.models import Patient, Procedure
from aftercare.errors import InvalidRequest, NotFound
from aftercare.fhir.everything import everything, procedure_resource
from aftercare.fhir.inbound import Incoming, element_of, read_bundle, read_procedure
from aftercare.fhir.outcome import FHIR_JSON, Issue, Refused, fhir_response, refused_response
from aftercare.http.deps import Caller, ContainerDep, RowId, SessionDep, StaffDep
from aftercare.locations.scope import Scope, patient_visible
from aftercare.procedures import service
from aftercare.procedures.schemas import PatientIn
from aftercare.procedures.service import Logged

router = APIRouter(prefix="/fhir", tags=["fhir"])
_JSON_TYPES = (FHIR_JSON, "application/json")


@router.post("/Bundle", summary="Log a procedure from a transaction Bundle")
async def post_bundle(request: Request, session: SessionDep, container: ContainerDep,
                      who: StaffDep) -> Response:
    try:
        incoming, logged, procedure = _log(session, container, who, read_bundle(
            await _json(request), clinic_zone=container.settings.clinic_timezone))
    except Refused as refused:
        return refused_response(refused)
    status = "201 Created" if logged.created else "200 OK"
    return fhir_response(Bundle(type=incoming.answer_type, entry=[
        BundleEntry(fullUrl=incoming.patient_url,
                    response=BundleEntryResponse(status=status,
                                                 location=f"Patient/{procedure.patient_id}")),
        BundleEntry(response=BundleEntryResponse(status=status,
                                                 location=f"Procedure/{procedure.id}"))]))


@router.post("/Procedure", summary="Log a procedure with its Patient contained")
async def post_procedure(request: Request, session: SessionDep, container: ContainerDep,
                         who: StaffDep) -> Response:
    try:
        _, logged, procedure = _log(session, container, who, read_procedure(
            await _json(request), clinic_zone=container.settings.clinic_timezone,
            known_patient=lambda subject: held_patient(session, subject, who.scope)))
    except Refused as refused:
        return refused_response(refused)
    return fhir_response(procedure_resource(procedure), status=201 if logged.created else 200,
                         headers={"Location": f"Procedure/{procedure.id}"})


@router.get("/Patient/{patient_id}/$everything", summary="Everything held about a patient")
def patient_everything(patient_id: RowId, session: SessionDep, container: ContainerDep,
                       who: StaffDep) -> Response:
    try:
        if not patient_visible(session, who.scope, patient_id):
            raise NotFound(f"no patient {patient_id}")
        bundle = everything(session, patient_id=patient_id)
    except NotFound as exc:
        return refused_response(Refused([Issue("Patient", str(exc), "not-found")], 404))
    audit.record(session, actor=f"token:{who.name}", action="fhir_everything",
                 subject=f"patient:{patient_id}", now=container.clock())
    return fhir_response(bundle)


def held_patient(session: Any, subject: Reference, scope: Scope) -> PatientIn | None:
    """A patient logged here before, as we hold them: by `Patient/{id}` or by identifier;
    only one the caller may see (another location's is not found)."""
    found = None
    reference = subject.reference or ""
    if reference.startswith("Patient/") and reference[8:].isdigit():
        found = session.get(Patient, int(reference[8:]))
    elif subject.identifier is not None and subject.identifier.value:
        found = session.scalars(select(Patient).where(
            Patient.external_id == subject.identifier.value.strip(),
            scope.patients(Patient.id))).first()
    if (found is None or found.erased_at is not None
            or not patient_visible(session, scope, found.id)):
        return None
    return PatientIn(first_name=found.first_name, phone=found.phone, email=found.email,
                     timezone=found.timezone, language=found.language,  # type: ignore[arg-type]
                     sms_consent=found.sms_consent, email_consent=found.email_consent,
                     external_id=found.external_id)


async def _json(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _JSON_TYPES:
        raise Refused([Issue("", f"send {FHIR_JSON} (got {kind or 'no content type'})",
                             "not-supported")], status=415)
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise Refused([Issue("", "the body is not JSON", "structure")], status=400) from None


def _log(session: Any, container: Any, who: Caller, incoming: Incoming
         ) -> tuple[Incoming, Logged, Procedure]:
    """Through the one logging service, at the caller's location; its refusals named by
    the FHIR element."""
    try:
        request = incoming.request.model_copy(
            update={"location": who.scope.place(incoming.request.location)})
    except InvalidRequest as exc:
        raise Refused([Issue("Procedure.location", exc.message, "business-rule")]) from None
    [logged] = service.log_procedures(
        session, requests=[request], plans=container.plans, queue=container.queue,
        now=container.clock(), phone_region=container.settings.default_phone_region,
        by=f"token:{who.name}")
    if not isinstance(logged, Logged):
        raise Refused([Issue(element_of(p.field), p.message, "business-rule")
                       for p in logged.problems])
    procedure = session.get(Procedure, logged.procedure_id)
    assert procedure is not None
    audit.record(session, actor=f"token:{who.name}", action="fhir_log_procedure",
                 subject=f"procedure:{procedure.id}", now=container.clock())
    return incoming, logged, procedure
