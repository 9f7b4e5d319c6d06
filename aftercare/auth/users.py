"""People who sign in to the web app: creating them, roles, disabling, passwords.

Callers own the transaction. Signing in is aftercare/auth/signin.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.auth import sessions, throttle
from aftercare.auth.passwords import hash_password
from aftercare.auth.tokens import ROLES, Role, revoke_for_user
from aftercare.db.models import Location, User


class UserError(ValueError):
    """A request about accounts the clinic's rules refuse; nothing was written."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, *, email: str, role: str, password: str, name: str = ""
                ) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address")
    _check_role(role)
    if find_by_email(session, email) is not None:
        raise UserError(f"a user with email {email} already exists")
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(f"password: {exc}") from None
    user = User(email=email, name=name.strip(), role=role, password_hash=password_hash)
    # At the default location until an admin says otherwise: a single clinic needs no more.
    first = session.scalar(select(Location).order_by(Location.id).limit(1))
    user.locations = [first] if first is not None else []
    session.add(user)
    session.flush()
    return user


def change_role(session: Session, *, user_id: int, role: str) -> User:
    _check_role(role)
    user = _get(session, user_id)
    if user.role == "admin" and role != "admin" and _active_admins(session) <= 1:
        raise UserError("this is the last admin; make someone else admin first")
    user.role = role
    return user


def set_disabled(session: Session, *, user_id: int, disabled: bool, now: datetime) -> User:
    user = _get(session, user_id)
    if disabled and user.role == "admin" and _active_admins(session) <= 1:
        raise UserError("this is the last admin; make someone else admin first")
    user.disabled_at = now if disabled else None
    if disabled:
        # Callers forget the API token cache once this commits.
        sessions.end_all(session, user_id=user.id, now=now)
        revoke_for_user(session, user_id=user.id, now=now)
    else:
        unlock(session, email=user.email)
    return user


def unlock(session: Session, *, email: str) -> None:
    """Let the account's next sign-in be checked at once (an admin vouching for the person)."""
    throttle.clear(session, throttle.account_key(normalise_email(email)))


def change_password(session: Session, *, user_id: int, password: str, now: datetime,
                    keep_session: str | None = None) -> User:
    """A new password ends every other session: whoever knew the old one is signed out."""
    user = _get(session, user_id)
    try:
        user.password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(f"password: {exc}") from None
    sessions.end_all(session, user_id=user.id, now=now, keep=keep_session)
    return user


def set_locations(session: Session, *, user_id: int, keys: list[str]) -> User:
    """Where the user works: staff and clinicians see only these locations' patients (none:
    nobody's). Admins see every location whatever this says."""
    user = _get(session, user_id)
    wanted = sorted({key.strip().lower() for key in keys if key.strip()})
    found = list(session.scalars(select(Location).where(Location.key.in_(wanted))))
    unknown = set(wanted) - {row.key for row in found}
    if unknown:
        raise UserError(f"no location {', '.join(sorted(unknown))}")
    user.locations = found
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserError(f"no user {user_id}")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.disabled_at.is_(None))) or 0


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return role  # type: ignore[return-value]
