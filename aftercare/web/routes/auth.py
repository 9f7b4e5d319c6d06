"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aftercare import audit
from aftercare.auth import users
from aftercare.container import Container
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.web.login import OptionalUser, safe_next, sign_in, sign_out
from aftercare.web.render import local_time, page
from aftercare.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/")
def home(user: OptionalUser) -> Response:
    return RedirectResponse("/procedures" if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str = "") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(request: Request, session: SessionDep, container: ContainerDep,
          email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:
    now = container.clock()
    result = users.authenticate(session, email=email, password=password, now=now)
    actor = users.normalise_email(email)[:120] or "(blank)"
    if result.user is None:
        audit.record(session, actor=actor, action="login_failed", subject="login", now=now,
                     detail={"outcome": result.outcome})
        return page(request, "login.html", {
            "next": safe_next(next), "email": email, "error": _refusal(result, container)},
            status_code=429 if result.outcome == "locked" else 401)
    sign_in(request, result.user, now)
    audit.record(session, actor=result.user.email, action="login",
                 subject=f"user:{result.user.id}", now=now)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, container: ContainerDep,
           user: OptionalUser) -> Response:
    if user is not None:
        audit.record(session, actor=user.email, action="logout", subject=f"user:{user.id}",
                     now=container.clock())
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


def _refusal(result: users.SignIn, container: Container) -> str:
    if result.outcome == "locked":
        until = local_time(result.locked_until, container.settings.clinic_timezone)
        return (f"Too many wrong passwords: this account is locked until {until}. "
                "An admin can unlock it sooner.")
    if result.outcome == "disabled":
        return "This account is disabled. Ask an admin."
    return "Wrong email or password."
