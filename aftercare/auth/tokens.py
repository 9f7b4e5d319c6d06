"""API tokens for staff systems: shown once, stored only as a SHA-256 hash.

The tokens are 32 random bytes, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Generic, Literal, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aftercare.db.models import ApiToken, User

Role = Literal["staff", "clinician", "admin"]
ROLES: tuple[Role, ...] = ("staff", "clinician", "admin")
# What each role may do: clinicians do what staff do and review; admins do everything.
RANK = {"staff": 0, "clinician": 1, "admin": 2}
# A token's life unless its maker says otherwise: a leaked one stops working on its own.
DEFAULT_LIFETIME = timedelta(days=90)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: Role, owner_id: int | None = None,
                 location_id: int | None = None, lifetime: timedelta = DEFAULT_LIFETIME,
                 now: datetime | None = None) -> str:
    """A new token, returned once. `owner_id`: the user who answers for it (disabling them
    ends it); None makes a system token that only revoking or its expiry ends.
    `location_id`: the one location it serves (else wherever its owner may)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    if lifetime <= timedelta(0):
        raise ValueError("a token must live a while")
    token = "act_" + secrets.token_urlsafe(32)
    now = now or datetime.now(UTC)
    session.add(ApiToken(name=name, role=role, token_hash=_hash(token), user_id=owner_id,
                         location_id=location_id, created_at=now, expires_at=now + lifetime))
    return token


def authenticate(session: Session, token: str, *, now: datetime) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if found is None or not usable(found, now=now):
        return None
    if found.user_id is not None:
        owner = session.get(User, found.user_id)
        if owner is None or owner.disabled_at is not None:
            return None
    # Recorded to the minute: a write on every request would cost more than it tells.
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        found.last_used_at = now
    return found


def usable(token: ApiToken, *, now: datetime) -> bool:
    """Not revoked, not expired: checked again on a cached token, which may expire in it."""
    return token.revoked_at is None and token.expires_at > now


def revoke_for_user(session: Session, *, user_id: int, now: datetime) -> int:
    """Revoke every token the user owns; callers forget the token cache after commit."""
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount


def allows(role: str, needed: Role) -> bool:
    return RANK.get(role, -1) >= RANK[needed]


Found = TypeVar("Found")


class TokenCache(Generic[Found]):
    """Tokens this process checked in the last `ttl` seconds, so a busy API does not ask the
    database on every request. A token revoked from this process is forgotten at once (the
    admin page calls `forget_all`); other API processes stop accepting it within `ttl`."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock  # seconds, only ever compared: tests pass one they can move
        self._found: dict[str, tuple[float, Found]] = {}
        self._lock = threading.Lock()
        # Bumped by forget_all: a lookup that began before a revoke must not cache its
        # (by then stale) answer after it.
        self.generation = 0

    def get(self, token: str) -> Found | None:
        hit = self._found.get(_hash(token))
        if hit is None or hit[0] <= self._clock():  # with ttl 0, never from the cache
            return None
        return hit[1]

    def put(self, token: str, found: Found, *, generation: int) -> None:
        """`found` must not hold a live session's objects (it is shared between requests);
        `generation` is the cache's when the lookup began."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._found) > 10_000:  # tokens are few; this only bounds a flood
                self._found.clear()
            self._found[_hash(token)] = (self._clock() + self._ttl, found)

    def forget_all(self) -> None:
        with self._lock:
            self._found.clear()
            self.generation += 1
