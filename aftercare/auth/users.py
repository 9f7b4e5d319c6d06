"""People who sign in to the web app: creating them, signing in with a lockout, roles.

Callers own the transaction. A failed sign-in writes its counter, so the caller must commit
even when it refuses the sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from aftercare.auth.tokens import ROLES, Role
from aftercare.db.models import Location, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class UserError(ValueError):
    """A request about accounts the clinic's rules refuse; nothing was written."""


@dataclass(frozen=True)
class SignIn:
    outcome: Literal["ok", "invalid", "locked", "disabled"]
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


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
    user = User(email=email, name=name.strip(), role=role, password_hash=password_hash,
                failed_logins=0)
    # At the default location until an admin says otherwise: a single clinic needs no more.
    first = session.scalar(select(Location).order_by(Location.id).limit(1))
    user.locations = [first] if first is not None else []
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> SignIn:
    """Check a sign-in. After MAX_FAILED_LOGINS wrong passwords in a row the account is
    locked for LOCKOUT; while locked even the right password is refused (and not counted)."""
    user = find_by_email(session, email)
    if user is None:
        verify_password(dummy_hash(), password)
        return SignIn("invalid")
    if user.disabled_at is not None:
        return SignIn("disabled")
    if user.locked_until is not None and user.locked_until > now:
        return SignIn("locked", locked_until=user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + LOCKOUT
            return SignIn("locked", locked_until=user.locked_until)
        return SignIn("invalid")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignIn("ok", user=user)


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
    if not disabled:
        user.failed_logins = 0
        user.locked_until = None
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
