"""HTTP routes for procedures: parse, call one service function, map domain errors."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from aftercare.api.deps import ContainerDep, RowId, SessionDep, StaffDep
from aftercare.api.errors import invalid, invalid_fields
from aftercare.bootstrap import Container
from aftercare.db.session import transaction
from aftercare.procedures import logbook, service
from aftercare.procedures.errors import InvalidRequest
from aftercare.procedures.intake import wake_planning
from aftercare.procedures.logbook import InvalidBatch, Logged
from aftercare.procedures.schemas import (
    CancelIn,
    ProcedureBatchIn,
    ProcedureBatchOut,
    ProcedureCreated,
    ProcedureIn,
    ProcedureOut,
    ProcedurePatch,
)

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProcedureCreated,
             responses={200: {"model": ProcedureCreated, "description": "already logged"}})
async def log_procedure(body: ProcedureIn, container: ContainerDep, _: StaffDep,
                        response: Response) -> ProcedureCreated:
    # Shares a transaction with the POSTs that arrive meanwhile (procedures/intake.py).
    logged = await asyncio.wrap_future(container.procedure_intake.submit(body))
    if isinstance(logged, InvalidBatch):
        raise invalid_fields([(p.field, p.message) for p in logged.problems])
    if not logged.created:
        response.status_code = status.HTTP_200_OK
    return ProcedureCreated(id=logged.procedure_id, status=logged.status,
                            created=logged.created)


@router.post("/batch", response_model=ProcedureBatchOut,
             responses={422: {"description": "a procedure broke a rule: nothing was logged"}})
async def log_procedures(body: ProcedureBatchIn, container: ContainerDep, _: StaffDep
                         ) -> ProcedureBatchOut:
    """Log many procedures at once (a scheduling system's day list): all or none. Results
    come in the order sent; `created` is false for an `external_id` logged before."""
    try:
        logged = await run_in_threadpool(_log, container, body.procedures)
    except InvalidBatch as exc:
        raise invalid_fields([(("procedures", *p.field), p.message)
                              for p in exc.problems]) from None
    return ProcedureBatchOut(procedures=[
        ProcedureCreated(id=one.procedure_id, status=one.status, created=one.created)
        for one in logged])


def _log(container: Container, requests: list[ProcedureIn]) -> list[Logged]:
    """The batch's transaction, then the planning wake-up."""
    with transaction(container.sessions) as session:
        logged = logbook.log_procedures(
            session, requests=requests, plans=container.plans,
            phone_region=container.settings.default_phone_region)
    wake_planning(container, logged)
    return logged


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
