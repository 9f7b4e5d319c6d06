"""Second factor in the database: enrolling a TOTP app, checking a code or a recovery code
(each once), resetting it for someone who lost their phone, and the short-lived signed
challenge that carries a sign-in from the password to the code. Callers own the
transaction.
"""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from aftercare.auth import two_factor
from aftercare.db.models import RecoveryCode, User
from aftercare.settings import Settings

CHALLENGE_SECONDS = 5 * 60  # from a right password to the code
NEEDS_IT = ("clinician", "admin")


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def must_enrol(user: User, settings: Settings) -> bool:
    """Clinicians and admins, where the setting asks for it, before anything else."""
    return settings.two_factor_needed and user.role in NEEDS_IT and not enrolled(user)


def enable(session: Session, *, user: User, secret: str, code: str, now: datetime
           ) -> list[str] | None:
    """Turn it on if `code` comes from the app set up with `secret`; the recovery codes to
    show once, or None for a wrong code."""
    checked = two_factor.check_code(secret, code, now=now, last_step=None)
    if not checked.ok:
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, checked.step
    codes = two_factor.new_recovery_codes()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c))
                    for c in codes)
    return codes


def verify(session: Session, *, user: User, code: str, now: datetime) -> str | None:
    """How the second factor was given ("totp" or "recovery code"), or None."""
    if not enrolled(user):
        return None
    assert user.totp_secret is not None
    checked = two_factor.check_code(user.totp_secret, code, now=now,
                                    last_step=user.totp_last_step)
    if checked.ok:
        # Conditional, so two requests with the same code cannot both pass.
        won = session.execute(update(User).where(
            User.id == user.id, (User.totp_last_step.is_(None))
            | (User.totp_last_step < checked.step)).values(totp_last_step=checked.step))
        return "totp" if won.rowcount else None  # type: ignore[attr-defined]
    used = session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == two_factor.hash_recovery_code(code)).values(used_at=now))
    return "recovery code" if used.rowcount else None  # type: ignore[attr-defined]


def recovery_codes_left(session: Session, user_id: int) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def reset(session: Session, *, user: User) -> None:
    """An admin's answer to a lost phone: the next sign-in enrols again."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def challenge(user_id: int, *, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt="second-factor").dumps(user_id)


def challenged_user(token: object, *, secret_key: str) -> int | None:
    if not isinstance(token, str):
        return None
    try:
        value = URLSafeTimedSerializer(secret_key, salt="second-factor").loads(
            token, max_age=CHALLENGE_SECONDS)
    except BadSignature:  # forged, or older than CHALLENGE_SECONDS
        return None
    return value if isinstance(value, int) else None
