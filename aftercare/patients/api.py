"""`GET /api/patients/{id}/export`: everything held about a patient, audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from aftercare import audit
from aftercare.http.deps import ContainerDep, RowId, SessionDep, StaffDep
from aftercare.patients.export import export_patient

router = APIRouter(prefix="/api/patients", tags=["patients"])
NO_STORE = {"Cache-Control": "no-store, private"}


@router.get("/{patient_id}/export", response_model=dict[str, Any])
def export(patient_id: RowId, session: SessionDep, container: ContainerDep,
           who: StaffDep) -> JSONResponse:
    data = export_patient(session, patient_id=patient_id)
    audit.record(session, actor=f"token:{who.name}", action="export_patient",
                 subject=f"patient:{patient_id}", now=container.clock())
    return JSONResponse(data, headers=NO_STORE)
