"""HTTP routes for procedures: parse, call one service function, map domain errors."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from aftercare.api.deps import ContainerDep, RowId, SessionDep, StaffDep
from aftercare.api.errors import invalid
from aftercare.procedures import service
from aftercare.procedures.errors import InvalidRequest
from aftercare.procedures.schemas import (
    CancelIn,
    ProcedureCreated,
    ProcedureIn,
    ProcedureOut,
    ProcedurePatch,
)

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProcedureCreated,
             responses={200: {"model": ProcedureCreated, "description": "already logged"}})
def log_procedure(body: ProcedureIn, session: SessionDep, container: ContainerDep,
                  _: StaffDep, response: Response) -> ProcedureCreated:
    try:
        procedure, created = service.log_procedure(
            session, request=body, plans=container.plans,
            phone_region=container.settings.default_phone_region)
    except InvalidRequest as exc:
        raise invalid(exc) from None
    result = ProcedureCreated(id=procedure.id, status=procedure.status, created=created)
    if not created:
        response.status_code = status.HTTP_200_OK
        return result
    # Commit before enqueueing, so the worker never looks for a procedure not there yet.
    session.commit()
    container.queue.plan_procedure(procedure.id)
    return result


@router.get("/{procedure_id}", response_model=ProcedureOut)
def get_procedure(procedure_id: RowId, session: SessionDep, _: StaffDep) -> ProcedureOut:
    return service.describe(service.get_procedure(session, procedure_id))


@router.patch("/{procedure_id}", response_model=ProcedureOut)
def reschedule(procedure_id: RowId, body: ProcedurePatch, session: SessionDep,
               container: ContainerDep, _: StaffDep) -> ProcedureOut:
    try:
        procedure = service.reschedule(
            session, procedure_id=procedure_id, patch=body, plans=container.plans,
            policy=container.planning_policy, now=container.clock())
    except InvalidRequest as exc:
        raise invalid(exc) from None
    session.flush()
    session.expire_all()
    return service.describe(service.get_procedure(session, procedure.id))


@router.post("/{procedure_id}/cancel", response_model=ProcedureOut)
def cancel(procedure_id: RowId, session: SessionDep, _: StaffDep,
           body: CancelIn | None = None) -> ProcedureOut:
    procedure = service.cancel(session, procedure_id=procedure_id,
                               reason=(body or CancelIn()).reason)
    session.flush()
    session.expire_all()
    return service.describe(service.get_procedure(session, procedure.id))
