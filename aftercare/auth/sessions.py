"""Server-side web sessions: the browser's cookie carries a random secret, the database
its hash, so signing out, disabling a user or a new password ends sessions at once (a
copied cookie is worth nothing after). Callers own the transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from aftercare.db.models import User, UserSession

# last_seen_at is written at most this often: a write per page view tells nothing more.
SEEN_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(session: Session, *, user_id: int, now: datetime, lifetime: timedelta,
          user_agent: str = "") -> str:
    """A new session; returns the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    session.add(UserSession(id=_hash(secret), user_id=user_id, created_at=now,
                            last_seen_at=now, expires_at=now + lifetime,
                            user_agent=user_agent[:120]))
    return secret


def find_user(session: Session, secret: str, *, now: datetime) -> User | None:
    """The active user of a live session, or None (ended, expired, or user disabled)."""
    row = session.get(UserSession, _hash(secret))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user


def end(session: Session, secret: str, *, now: datetime) -> None:
    session.execute(update(UserSession).where(UserSession.id == _hash(secret),
                                              UserSession.revoked_at.is_(None))
                    .values(revoked_at=now))


def end_all(session: Session, *, user_id: int, now: datetime, keep: str | None = None) -> int:
    """End every session of the user (but `keep`, the one asking); how many were live."""
    query = update(UserSession).where(UserSession.user_id == user_id,
                                      UserSession.revoked_at.is_(None),
                                      UserSession.expires_at > now)
    if keep is not None:
        query = query.where(UserSession.id != _hash(keep))
    return session.execute(query.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]


def forget_ended(session: Session, *, now: datetime, after: timedelta = timedelta(days=30)
                 ) -> int:
    """Drop sessions that ended (expired or revoked) more than `after` ago; how many. The
    audit log keeps who signed in and out."""
    cutoff = now - after
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        delete(UserSession).where(or_(UserSession.expires_at < cutoff,
                                      UserSession.revoked_at < cutoff))).rowcount
