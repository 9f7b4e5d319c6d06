"""Dispatch from the outbox on SQLite and PostgreSQL: claims, re-checks, retries, reconciling."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aftercare.channels.base import (
    Lookup,
    Outgoing,
    PermanentError,
    RecipientOptedOut,
    RecordingChannel,
    Sent,
    TransientError,
    UncertainSend,
)
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.reconcile import reconcile_stuck
from tests.conftest import FrozenClock
from tests.support.factories import add_due_messages
from tests.support.threads import in_threads

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class CountingChannel:
    """Thread-safe fake provider that counts every send it accepts, a little slowly."""

    name: str = "counting"
    delay: float = 0.0005
    counts: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: Outgoing) -> Sent:
        time.sleep(self.delay)
        with self.lock:
            self.counts[message.message_id] += 1
        return Sent(provider_id=f"SM{message.message_id:032d}")

    def lookup(self, message: Outgoing) -> Lookup:
        return Lookup("found" if self.counts[message.message_id] else "not_found")


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


def statuses(container: Container) -> Counter[str]:
    with container.sessions() as s:
        return Counter(s.scalars(select(Message.status)).all())


def run(container: Container, policy: DispatchPolicy | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return dispatch_due(sessions=container.sessions, channels=container.channels,
                        policy=policy or container.dispatch_policy, clock=container.clock, **kw)


def test_two_dispatchers_send_each_message_exactly_once(container: Container) -> None:
    ids = add_due_messages(container.sessions, count=1000, due_at=NOW - timedelta(minutes=1),
                           patients=20)
    channel = CountingChannel()
    container.channels = {"sms": channel, "email": channel}
    policy = DispatchPolicy(batch_size=50, run_budget_seconds=120)
    errors = in_threads(lambda: run(container, policy))
    assert not errors
    sent, duplicated = len(channel.counts), sum(c - 1 for c in channel.counts.values())
    lost = len(set(ids) - set(channel.counts))
    print(f"two dispatchers: sent={sent} duplicated={duplicated} lost={lost}")
    assert (sent, duplicated, lost) == (1000, 0, 0)
    assert statuses(container) == Counter({"sent": 1000})


def test_nothing_is_sent_before_it_is_due(container: Container) -> None:
    add_due_messages(container.sessions, count=3, due_at=NOW + timedelta(seconds=1))
    report = run(container)
    assert report.claimed == 0 and statuses(container) == Counter({"planned": 3})
    container.clock.now = NOW + timedelta(seconds=1)  # type: ignore[attr-defined]
    assert run(container).sent == 3


def _sms(container: Container) -> RecordingChannel:
    channel = container.channels["sms"]
    assert isinstance(channel, RecordingChannel)
    return channel


def test_recheck_at_send_time(container: Container) -> None:
    ids = add_due_messages(container.sessions, count=3, due_at=NOW, patients=3)
    with transaction(container.sessions) as s:
        rows = [s.get(Message, i) for i in ids]
        rows[0].procedure.status = "cancelled"  # type: ignore[union-attr]
        rows[1].patient.sms_opted_out_at = NOW  # type: ignore[union-attr]
        rows[2].patient.sms_consent = False  # type: ignore[union-attr]
    report = run(container)
    assert report.cancelled == 3 and _sms(container).sent == []
    with container.sessions() as s:
        reasons = [s.get(Message, i).reason for i in ids]  # type: ignore[union-attr]
    assert reasons == ["procedure cancelled before sending", "patient opted out of SMS",
                       "no SMS consent at send time"]


def test_transient_error_backs_off_then_sends(container: Container) -> None:
    [message_id] = add_due_messages(container.sessions, count=1, due_at=NOW)
    _sms(container).fail_with.append(TransientError("429 Too Many Requests", code="20429"))
    assert run(container).retried == 1
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and row.status == "planned" and row.attempts == 1
        delay = (row.send_after - NOW).total_seconds()
        assert 0.8 * 30 <= delay <= 1.2 * 30
        assert row.error_code == "20429"
    assert run(container).claimed == 0  # not before the backoff is over
    container.clock.now = NOW + timedelta(minutes=1)  # type: ignore[attr-defined]
    assert run(container).sent == 1
    assert len(_sms(container).sent) == 1


def test_transient_errors_give_up_after_the_limit(container: Container) -> None:
    [message_id] = add_due_messages(container.sessions, count=1, due_at=NOW)
    policy = DispatchPolicy(max_attempts=3, retry_base_seconds=1, retry_max_seconds=1)
    _sms(container).fail_with.extend(TransientError("503", code="503") for _ in range(3))
    for _ in range(3):
        run(container, policy)
        container.clock.now += timedelta(seconds=5)  # type: ignore[attr-defined]
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and row.status == "failed" and row.attempts == 3
        assert row.reason is not None and row.reason.startswith("gave up after 3 attempts")


def test_invalid_number_fails_with_reason(container: Container) -> None:
    [message_id] = add_due_messages(container.sessions, count=1, due_at=NOW)
    _sms(container).fail_with.append(PermanentError("Invalid 'To' number", code="21211"))
    assert run(container).failed == 1
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and (row.status, row.error_code) == ("failed", "21211")
        assert row.reason == "Invalid 'To' number"


def test_provider_opt_out_is_recorded_and_stops_other_sms(container: Container) -> None:
    ids = add_due_messages(container.sessions, count=1, due_at=NOW)
    with transaction(container.sessions) as s:
        first = s.get(Message, ids[0])
        assert first is not None
        for step, channel, due in (("later_sms", "sms", NOW + timedelta(days=1)),
                                   ("later_email", "email", NOW + timedelta(days=1))):
            s.add(Message(dedupe_key=f"test:{step}:{channel}",
                          procedure_id=first.procedure_id, patient_id=first.patient_id,
                          step=step, channel=channel, kind="guidance", status="planned",
                          due_at=due, send_after=due, local_due="", language="en",
                          body="later", attempts=0))
    _sms(container).fail_with.append(RecipientOptedOut("unsubscribed recipient", code="21610"))
    run(container)
    with container.sessions() as s:
        patient = s.scalars(select(Patient)).one()
        assert patient.sms_opted_out_at is not None
        rows = {m.step: m for m in s.scalars(select(Message))}
    assert (rows["step0"].status, rows["step0"].error_code) == ("failed", "21610")
    assert rows["later_sms"].status == "cancelled"
    assert rows["later_email"].status == "planned"  # email goes on if consented


def test_uncertain_send_waits_for_reconciliation(container: Container) -> None:
    [message_id] = add_due_messages(container.sessions, count=1, due_at=NOW)
    _sms(container).fail_with.append(UncertainSend("read timeout", code="read_timeout"))
    run(container)
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and row.status == "sending"
    assert run(container).claimed == 0  # never resent blindly


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("found", "sent"), ("not_found", "planned"), ("unknown", "failed"),
     ("unavailable", "sending")],  # the lookup itself failed: ask again next pass
)
def test_reconcile_stuck_sending(container: Container, outcome: str, expected: str) -> None:
    [message_id] = add_due_messages(container.sessions, count=1, due_at=NOW)
    with transaction(container.sessions) as s:
        row = s.get(Message, message_id)
        assert row is not None
        row.status, row.claimed_at = "sending", NOW  # a worker died right here

    class Provider(RecordingChannel):
        def lookup(self, message: Outgoing) -> Lookup:
            assert message.claimed_at is not None and message.claimed_at <= NOW
            return Lookup(outcome, provider_id="SMfound" if outcome == "found" else None)  # type: ignore[arg-type]

    container.channels["sms"] = Provider()
    policy = DispatchPolicy(sending_timeout_seconds=300)
    counts = reconcile_stuck(sessions=container.sessions, channels=container.channels,
                             policy=policy, clock=container.clock)
    assert not any(counts.values())  # not stuck long enough yet
    container.clock.now = NOW + timedelta(minutes=6)  # type: ignore[attr-defined]
    counts = reconcile_stuck(sessions=container.sessions, channels=container.channels,
                             policy=policy, clock=container.clock)
    assert counts[outcome] == 1
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and row.status == expected
        if expected == "sent":
            assert row.provider_id == "SMfound"
    assert container.channels["sms"].sent == []  # type: ignore[attr-defined]


def test_claims_skip_other_statuses(container: Container) -> None:
    ids = add_due_messages(container.sessions, count=4, due_at=NOW)
    with transaction(container.sessions) as s:
        for i, status in zip(ids, ["sent", "cancelled", "skipped", "planned"], strict=True):
            row = s.get(Message, i)
            assert row is not None
            row.status = status
    assert run(container).sent == 1
    with container.sessions() as s:
        assert s.scalars(select(Procedure)).first() is not None


@pytest.mark.parametrize(("code", "status"), [(21610, 400), (21211, 400), (21614, 400)])
def test_twilio_error_bodies_through_the_official_client(container: Container, code: int,
                                                         status: int) -> None:
    """Real Twilio error bodies (Prism cannot return them) through twilio-python's client."""
    from aftercare.channels.twilio_sms import TwilioSMS
    from tests.support.prism import TwilioErrorStub

    stub = TwilioErrorStub(status, code, message=f"error {code}")
    container.channels["sms"] = TwilioSMS(
        account_sid="AC" + "a" * 32, auth_token="token", from_number="+15017122661",
        status_callback_base="https://clinic.example.org", http_client=stub)
    ids = add_due_messages(container.sessions, count=2, due_at=NOW)
    with transaction(container.sessions) as s:
        later = s.get(Message, ids[1])
        assert later is not None
        later.send_after = later.due_at = NOW + timedelta(days=1)
    run(container)
    assert len(stub.requests) == 1
    with container.sessions() as s:
        first, second = (s.get(Message, i) for i in ids)
        assert first is not None and second is not None
        assert (first.status, first.error_code) == ("failed", str(code))
        patient = s.scalars(select(Patient)).one()
        if code == 21610:
            assert patient.sms_opted_out_at is not None and second.status == "cancelled"
        else:
            assert patient.sms_opted_out_at is None and second.status == "planned"


def test_a_run_waits_for_what_falls_due_before_the_next_tick(
        db_url: str, make_container: Callable[..., Container]) -> None:
    # A real clock: rows falling due 0.3 s after the run starts leave in that same run, within
    # a claim gap of their time, instead of at the next beat tick; rows due after the run's
    # linger (the beat interval) are the next run's.
    container = make_container(db_url)
    soon = datetime.now(UTC) + timedelta(seconds=0.3)
    add_due_messages(container.sessions, count=5, due_at=soon)
    add_due_messages(container.sessions, count=2, due_at=soon + timedelta(seconds=5))
    policy = DispatchPolicy(linger_seconds=1.0, claim_gap_seconds=0.05)
    started = time.monotonic()
    report = run(container, policy)
    took = time.monotonic() - started
    assert report.sent == 5
    assert took < 1.5, "the run outlived its linger"
    assert statuses(container) == Counter({"sent": 5, "planned": 2})
    with container.sessions() as s:
        late = [(m.sent_at - m.due_at).total_seconds()
                for m in s.scalars(select(Message).where(Message.status == "sent"))]
    assert all(0 <= seconds < 0.5 for seconds in late), late


def test_without_linger_a_run_ends_when_nothing_is_due(
        db_url: str, make_container: Callable[..., Container]) -> None:
    container = make_container(db_url)
    add_due_messages(container.sessions, count=3,
                     due_at=datetime.now(UTC) + timedelta(seconds=0.3))
    report = run(container, DispatchPolicy(linger_seconds=0))
    assert report.claimed == 0 and statuses(container) == Counter({"planned": 3})
