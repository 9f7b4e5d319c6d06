"""Hourly: forget sign-in records nothing needs any more, so guessed emails and old
sessions do not pile up (aftercare.forget_stale_sign_ins, in beat's schedule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from aftercare.auth import sessions, throttle
from aftercare.db.session import transaction


def forget_stale_sign_ins(*, factory: sessionmaker[Session], now: datetime) -> dict[str, int]:
    with transaction(factory) as session:
        return {"sessions": sessions.forget_ended(session, now=now),
                "throttles": throttle.forget_quiet(session, now=now.timestamp())}
