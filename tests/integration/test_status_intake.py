"""Twilio's status callbacks recorded many to a transaction (dispatch/status_intake.py), on
SQLite and PostgreSQL: one result per callback, in order, never stepping a message back, a
constant number of statements per batch, and a bad callback failing only its own request."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from aftercare.bootstrap import Container
from aftercare.db.models import DeliveryEvent, Message
from aftercare.db.session import transaction
from aftercare.dispatch.delivery import StatusCallback, record_statuses
from aftercare.dispatch.status_intake import StatusIntake
from tests.support.factories import add_due_messages
from tests.support.statements import counting_statements

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WAIT = 30


def sent_messages(container: Container, count: int) -> list[str]:
    """`count` SMS already handed to Twilio; returns their sids."""
    ids = add_due_messages(container.sessions, count=count, patients=5,
                           due_at=NOW - timedelta(hours=1))
    sids = [f"SM{i:032d}" for i in ids]
    with transaction(container.sessions) as s:
        for message_id, sid in zip(ids, sids, strict=True):
            s.execute(update(Message).where(Message.id == message_id).values(
                status="sent", sent_at=NOW, provider_id=sid, provider_status="queued"))
    return sids


def final(container: Container) -> dict[str, tuple[str, str | None]]:
    with container.sessions() as s:
        return {m.provider_id or "": (m.status, m.provider_status)
                for m in s.scalars(select(Message))}


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url)


def test_a_batch_is_applied_in_order_in_a_few_statements(container: Container) -> None:
    sids = sent_messages(container, 50)
    callbacks = [StatusCallback(sid, value) for sid in sids
                 for value in ("sent", "delivered", "sent")]  # the late "sent" is old news
    callbacks.append(StatusCallback("SM" + "f" * 32, "delivered"))  # not ours: stored only
    with counting_statements(container) as statements, \
            transaction(container.sessions) as s:
        queued = record_statuses(s, callbacks, now=NOW)
    assert queued == [False] * len(callbacks)
    assert set(final(container).values()) == {("delivered", "delivered")}
    # One INSERT of the events (one executemany), one SELECT of the messages, then the
    # changed rows' UPDATEs: what grows with the batch is rows, not round trips.
    kinds = Counter(statements)
    assert (kinds["INSERT"], kinds["SELECT"]) == (1, 1)
    assert len(statements) <= 5, statements
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DeliveryEvent)) == 101


def test_the_intake_answers_each_callback_from_many_threads(container: Container) -> None:
    sids = sent_messages(container, 40)
    woken = threading.Event()
    intake = StatusIntake(container.sessions, clock=lambda: NOW, on_fallback=woken.set)
    futures: list[Future[bool]] = []
    lock = threading.Lock()

    def post(sid: str) -> None:
        for value in ("sent", "delivered"):
            future = intake.submit(StatusCallback(sid, value))
            with lock:
                futures.append(future)
            future.result(WAIT)  # as a webhook does: the next callback after the commit

    threads = [threading.Thread(target=post, args=(sid,)) for sid in sids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len(futures) == 80 and not any(f.result(WAIT) for f in futures)
    assert set(final(container).values()) == {("delivered", "delivered")}
    assert not woken.is_set()  # nothing undelivered: dispatch is not woken


def test_a_bad_callback_fails_only_its_own_request(container: Container) -> None:
    sids = sent_messages(container, 3)
    intake = StatusIntake(container.sessions, clock=lambda: NOW, on_fallback=lambda: None)
    bad = StatusCallback(sids[1], None)  # type: ignore[arg-type]
    futures = [intake.submit(StatusCallback(sids[0], "delivered")), intake.submit(bad),
               intake.submit(StatusCallback(sids[2], "delivered"))]
    with pytest.raises(RuntimeError, match="could not store the status callback"):
        futures[1].result(WAIT)
    assert [futures[0].result(WAIT), futures[2].result(WAIT)] == [False, False]
    states = final(container)
    assert states[sids[0]] == states[sids[2]] == ("delivered", "delivered")
    assert states[sids[1]] == ("sent", "queued")


@pytest.mark.postgres
def test_two_processes_never_step_a_message_back(pg_db: str,
                                                 make_container: Callable[..., Container]
                                                 ) -> None:
    # Two API processes, each with its own writer, get "sent" and "delivered" for the same
    # messages at the same moment; the messages are locked in id order, so whichever commits
    # last, "delivered" stands, and no two batches deadlock.
    container = make_container(pg_db)
    sids = sent_messages(container, 200)
    intakes = [StatusIntake(container.sessions, clock=lambda: NOW, on_fallback=lambda: None)
               for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def process(intake: StatusIntake, order: list[str], value: str) -> None:
        start.wait()
        try:
            for future in [intake.submit(StatusCallback(sid, value)) for sid in order]:
                future.result(WAIT)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=process, args=(intakes[0], sids, "sent")),
               threading.Thread(target=process, args=(intakes[1], sids[::-1], "delivered"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not errors
    assert set(final(container).values()) == {("delivered", "delivered")}
