"""Password reset by a one-time link: an admin (page or `aftercare users reset-password`)
makes it, the user opens it and sets a new password. The link is signed with the server's
key and names the password it replaces, so it works once (the new password voids it) and
for a day."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from aftercare.db.models import User

LINK_SECONDS = 24 * 3600


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_link(user: User, *, secret_key: str, base_url: str) -> str:
    token = _serializer(secret_key).dumps({"u": user.id, "p": _fingerprint(user)})
    return f"{base_url.rstrip('/')}/reset/{token}"


def user_for(session: Session, token: str, *, secret_key: str) -> User | None:
    """The user a live link is for; None when forged, expired, used, or the user disabled."""
    try:
        value = _serializer(secret_key).loads(token, max_age=LINK_SECONDS)
    except BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        return None
    user = session.get(User, value["u"])
    if user is None or user.disabled_at is not None or value.get("p") != _fingerprint(user):
        return None
    return user
