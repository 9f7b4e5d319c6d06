"""The patient record over HTTP: read it, correct it (re-planning what is ahead), and
everything held as an export. Every read and change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.db.models import Patient
from aftercare.errors import NotFound
from aftercare.http.deps import Caller, ContainerDep, RowId, SessionDep, StaffDep
from aftercare.locations.scope import patient_visible
from aftercare.patients.export import export_patient
from aftercare.patients.record import PatientPatch, correct_patient
from aftercare.procedures.queries import patient_out
from aftercare.procedures.schemas import PatientOut

router = APIRouter(prefix="/api/patients", tags=["patients"])
NO_STORE = {"Cache-Control": "no-store, private"}


@router.get("/{patient_id}", response_model=PatientOut)
def read(patient_id: RowId, session: SessionDep, container: ContainerDep,
         who: StaffDep) -> PatientOut:
    _check_visible(session, who, patient_id)
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"no patient {patient_id}")
    audit.record(session, actor=f"token:{who.name}", action="view_patient",
                 subject=f"patient:{patient_id}", now=container.clock())
    return patient_out(patient)


@router.patch("/{patient_id}", response_model=PatientOut)
def correct(patient_id: RowId, patch: PatientPatch, session: SessionDep,
            container: ContainerDep, who: StaffDep) -> PatientOut:
    """Correct phone, email, language, time zone or consent (with `consent_method`); what
    is still ahead is planned again. A change planning cannot carry out changes nothing."""
    _check_visible(session, who, patient_id)
    actor = f"token:{who.name}"
    corrected = correct_patient(
        session, patient_id=patient_id, patch=patch, actor=actor, plans=container.plans,
        policy=container.planning_policy, now=container.clock(),
        phone_region=container.settings.default_phone_region)
    if corrected.changed:
        audit.record(session, actor=actor, action="correct_patient",
                     subject=f"patient:{patient_id}", now=container.clock(),
                     detail={"changed": corrected.changed})
    return patient_out(corrected.patient)


@router.get("/{patient_id}/export", response_model=dict[str, Any])
def export(patient_id: RowId, session: SessionDep, container: ContainerDep,
           who: StaffDep) -> JSONResponse:
    _check_visible(session, who, patient_id)
    data = export_patient(session, patient_id=patient_id)
    audit.record(session, actor=f"token:{who.name}", action="export_patient",
                 subject=f"patient:{patient_id}", now=container.clock())
    return JSONResponse(data, headers=NO_STORE)


def _check_visible(session: Session, who: Caller, patient_id: int) -> None:
    """A patient seen only at another location is "not found", as one that does not exist."""
    if not patient_visible(session, who.scope, patient_id):
        raise NotFound(f"no patient {patient_id}")
