"""Admin pages: users (create, role, disable), API tokens (create once, revoke), audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.auth import second_factor, sessions, users
from aftercare.auth.reset import reset_link
from aftercare.auth.tokens import ROLES, create_token
from aftercare.container import Container
from aftercare.db.session import after_commit
from aftercare.errors import InvalidRequest, NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.store import all_locations
from aftercare.oncall import store as rota
from aftercare.oncall.rota import WEEKDAYS
from aftercare.web.errors import PageNotFound
from aftercare.web.login import AdminUser
from aftercare.web.render import flash, page
from aftercare.web.security import verify_csrf
from aftercare.web.views.admin import revoke_token, tokens
from aftercare.web.views.audit_words import in_words, patient_subjects
from aftercare.web.views.paging import page_number

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)],
                   include_in_schema=False)
AUDIT_PAGE = 50
FormText = Annotated[str, Form()]


@router.get("/users")
def users_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin_users.html", {"users": users.list_users(session),
                                              "locations": all_locations(session),
                                              "roles": ROLES, "values": {}, "error": None})


@router.post("/users")
def create_user(request: Request, session: SessionDep, container: ContainerDep,
                user: AdminUser, email: FormText = "", name: FormText = "",
                role: FormText = "", password: FormText = "") -> Response:
    try:
        created = users.create_user(session, email=email, role=role, password=password,
                                    name=name)
    except users.UserError as exc:
        return page(request, "admin_users.html", {
            "users": users.list_users(session), "roles": ROLES, "error": str(exc),
            "locations": all_locations(session),
            "values": {"email": email, "name": name, "role": role}}, status_code=422)
    audit.record(session, actor=user.email, action="create_user",
                 subject=f"user:{created.id}", now=container.clock(), detail={"role": role})
    flash(request, f"Created {created.role} {created.email}.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id:int}")
def change_user(user_id: RowId, request: Request, session: SessionDep, container: ContainerDep,
                user: AdminUser, role: FormText = "", disabled: FormText = "") -> Response:
    now = container.clock()
    detail: dict[str, object] = {}
    try:
        if role:
            changed = users.change_role(session, user_id=user_id, role=role)
            action, detail["role"] = "change_role", role
        else:
            changed = users.set_disabled(session, user_id=user_id, disabled=disabled == "yes",
                                         now=now)
            action = "disable_user" if disabled == "yes" else "enable_user"
    except users.UserError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/admin/users", status_code=303)
    audit.record(session, actor=user.email, action=action, subject=f"user:{changed.id}",
                 now=now, detail=detail or None)
    # Disabled: their tokens were revoked. A new role: their tokens see other locations.
    # Either way no process may go on trusting what it cached.
    after_commit(session, container.token_cache.forget_all)
    flash(request, f"Saved {changed.email}.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id:int}/unlock")
def unlock_user(user_id: RowId, request: Request, session: SessionDep, container: ContainerDep,
                user: AdminUser) -> Response:
    found = users.get_user(session, user_id)
    if found is None:
        raise PageNotFound(f"user {user_id}")
    users.unlock(session, email=found.email)
    audit.record(session, actor=user.email, action="unlock_user", subject=f"user:{found.id}",
                 now=container.clock())
    flash(request, f"{found.email} can sign in again at once.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id:int}/reset-password")
def reset_password(user_id: RowId, request: Request, session: SessionDep,
                   container: ContainerDep, user: AdminUser) -> Response:
    """A one-time link for the user to set a new password (shown once, to pass on)."""
    found = users.get_user(session, user_id)
    if found is None:
        raise PageNotFound(f"user {user_id}")
    settings = container.settings
    link = reset_link(found, secret_key=settings.secret_key.get_secret_value(),
                      base_url=settings.public_base_url)
    audit.record(session, actor=user.email, action="password_reset_link",
                 subject=f"user:{found.id}", now=container.clock())
    flash(request, f"Give {found.email} this link (it works once, for a day): {link}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id:int}/two-factor/reset")
def reset_two_factor(user_id: RowId, request: Request, session: SessionDep,
                     container: ContainerDep, user: AdminUser) -> Response:
    found = users.get_user(session, user_id)
    if found is None:
        raise PageNotFound(f"user {user_id}")
    second_factor.reset(session, user=found)
    sessions.end_all(session, user_id=found.id, now=container.clock())
    audit.record(session, actor=user.email, action="reset_two_factor",
                 subject=f"user:{found.id}", now=container.clock())
    flash(request, f"{found.email} sets up two-step sign-in again at the next sign-in.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id:int}/sign-out")
def sign_out_user(user_id: RowId, request: Request, session: SessionDep,
                  container: ContainerDep, user: AdminUser) -> Response:
    found = users.get_user(session, user_id)
    if found is None:
        raise PageNotFound(f"user {user_id}")
    now = container.clock()
    ended = sessions.end_all(session, user_id=found.id, now=now)
    audit.record(session, actor=user.email, action="sign_out_everywhere",
                 subject=f"user:{found.id}", now=now, detail={"sessions": ended})
    flash(request, f"Signed {found.email} out everywhere ({ended} sessions).")
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/tokens")
def tokens_page(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return page(request, "admin_tokens.html", _tokens(session))


@router.post("/tokens")
def new_token(request: Request, session: SessionDep, container: ContainerDep,
              user: AdminUser, name: FormText = "", role: FormText = "",
              location: FormText = "") -> Response:
    name = name.strip()[:80]
    places = {row.key: row for row in all_locations(session)}
    if not name or role not in ROLES or (location and location not in places):
        return page(request, "admin_tokens.html", _tokens(
            session, error="Give the token a name (the system that will use it), a role "
            "and where it works."), status_code=422)
    place = places.get(location)
    token = create_token(session, name=name, role=role,  # type: ignore[arg-type]
                         owner_id=user.id, location_id=place.id if place else None,
                         now=container.clock())
    session.flush()
    audit.record(session, actor=user.email, action="create_token", subject=f"token:{name}",
                 now=container.clock(),
                 detail={"role": role, "location": place.key if place else "all"})
    # Shown once, in this response only; never stored or redirected with.
    return page(request, "admin_tokens.html", _tokens(session, new_token=token))


def _tokens(session: Session, *, new_token: str | None = None, error: str | None = None
            ) -> dict[str, object]:
    return {"tokens": tokens(session), "roles": ROLES, "new_token": new_token,
            "error": error, "locations": all_locations(session),
            "places": {row.id: row for row in all_locations(session, archived=True)}}


@router.post("/tokens/{token_id:int}/revoke")
def revoke(token_id: RowId, request: Request, session: SessionDep, container: ContainerDep,
           user: AdminUser) -> Response:
    token = revoke_token(session, token_id=token_id, now=container.clock())
    if token is not None:
        audit.record(session, actor=user.email, action="revoke_token",
                     subject=f"token:{token.name}", now=container.clock())
    # Forgotten once committed: a request checking the token in between would otherwise
    # read it as not revoked and cache it again.
    after_commit(session, container.token_cache.forget_all)
    if token is not None:
        flash(request, f"Revoked the token {token.name}.")
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/audit")
def audit_log(request: Request, session: SessionDep, container: ContainerDep,
              user: AdminUser, actor: str = "", action: str = "", subject: str = "",
              patient: str = "", page_no: Annotated[str, Query(alias="page")] = "1"
              ) -> Response:
    number = page_number(page_no)
    patient = patient.strip()
    subjects = (patient_subjects(session, int(patient))
                if patient.isdigit() and len(patient) < 10 else None)
    if patient and subjects is None:
        subjects = []  # not a patient number: nothing matches
    rows, total = audit.events(session, actor=actor, action=action, subject=subject,
                               subjects=subjects, limit=AUDIT_PAGE,
                               offset=(number - 1) * AUDIT_PAGE)
    return page(request, "admin_audit.html", {
        "lines": in_words(session, rows, container.settings.clinic_timezone),
        "total": total, "page_no": number,
        "pages": max(1, -(-total // AUDIT_PAGE)), "actions": audit.actions(session),
        "filters": {"actor": actor, "action": action, "subject": subject,
                    "patient": patient}})


@router.get("/oncall")
def oncall_page(request: Request, session: SessionDep, container: ContainerDep,
                user: AdminUser) -> Response:
    return page(request, "admin_oncall.html", _rota(session, container))


@router.post("/oncall")
async def add_oncall_shift(request: Request, session: SessionDep, container: ContainerDep,
                           user: AdminUser) -> Response:
    form = await request.form()
    values = {f: str(form.get(f, ""))[:300] for f in rota.ROTA_FIELDS}
    try:
        row = rota.add_shift(session, values, by=user.email,
                             phone_region=container.settings.default_phone_region)
    except InvalidRequest as exc:
        return page(request, "admin_oncall.html", _rota(
            session, container, values=values, error=exc.message, field=exc.field[0]),
            status_code=422)
    audit.record(session, actor=user.email, action="add_oncall_shift",
                 subject=f"oncall:{row.id}", now=container.clock(),
                 detail={"weekday": row.weekday, "starts": row.starts, "ends": row.ends})
    flash(request, f"{row.name} is on call {WEEKDAYS[row.weekday]} {row.starts}-{row.ends}.")
    return RedirectResponse("/admin/oncall", status_code=303)


@router.post("/oncall/{shift_id:int}/delete")
def remove_oncall_shift(shift_id: RowId, request: Request, session: SessionDep,
                        container: ContainerDep, user: AdminUser) -> Response:
    try:
        row = rota.remove_shift(session, shift_id)
    except NotFound:
        raise PageNotFound(f"on-call shift {shift_id}") from None
    audit.record(session, actor=user.email, action="remove_oncall_shift",
                 subject=f"oncall:{shift_id}", now=container.clock(),
                 detail={"weekday": row.weekday, "starts": row.starts, "ends": row.ends})
    flash(request, "Shift removed.")
    return RedirectResponse("/admin/oncall", status_code=303)


def _rota(session: Session, container: Container, *, values: dict[str, str] | None = None,
          error: str | None = None, field: object = None) -> dict[str, object]:
    places = {row.id: row for row in all_locations(session, archived=True)}
    return {"shifts": rota.rows(session), "weekdays": WEEKDAYS, "places": places,
            "cover": rota.cover(session, container.settings, container.clock()),
            "values": values or {}, "error": error, "error_field": field}
