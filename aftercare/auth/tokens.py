"""API tokens for staff systems: shown once, stored only as a SHA-256 hash.

The tokens are 32 random bytes, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import ApiToken

Role = Literal["staff", "clinician", "admin"]
ROLES: tuple[Role, ...] = ("staff", "clinician", "admin")
# What each role may do: clinicians do what staff do and review; admins do everything.
RANK = {"staff": 0, "clinician": 1, "admin": 2}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: Role) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    token = "act_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=_hash(token)))
    return token


def authenticate(session: Session, token: str, *, now: datetime) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if found is None or found.revoked_at is not None:
        return None
    # Recorded to the minute: a write on every request would cost more than it tells.
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        found.last_used_at = now
    return found


def allows(role: str, needed: Role) -> bool:
    return RANK.get(role, -1) >= RANK[needed]


class TokenCache:
    """Tokens this process checked in the last `ttl` seconds, so a busy API does not ask the
    database on every request. A token revoked from this process is forgotten at once (the
    admin page calls `forget_all`); other API processes stop accepting it within `ttl`."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock  # seconds, only ever compared: tests pass one they can move
        self._found: dict[str, tuple[float, ApiToken]] = {}
        self._lock = threading.Lock()
        # Bumped by forget_all: a lookup that began before a revoke must not cache its
        # (by then stale) answer after it.
        self.generation = 0

    def get(self, token: str) -> ApiToken | None:
        hit = self._found.get(_hash(token))
        if hit is None or hit[0] <= self._clock():  # with ttl 0, never from the cache
            return None
        return hit[1]

    def put(self, token: str, found: ApiToken, *, generation: int) -> None:
        """`found` must be detached from its session (it is shared between requests);
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
