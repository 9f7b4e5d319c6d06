"""HTTP routes for procedures: parse, call one service function, map domain errors."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import Caller, ContainerDep, RowId, SessionDep, StaffDep
from aftercare.http.errors import invalid_fields
from aftercare.locations.scope import procedure_visible
from aftercare.procedures import service
from aftercare.procedures.queries import describe, get_procedure
from aftercare.procedures.schemas import (
    CancelIn,
    ProcedureBatchIn,
    ProcedureBatchOut,
    ProcedureCreated,
    ProcedureIn,
    ProcedureOut,
    ProcedurePatch,
)
from aftercare.procedures.service import Logged, Refused

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProcedureCreated,
             responses={200: {"model": ProcedureCreated, "description": "already logged"}})
async def log_procedure(body: ProcedureIn, container: ContainerDep, who: StaffDep,
                        response: Response) -> ProcedureCreated:
    """`location` may be left out by a caller that works at one location."""
    body = body.model_copy(update={"location": who.scope.place(body.location)})
    # `log_procedures` for this request and those arriving meanwhile, in one transaction
    # (the procedure writer); a request that breaks a rule is refused alone.
    logged = await container.procedure_writer.submit((body, f"token:{who.name}"))
    if isinstance(logged, Refused):
        raise invalid_fields([(p.field, p.message) for p in logged.problems])
    if not logged.created:
        response.status_code = status.HTTP_200_OK
    return _created(logged)


@router.post("/batch", response_model=ProcedureBatchOut,
             responses={422: {"description": "a procedure broke a rule: nothing was logged"}})
def log_procedures(body: ProcedureBatchIn, session: SessionDep, container: ContainerDep,
                   who: StaffDep) -> ProcedureBatchOut:
    """Log many procedures at once (a scheduling system's day list): all or none. Results
    come in the order sent; `created` is false for an `external_id` logged before."""
    requests, outside = [], []
    for i, one in enumerate(body.procedures):
        try:
            requests.append(one.model_copy(update={"location": who.scope.place(one.location)}))
        except InvalidRequest as exc:
            outside.append((("procedures", i, *exc.field), exc.message))
    if outside:
        raise invalid_fields(outside)
    results = service.log_procedures(
        session, requests=requests, plans=container.plans, queue=container.queue,
        now=container.clock(), by=f"token:{who.name}",
        phone_region=container.settings.default_phone_region, all_or_none=True)
    problems = [(("procedures", i, *p.field), p.message) for i, one in enumerate(results)
                if isinstance(one, Refused) for p in one.problems]
    if problems:
        raise invalid_fields(problems)
    return ProcedureBatchOut(procedures=[_created(one) for one in results
                                         if isinstance(one, Logged)])


@router.get("/{procedure_id}", response_model=ProcedureOut)
def get_one(procedure_id: RowId, session: SessionDep, container: ContainerDep,
            who: StaffDep) -> ProcedureOut:
    _check_visible(session, who, procedure_id)
    procedure = get_procedure(session, procedure_id)
    audit.record(session, actor=f"token:{who.name}", action="view_procedure",
                 subject=f"procedure:{procedure_id}", now=container.clock(),
                 detail={"via": "API"})
    return describe(procedure)


@router.patch("/{procedure_id}", response_model=ProcedureOut)
def reschedule(procedure_id: RowId, body: ProcedurePatch, session: SessionDep,
               container: ContainerDep, who: StaffDep) -> ProcedureOut:
    _check_visible(session, who, procedure_id)
    return describe(service.reschedule(
        session, procedure_id=procedure_id, patch=body, plans=container.plans,
        policy=container.planning_policy, now=container.clock(), actor=f"token:{who.name}"))


@router.post("/{procedure_id}/cancel", response_model=ProcedureOut)
def cancel(procedure_id: RowId, session: SessionDep, container: ContainerDep, who: StaffDep,
           body: CancelIn | None = None) -> ProcedureOut:
    _check_visible(session, who, procedure_id)
    return describe(service.cancel(session, procedure_id=procedure_id,
                                   reason=(body or CancelIn()).reason,
                                   actor=f"token:{who.name}", now=container.clock()))


def _check_visible(session: Session, who: Caller, procedure_id: int) -> None:
    """Another location's procedure is "not found", as one that does not exist."""
    if not procedure_visible(session, who.scope, procedure_id):
        raise NotFound(f"no procedure {procedure_id}")


def _created(logged: Logged) -> ProcedureCreated:
    return ProcedureCreated(id=logged.procedure_id, status=logged.status,
                            created=logged.created)
