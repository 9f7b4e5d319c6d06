"""Signing in and out, and the signed-in person's own account page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.auth import second_factor, sessions, two_factor, users
from aftercare.auth.passwords import check_in_pool
from aftercare.auth.reset import user_for
from aftercare.auth.signin import SignIn, sign_in, sign_in_with_code
from aftercare.container import Container
from aftercare.db.models import User
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
    if result.outcome == "second_factor" and result.user_id is not None:
        # The password was right: the code comes next, within a few minutes.
        request.session.clear()
        request.session["pending"] = second_factor.challenge(result.user_id,
                                                            secret_key=_secret(container))
        return RedirectResponse(f"/login/code?next={quote(safe_next(next), safe='/')}",
                                status_code=303)
    if not result.ok or result.session_secret is None:
        refused = page(request, "login.html", {
            "next": safe_next(next), "email": email, "error": _refusal(result)},
            status_code=429 if result.outcome == "throttled" else 401)
        if result.retry_after:
            refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    web_login.sign_in(request, result.session_secret)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/login/code")
def code_form(request: Request, container: ContainerDep, next: str = "") -> Response:
    if second_factor.challenged_user(request.session.get("pending"),
                                     secret_key=_secret(container)) is None:
        return RedirectResponse("/login", status_code=303)
    return page(request, "login_code.html", {"next": safe_next(next), "error": None})


@router.post("/login/code")
async def code(request: Request, container: ContainerDep, code: FormText = "",
               next: FormText = "") -> Response:
    user_id = second_factor.challenged_user(request.session.get("pending"),
                                            secret_key=_secret(container))
    if user_id is None:  # too late, or never asked: start again
        flash(request, "Sign in again: the code must follow the password within five "
              "minutes.", "error")
        return RedirectResponse("/login", status_code=303)
    result = await sign_in_with_code(
        container.sessions, user_id=user_id, code=code,
        address=request.client.host if request.client else "", now=container.clock(),
        lifetime=timedelta(minutes=container.settings.session_max_age_minutes),
        user_agent=request.headers.get("user-agent", ""))
    if not result.ok or result.session_secret is None:
        refused = page(request, "login_code.html", {
            "next": safe_next(next),
            "error": _refusal(result) if result.outcome == "throttled"
            else "That code did not work. Use the newest one from the app, or a recovery code."},
            status_code=429 if result.outcome == "throttled" else 401)
        if result.retry_after:
            refused.headers["Retry-After"] = str(result.retry_after)
        return refused
    web_login.sign_in(request, result.session_secret)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/account/two-factor")
def two_factor_page(request: Request, session: SessionDep, container: ContainerDep,
                    user: StaffUser) -> Response:
    return page(request, "two_factor.html", _enrolment(request, session, container, user))


@router.post("/account/two-factor")
def enrol(request: Request, session: SessionDep, container: ContainerDep, user: StaffUser,
          code: FormText = "") -> Response:
    secret = request.session.get("totp_setup")
    if second_factor.enrolled(user) or not isinstance(secret, str):
        return RedirectResponse("/account/two-factor", status_code=303)
    codes = second_factor.enable(session, user=user, secret=secret, code=code,
                                 now=container.clock())
    if codes is None:
        return page(request, "two_factor.html", {
            **_enrolment(request, session, container, user),
            "error": "That code did not match: scan the QR code again and type the code "
                     "the app shows now."}, status_code=422)
    request.session.pop("totp_setup", None)
    audit.record(session, actor=user.email, action="enable_two_factor",
                 subject=f"user:{user.id}", now=container.clock())
    return page(request, "two_factor.html", {"enrolled": True, "codes": codes,
                                             "left": len(codes)})


def _enrolment(request: Request, session: Session, container: Container, user: User
               ) -> dict[str, Any]:
    if second_factor.enrolled(user):
        return {"enrolled": True, "codes": None,
                "left": second_factor.recovery_codes_left(session, user.id)}
    secret = request.session.get("totp_setup")
    if not isinstance(secret, str):
        # Kept in the signed cookie until confirmed: only this browser ever sees it.
        secret = request.session["totp_setup"] = two_factor.new_secret()
    uri = two_factor.enrolment_uri(secret, account=user.email,
                                   issuer=f"{container.settings.clinic_name} aftercare")
    return {"enrolled": False, "secret": secret, "qr": two_factor.qr_data_uri(uri),
            "required": second_factor.must_enrol(user, container.settings), "error": None}


def _secret(container: Container) -> str:
    return container.settings.secret_key.get_secret_value()


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


@router.get("/reset/{token}")
def reset_form(token: str, request: Request, session: SessionDep,
               container: ContainerDep) -> Response:
    if user_for(session, token[:300], secret_key=_secret(container)) is None:
        return _reset_gone(request)
    return page(request, "reset_password.html", {"token": token, "error": None})


@router.post("/reset/{token}")
def reset_password(token: str, request: Request, session: SessionDep,
                   container: ContainerDep, new: FormText = "") -> Response:
    found = user_for(session, token[:300], secret_key=_secret(container))
    if found is None:
        return _reset_gone(request)
    now = container.clock()
    try:
        users.change_password(session, user_id=found.id, password=new, now=now)
    except users.UserError as exc:
        return page(request, "reset_password.html", {"token": token, "error": str(exc)},
                    status_code=422)
    audit.record(session, actor=found.email, action="reset_password",
                 subject=f"user:{found.id}", now=now)
    sign_out(request)
    flash(request, "Password set: sign in with it now.")
    return RedirectResponse("/login", status_code=303)


def _reset_gone(request: Request) -> Response:
    return page(request, "error.html", {
        "title": "This link does not work",
        "text": "It was used already, is more than a day old, or was not copied whole. Ask "
                "an admin for a new one."}, status_code=404)
