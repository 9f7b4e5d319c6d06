"""Sign-in throttling: after a few failures an account (or a client address) must wait a
growing delay before its next attempt is even checked. Nobody is locked out: the clinician
whose account is being guessed waits at most ACCOUNT.cap, and an unknown email is throttled
exactly like a real one, so the answers tell nothing about which accounts exist.

Each attempt is counted before its password is checked, in one conditional UPDATE, so
concurrent guesses cannot all slip through between a read and a write; a success clears it.
Callers run `claim` in its own short transaction, committed before the password check.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import and_, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aftercare.db.models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    free: int  # attempts before any delay
    first: float  # seconds to wait after the `free`-th failure, doubling with each more
    cap: float  # the longest wait
    forget: float = 3600.0  # seconds without an attempt after which the count starts again

    def delay(self, attempts: int) -> float:
        """Seconds before the attempt after `attempts` failures may be checked."""
        if attempts < self.free:
            return 0.0
        return min(self.cap, self.first * 2 ** min(attempts - self.free, 32))


# One account from anywhere: a minute at most, so a guesser cannot keep the clinician out.
ACCOUNT = Policy(free=5, first=2.0, cap=60.0)
# One address guessing many accounts: allows a shared clinic network its typos.
ADDRESS = Policy(free=20, first=2.0, cap=15 * 60.0)


def account_key(normalised_email: str) -> str:
    return hashlib.sha256(b"account:" + normalised_email.encode()).hexdigest()


def address_key(address: str) -> str:
    return hashlib.sha256(b"address:" + address.encode()).hexdigest()


def claim(session: Session, key: str, policy: Policy, *, now: float) -> float:
    """Count an attempt for `key`; 0 when it may be checked, else the seconds to wait (and
    the attempt is not counted)."""
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    session.execute(insert(LoginThrottle).values(key=key, failures=0, not_before=0.0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    attempts = case((LoginThrottle.not_before < now - policy.forget, 1),
                    else_=LoginThrottle.failures + 1)
    # The delay table as SQL, so the count and the next time are written together; past
    # these steps every policy is at its cap.
    not_before = case((attempts < policy.free, now),
                      *((attempts == n, now + policy.delay(n))
                        for n in range(policy.free, policy.free + 16)),
                      else_=now + policy.cap)
    counted = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.not_before <= now)
        .values(failures=attempts, not_before=not_before)
        .returning(LoginThrottle.failures)).first()
    if counted is not None:
        return 0.0
    waiting = session.scalar(select(LoginThrottle.not_before).where(LoginThrottle.key == key))
    return max(1.0, math.ceil((waiting or now) - now))


def refund(session: Session, key: str, policy: Policy, *, now: float) -> None:
    """Take back the attempt `claim` counted, once it proved right: a clinic whose staff
    all sign in from one address must not use up that address's budget."""
    left = LoginThrottle.failures - 1
    session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures > 0)
        .values(failures=left,
                not_before=case((and_(left < policy.free, LoginThrottle.not_before > now),
                                 now), else_=LoginThrottle.not_before)))


def clear(session: Session, *keys: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def forget_quiet(session: Session, *, now: float) -> int:
    """Drop rows no policy still counts (every guessed email leaves one); how many."""
    longest = max(ACCOUNT.forget + ACCOUNT.cap, ADDRESS.forget + ADDRESS.cap)
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        delete(LoginThrottle).where(LoginThrottle.not_before < now - longest)).rowcount
