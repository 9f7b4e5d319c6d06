"""Admin lists: API tokens (created by aftercare.auth.tokens, revoked here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import ApiToken, User


def tokens(session: Session) -> list[tuple[ApiToken, str | None]]:
    """Each token with its owner's email (None: a system token)."""
    rows = session.execute(
        select(ApiToken, User.email).outerjoin(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc()))
    return [(token, email) for token, email in rows]


def revoke_token(session: Session, *, token_id: int, now: datetime) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
    return token
