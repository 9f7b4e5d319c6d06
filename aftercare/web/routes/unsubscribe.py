"""The email unsubscribe link (RFC 8058): no sign-in, no CSRF token; the signed link is the
authority. Opening it shows a button (mail scanners open links, and must not unsubscribe
anyone); a POST, from that button or a mail client's one-click, unsubscribes."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aftercare.errors import NotFound
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.patients.unsubscribe import patient_of, unsubscribe
from aftercare.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/unsubscribe/{token}")
def confirm(token: str, request: Request, container: ContainerDep) -> Response:
    if _patient_id(token, container) is None:
        return _not_valid(request)
    return page(request, "unsubscribe.html", {"token": token, "done": False,
                                              "clinic": container.settings.clinic_name})


@router.post("/unsubscribe/{token}")
def unsubscribe_now(token: str, request: Request, session: SessionDep,
                    container: ContainerDep) -> Response:
    patient_id = _patient_id(token, container)
    if patient_id is None:
        return _not_valid(request)
    with suppress(NotFound):  # erased since: there is nothing left to send to
        unsubscribe(session, patient_id=patient_id, plans=container.plans,
                    policy=container.planning_policy,
                    phone_region=container.settings.default_phone_region,
                    now=container.clock())
    return page(request, "unsubscribe.html", {"token": token, "done": True,
                                              "clinic": container.settings.clinic_name})


def _patient_id(token: str, container: ContainerDep) -> int | None:
    if len(token) > 200:
        return None
    return patient_of(token, secret_key=container.settings.secret_key.get_secret_value())


def _not_valid(request: Request) -> Response:
    return page(request, "error.html", {
        "title": "This link is not valid",
        "text": "Copy the whole link from the email, or call the clinic to stop emails."},
        status_code=404)
