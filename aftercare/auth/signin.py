"""Signing in: throttled, the password checked in the bounded argon2 pool, a server-side
session on success.

Unlike other services this one commits its own short transactions: the attempt must be
counted (and visible to concurrent attempts) before the slow password check, and no
database transaction should stay open while a sign-in waits its turn in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from aftercare import audit
from aftercare.auth import second_factor, sessions, throttle
from aftercare.auth.passwords import dummy_hash, hash_in_pool, needs_rehash, verify_in_pool
from aftercare.auth.users import find_by_email, normalise_email
from aftercare.db.models import User


@dataclass(frozen=True)
class SignIn:
    # "second_factor": the password was right; a code from the app comes next
    outcome: Literal["ok", "invalid", "throttled", "disabled", "second_factor"]
    user_id: int | None = None
    session_secret: str | None = None  # for the cookie, when ok
    retry_after: int = 0  # seconds, when throttled

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass(frozen=True)
class _Account:
    address: str
    user_id: int | None
    password_hash: str
    disabled: bool


async def sign_in(factory: sessionmaker[Session], *, email: str, password: str, address: str,
                  now: datetime, lifetime: timedelta, user_agent: str = "") -> SignIn:
    email = normalise_email(email)
    gate = await run_in_threadpool(_claim, factory, email, address, now)
    if isinstance(gate, SignIn):
        return gate
    # Unknown emails are checked against a dummy hash: the same work, the same time.
    ok = await verify_in_pool(gate.password_hash, password)
    new_hash = None
    if ok and gate.user_id is not None and needs_rehash(gate.password_hash):
        new_hash = await hash_in_pool(password)
    return await run_in_threadpool(_finish, factory, email, gate, ok, new_hash, now, lifetime,
                                   user_agent)


def _claim(factory: sessionmaker[Session], email: str, address: str, now: datetime
           ) -> SignIn | _Account:
    with factory() as session, session.begin():
        wait = max(throttle.claim(session, throttle.address_key(address), throttle.ADDRESS,
                                  now=now.timestamp()),
                   throttle.claim(session, throttle.account_key(email), throttle.ACCOUNT,
                                  now=now.timestamp()))
        if wait:
            _failed(session, email, "throttled", now)
            return SignIn("throttled", retry_after=int(wait))
        user = find_by_email(session, email)
        if user is None:
            return _Account(address, None, dummy_hash(), disabled=False)
        return _Account(address, user.id, user.password_hash,
                        disabled=user.disabled_at is not None)


def _finish(factory: sessionmaker[Session], email: str, account: _Account, ok: bool,
            new_hash: str | None, now: datetime, lifetime: timedelta, user_agent: str
            ) -> SignIn:
    with factory() as session, session.begin():
        if not ok or account.user_id is None:
            _failed(session, email, "invalid", now)
            return SignIn("invalid")
        # Told only to someone who knows the password.
        if account.disabled:
            _failed(session, email, "disabled", now)
            return SignIn("disabled")
        throttle.clear(session, throttle.account_key(email))
        throttle.refund(session, throttle.address_key(account.address), throttle.ADDRESS,
                        now=now.timestamp())
        user = session.get_one(User, account.user_id)
        if new_hash is not None:
            user.password_hash = new_hash
        if second_factor.enrolled(user):
            return SignIn("second_factor", user_id=user.id)
        return _start(session, user, now=now, lifetime=lifetime, user_agent=user_agent)


async def sign_in_with_code(factory: sessionmaker[Session], *, user_id: int, code: str,
                            address: str, now: datetime, lifetime: timedelta,
                            user_agent: str = "") -> SignIn:
    """The second step: a code from the app (or a recovery code), throttled like passwords
    on the account and the address, so a stolen password alone cannot try codes fast."""
    return await run_in_threadpool(_code, factory, user_id, code, address, now, lifetime,
                                   user_agent)


def _code(factory: sessionmaker[Session], user_id: int, code: str, address: str,
          now: datetime, lifetime: timedelta, user_agent: str) -> SignIn:
    with factory() as session, session.begin():
        user = session.get(User, user_id)
        if user is None or user.disabled_at is not None:
            return SignIn("invalid")
        wait = max(throttle.claim(session, throttle.address_key(address), throttle.ADDRESS,
                                  now=now.timestamp()),
                   throttle.claim(session, throttle.account_key(user.email), throttle.ACCOUNT,
                                  now=now.timestamp()))
        if wait:
            _failed(session, user.email, "throttled", now)
            return SignIn("throttled", retry_after=int(wait))
    with factory() as session, session.begin():  # the claim stands whatever happens next
        user = session.get_one(User, user_id)
        how = second_factor.verify(session, user=user, code=code, now=now)
        if how is None:
            _failed(session, user.email, "wrong code", now)
            return SignIn("second_factor", user_id=user.id)
        throttle.clear(session, throttle.account_key(user.email))
        throttle.refund(session, throttle.address_key(address), throttle.ADDRESS,
                        now=now.timestamp())
        return _start(session, user, now=now, lifetime=lifetime, user_agent=user_agent,
                      detail={"second_factor": how})


def _start(session: Session, user: User, *, now: datetime, lifetime: timedelta,
           user_agent: str, detail: dict[str, object] | None = None) -> SignIn:
    user.last_login_at = now
    secret = sessions.start(session, user_id=user.id, now=now, lifetime=lifetime,
                            user_agent=user_agent)
    audit.record(session, actor=user.email, action="login", subject=f"user:{user.id}",
                 now=now, detail=detail)
    return SignIn("ok", user_id=user.id, session_secret=secret)


def _failed(session: Session, email: str, outcome: str, now: datetime) -> None:
    audit.record(session, actor=email[:120] or "(blank)", action="login_failed",
                 subject="login", now=now, detail={"outcome": outcome})
