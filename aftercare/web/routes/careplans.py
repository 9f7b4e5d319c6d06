"""The care plans page: every plan in schedules/ with its steps and an example timeline."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from aftercare.http.deps import ContainerDep
from aftercare.web.login import StaffUser
from aftercare.web.render import page
from aftercare.web.security import verify_csrf
from aftercare.web.views.careplans import example_procedure_time, plan_views

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/plans")
def care_plans(request: Request, container: ContainerDep, user: StaffUser) -> Response:
    zone = container.settings.clinic_timezone
    performed_at = example_procedure_time(container.clock(), zone)
    return page(request, "careplans.html", {
        "views": plan_views(container.plans, policy=container.planning_policy, zone=zone,
                            performed_at=performed_at),
        "performed_at": performed_at, "zone": zone})
