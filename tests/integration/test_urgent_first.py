"""Safety texts and clinician alerts go ahead of reminders: claimed first, and given the
sender's next slot even while a backlog of reminders is paced through it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import redis

from aftercare.channels.base import Lookup, Outgoing, Sent
from aftercare.container import Container
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.ratelimit import RedisRateLimit
from aftercare.outbox.claim import PACING_HORIZON, claim_due
from aftercare.outbox.writer import URGENT
from tests.conftest import REDIS_URL, FrozenClock
from tests.support.factories import add_due_messages

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
RATE = 20.0  # SMS a second for the paced sender under test


def limiter(rate: float) -> RedisRateLimit:
    """A fresh sender each time: no slots booked by another test."""
    return RedisRateLimit(redis.Redis.from_url(f"{REDIS_URL}/7"),
                          sender=f"+1555{uuid.uuid4().int % 10**7:07d}", rate_per_second=rate)


def add_safety_text(container: Container, due_at: datetime) -> int:
    [row_id] = add_due_messages(container.sessions, count=1, due_at=due_at, kind="safety",
                                priority=URGENT, key="reply")
    return row_id


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


def test_a_safety_text_is_claimed_ahead_of_an_older_backlog(container: Container) -> None:
    backlog = add_due_messages(container.sessions, count=300, due_at=NOW - timedelta(hours=1))
    safety = add_safety_text(container, NOW)
    with transaction(container.sessions) as session:
        first = list(claim_due(session, now=NOW, limit=200))
    assert first[0] == safety and len(first) == 200
    assert first[1:] == backlog[:199]  # the rest in due order, as before


def test_without_priority_the_safety_text_waits_its_turn(container: Container) -> None:
    add_due_messages(container.sessions, count=300, due_at=NOW - timedelta(hours=1))
    safety = add_safety_text(container, NOW)
    with transaction(container.sessions) as session:
        first = claim_due(session, now=NOW, limit=200, urgent_first=False)
    assert safety not in first and len(first) == 200


@pytest.mark.redis
def test_paced_sms_are_claimed_only_as_far_as_the_sender_has_room(container: Container
                                                                 ) -> None:
    sms = add_due_messages(container.sessions, count=50, due_at=NOW)
    emails = add_due_messages(container.sessions, count=5, due_at=NOW, channel="email")
    sender = limiter(RATE)
    with transaction(container.sessions) as session:
        slots = claim_due(session, now=NOW, limit=200, limiter=sender)
    # The slots within the horizon: now, one interval on, ... Email is not paced; the other
    # SMS stay planned, where a safety text written meanwhile can still overtake them.
    fit = int(PACING_HORIZON * RATE) + 1
    assert sorted(slots) == [*sms[:fit], *emails]
    for n, row_id in enumerate(sms[:fit]):
        assert n / RATE <= slots[row_id] < n / RATE + 0.03
    assert all(slots[i] == 0.0 for i in emails)
    # An urgent text takes the next slot now, not the one after the reminders' booking...
    safety = add_safety_text(container, NOW)
    with transaction(container.sessions) as session:
        urgent = claim_due(session, now=NOW, limit=200, limiter=sender)
    assert list(urgent) == [safety] and urgent[safety] < 0.03
    # ...and the reminders give up that slot: the sender keeps its rate over time.
    assert sender.reserve(1, urgent=False)[0] >= (fit + 1) / RATE - 0.03


@pytest.mark.redis
def test_two_senders_do_not_share_slots() -> None:
    one, other = limiter(1.0), limiter(1.0)
    assert one.reserve(3, urgent=False)[-1] >= 1.9
    assert other.room(0.25) == 1 and other.reserve(1, urgent=False)[0] < 0.05


@dataclass
class ClockedChannel:
    """Records when each message reached the provider."""

    name: str = "clocked"
    at: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: Outgoing) -> Sent:
        with self.lock:
            self.at[message.message_id] = time.monotonic()
        return Sent(provider_id=f"SM{message.message_id:032d}")

    def lookup(self, message: Outgoing) -> Lookup:
        return Lookup("found" if message.message_id in self.at else "not_found")


def time_to_safety_text(container: Container, *, urgent_first: bool) -> tuple[float, int]:
    """A backlog of 20 reminders paced at 10/s (2 s of sending); 0.3 s in, a safety text is
    written. Returns how long it took to reach the provider, and how many reminders went
    before it."""
    reminders = add_due_messages(container.sessions, count=20,
                                 due_at=NOW - timedelta(minutes=5), patients=4)
    channel = ClockedChannel()
    container.channels = {"sms": channel, "email": channel}
    policy = DispatchPolicy(linger_seconds=30, run_budget_seconds=30, urgent_first=urgent_first)
    run = threading.Thread(target=dispatch_due, kwargs=dict(
        sessions=container.sessions, channels=container.channels, policy=policy,
        clock=container.clock, limiter=limiter(10.0)))
    run.start()
    time.sleep(0.3)
    written = time.monotonic()
    safety = add_safety_text(container, NOW)
    run.join(timeout=20)
    assert not run.is_alive()
    assert set(channel.at) == {*reminders, safety}  # each once, none lost
    ahead = sum(1 for i in reminders if channel.at[i] < channel.at[safety])
    return channel.at[safety] - written, ahead


@pytest.mark.redis
def test_the_safety_text_overtakes_a_paced_backlog(container: Container) -> None:
    took, ahead = time_to_safety_text(container, urgent_first=True)
    print(f"safety text behind a 2 s paced backlog: {took * 1000:.0f} ms, "
          f"after {ahead} of 20 reminders")
    assert took < 0.5 and ahead <= 8


@pytest.mark.redis
def test_without_priority_the_safety_text_waits_behind_the_backlog(container: Container
                                                                    ) -> None:
    took, ahead = time_to_safety_text(container, urgent_first=False)
    print(f"without priority: {took * 1000:.0f} ms, after {ahead} of 20 reminders")
    assert ahead == 20 and took > 1.0
