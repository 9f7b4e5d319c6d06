"""Twilio's status callbacks recorded many to a transaction (outbox/status.py through the
status writer), on SQLite and PostgreSQL: one result per callback, in order, never stepping
a message back, a constant number of statements per batch, and a bad callback failing only
its own request."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select, update

from aftercare.container import Container
from aftercare.db.models import DeliveryEvent, Message
from aftercare.db.session import transaction
from aftercare.outbox.status import StatusCallback, record_statuses
from aftercare.queue import RecordingQueue
from tests.support.factories import add_due_messages
from tests.support.loop import run_async
from tests.support.statements import counting_statements

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WAIT = 30
T = TypeVar("T")


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
        queued = record_statuses(s, callbacks, now=NOW, queue=container.queue)
    assert queued == [False] * len(callbacks)
    assert set(final(container).values()) == {("delivered", "delivered")}
    # One INSERT of the events (one executemany), one SELECT of the messages, then the
    # changed rows' UPDATEs: what grows with the batch is rows, not round trips.
    kinds = Counter(statements)
    assert (kinds["INSERT"], kinds["SELECT"]) == (1, 1)
    assert len(statements) <= 5, statements
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DeliveryEvent)) == 101


def test_the_writer_answers_each_of_many_concurrent_callbacks(container: Container) -> None:
    sids = sent_messages(container, 40)

    async def post(sid: str) -> list[bool]:
        # As Twilio does: the next callback for a message after the last one was answered.
        return [await container.status_writer.submit(StatusCallback(sid, value))
                for value in ("sent", "delivered")]

    async def scenario() -> list[list[bool]]:
        return list(await asyncio.gather(*(post(sid) for sid in sids)))

    answers = run_async(scenario)
    assert len(answers) == 40 and not any(any(a) for a in answers)
    assert set(final(container).values()) == {("delivered", "delivered")}
    queue = container.queue
    assert isinstance(queue, RecordingQueue)
    assert queue.dispatches == 0  # nothing undelivered: dispatch is not woken


def test_a_bad_callback_fails_only_its_own_request(container: Container) -> None:
    sids = sent_messages(container, 3)
    bad = StatusCallback(sids[1], None)  # type: ignore[arg-type]

    async def scenario() -> list[bool | BaseException]:
        return list(await asyncio.gather(
            container.status_writer.submit(StatusCallback(sids[0], "delivered")),
            container.status_writer.submit(bad),
            container.status_writer.submit(StatusCallback(sids[2], "delivered")),
            return_exceptions=True))

    first, refused, third = run_async(scenario)
    assert isinstance(refused, RuntimeError)
    assert "could not store the status callback" in str(refused)
    assert [first, third] == [False, False]
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
    processes = [make_container(pg_db), make_container(pg_db)]
    sids = sent_messages(processes[0], 200)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def process(container: Container, order: list[str], value: str) -> None:
        async def scenario() -> None:
            await asyncio.gather(*(container.status_writer.submit(StatusCallback(sid, value))
                                   for sid in order))

        start.wait()
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=process, args=(processes[0], sids, "sent")),
               threading.Thread(target=process, args=(processes[1], sids[::-1], "delivered"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not errors
    assert set(final(processes[0]).values()) == {("delivered", "delivered")}
