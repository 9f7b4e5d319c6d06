"""Signing in and out, and the signed-in person's own account page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aftercare import audit
from aftercare.auth import sessions, users
from aftercare.auth.passwords import check_in_pool
from aftercare.auth.signin import SignIn, sign_in
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.web import login as web_login
from aftercare.web.login import OptionalUser, StaffUser, safe_next, session_secret, sign_out
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
FormText = Annotated[str, Form()]


@router.get("/")
def home(user: OptionalUser) -> Response:
    return RedirectResponse("/procedures" if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str = "") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", {"next": safe_next(next), "email": ""})


# async: the password check waits in the bounded argon2 pool, not in a thread of the
# server's shared pool, so many sign-ins at once cannot hold up other requests.
@router.post("/login")
async def login(request: Request, container: ContainerDep, email: FormText = "",
                password: FormText = "", next: FormText = "") -> Response:
    result = await sign_in(
        container.sessions, email=email, password=password,
        address=request.client.host if request.client else "", now=container.clock(),
        lifetime=timedelta(minutes=container.settings.session_max_age_minutes),
        user_agent=request.headers.get("user-agent", ""))
    if not result.ok or result.session_secret is None:
        refused = page(request, "login.html", {
            "next": safe_next(next), "email": email, "error": _refusal(result)},
            status_code=429 if result.outcome == "throttled" else 401)
        if result.retry_after:
            refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    web_login.sign_in(request, result.session_secret)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep, container: ContainerDep,
           user: OptionalUser) -> Response:
    secret = session_secret(request)
    if secret is not None:
        sessions.end(session, secret, now=container.clock())
    if user is not None:
        audit.record(session, actor=user.email, action="logout", subject=f"user:{user.id}",
                     now=container.clock())
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/account")
def account(request: Request, user: StaffUser) -> Response:
    return page(request, "account.html", {"error": None})


@router.post("/account/sign-out-everywhere")
def sign_out_everywhere(request: Request, session: SessionDep, container: ContainerDep,
                        user: StaffUser) -> Response:
    now = container.clock()
    ended = sessions.end_all(session, user_id=user.id, now=now)
    audit.record(session, actor=user.email, action="sign_out_everywhere",
                 subject=f"user:{user.id}", now=now, detail={"sessions": ended})
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.post("/account/password")
def change_password(request: Request, session: SessionDep, container: ContainerDep,
                    user: StaffUser, current: FormText = "", new: FormText = "") -> Response:
    now = container.clock()
    try:
        if not check_in_pool(user.password_hash, current):
            raise users.UserError("the current password is wrong")
        users.change_password(session, user_id=user.id, password=new, now=now,
                              keep_session=session_secret(request))
    except users.UserError as exc:
        return page(request, "account.html", {"error": str(exc)}, status_code=422)
    audit.record(session, actor=user.email, action="change_password",
                 subject=f"user:{user.id}", now=now)
    flash(request, "Password changed; your other sessions are signed out.")
    return RedirectResponse("/account", status_code=303)


def _refusal(result: SignIn) -> str:
    if result.outcome == "throttled":
        return (f"Too many attempts. Wait {result.retry_after} seconds, then try again. "
                "An admin can let you in sooner.")
    if result.outcome == "disabled":
        return "This account is disabled. Ask an admin."
    return "Wrong email or password."
