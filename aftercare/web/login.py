"""Who is signed in: the signed cookie carries a server-side session's secret (and the CSRF
token), checked against the database on every request, so signing out, disabling the user
or a new password ends it at once, and a session ends `session_max_age_minutes` after
sign-in however busy it was (aftercare/auth/sessions.py).
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from aftercare.auth import sessions
from aftercare.auth.second_factor import must_enrol
from aftercare.auth.tokens import Role, allows
from aftercare.db.models import User
from aftercare.http.deps import ContainerDep, SessionDep
from aftercare.oncall.store import nobody_on_call


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class Forbidden(Exception):
    def __init__(self, needed: str) -> None:
        super().__init__(needed)
        self.needed = needed


def sign_in(request: Request, secret: str) -> None:
    # A fresh cookie (and CSRF token) at sign-in: nothing from before carries over.
    request.session.clear()
    request.session.update(sid=secret, csrf=secrets.token_urlsafe(32))


def session_secret(request: Request) -> str | None:
    sid = request.session.get("sid")
    return sid if isinstance(sid, str) and sid else None


def sign_out(request: Request) -> None:
    request.session.clear()


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/procedures"
    return value


def current_user(request: Request, session: SessionDep, container: ContainerDep) -> User | None:
    secret = session_secret(request)
    if secret is None:
        return None
    user = sessions.find_user(session, secret, now=container.clock())
    if user is None:
        sign_out(request)
        return None
    request.state.user = user
    if user.role in ("clinician", "admin"):
        # They are who urgent replies depend on: every page tells them where nobody is on
        # call now, among the locations they work at (an admin: all).
        request.state.nobody_on_call = nobody_on_call(
            session, container.settings, container.clock(), location_ids=None
            if user.role == "admin" else [place.id for place in user.locations])
    return user


OptionalUser = Annotated[User | None, Depends(current_user)]


class EnrolmentRequired(Exception):
    """A clinician or admin without a second factor where one is required: they set it up
    before anything else."""


# What someone who must enrol may still open: the enrolment itself and the way out.
ENROLMENT_PATHS = ("/account/two-factor", "/logout")


def require(role: Role):  # type: ignore[no-untyped-def]
    def check(request: Request, user: OptionalUser, container: ContainerDep) -> User:
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target if request.method == "GET" else request.url.path)
        if request.url.path not in ENROLMENT_PATHS and must_enrol(user, container.settings):
            raise EnrolmentRequired()
        if not allows(user.role, role):
            raise Forbidden(role)
        return user

    return check


StaffUser = Annotated[User, Depends(require("staff"))]
ClinicianUser = Annotated[User, Depends(require("clinician"))]
AdminUser = Annotated[User, Depends(require("admin"))]
