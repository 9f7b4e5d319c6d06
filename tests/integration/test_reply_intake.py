"""The webhook's reply intake (aftercare/replies/intake.py) on SQLite and PostgreSQL: one
result per row in order, retried sids not stored twice, many concurrent submits batched with
the right id each, and a bad row failing only its own request."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event, func, select, text

from aftercare.db.models import Reply
from aftercare.db.session import make_engine
from aftercare.replies.intake import AsyncReplyIntake, ReplyIntake, Stored, store_rows
from tests.support.webhooks import CLINIC_NUMBER, new_sid

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
T = TypeVar("T")
WAIT = 30  # seconds a future may take; only reached when something is broken


def reply_row(sid: str, body: str | None = "a bit sore today", **columns: Any) -> dict[str, Any]:
    """A reply's columns as the webhook stores them, raw."""
    return {"message_sid": sid, "from_phone": "+12125550199", "to_phone": CLINIC_NUMBER,
            "body": body, "media": [], "received_at": NOW, "review_status": "pending",
            "present": [], "absent": [], "reasons": [], "triage_rank": 9,
            "escalation_level": 0, "created_at": NOW, **columns}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@contextmanager
def writes_held(engine: Engine) -> Iterator[None]:
    """Another transaction holds the write lock on replies: the writer's INSERT waits, and
    whatever is submitted meanwhile queues up for its next batch."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE replies IN EXCLUSIVE MODE"))
            yield
            conn.rollback()
        return
    assert engine.url.database
    raw = sqlite3.connect(engine.url.database, isolation_level=None, timeout=WAIT)
    raw.execute("PRAGMA journal_mode=WAL")  # as the service's connections set it
    raw.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        raw.execute("ROLLBACK")
        raw.close()


@contextmanager
def statements(engine: Engine) -> Iterator[tuple[list[str], list[BaseException]]]:
    """The SQL the engine runs, and the database errors it raises, while inside."""
    run: list[str] = []
    errors: list[BaseException] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        run.append(statement.split(None, 1)[0].upper())

    def on_error(context: Any) -> None:
        errors.append(context.original_exception)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "handle_error", on_error)
    try:
        yield run, errors
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "handle_error", on_error)


def stored_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {sid: reply_id for sid, reply_id in conn.execute(
            select(Reply.message_sid, Reply.id))}


def stored_body(engine: Engine, sid: str) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(Reply.body).where(Reply.message_sid == sid)))


# --- store_rows ----------------------------------------------------------------------------

def test_store_rows_answers_each_row_in_order(engine: Engine) -> None:
    old, first, second, third = (new_sid() for _ in range(4))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        [kept] = store_rows(conn, [reply_row(old, auto_response="You're back on.")])
        assert kept.created
        results = store_rows(conn, [
            reply_row(first), reply_row(old, body="retried by Twilio"), reply_row(second),
            reply_row(first, body="the same sid again"), reply_row(third)])
    ids = stored_ids(engine)
    assert len(ids) == 4
    assert results == [
        Stored(ids[first], True, None),
        Stored(kept.reply_id, False, "You're back on."),  # stored before: its answer again
        Stored(ids[second], True, None),
        Stored(ids[first], False, None),  # twice in one batch: the first one is stored
        Stored(ids[third], True, None)]
    assert stored_body(engine, old) == "a bit sore today"
    assert stored_body(engine, first) == "a bit sore today"


def test_store_rows_of_only_known_sids_inserts_nothing(engine: Engine) -> None:
    sids = [new_sid() for _ in range(3)]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        first = store_rows(conn, [reply_row(sid) for sid in sids])
        again = store_rows(conn, [reply_row(sid) for sid in reversed(sids)])
    assert [s.created for s in first] == [True] * 3
    assert again == [Stored(s.reply_id, False, None) for s in reversed(first)]
    assert len(stored_ids(engine)) == 3


# --- ReplyIntake ---------------------------------------------------------------------------

def submit_from_threads(intake: ReplyIntake, rows: list[dict[str, Any]], *,
                        engine: Engine | None = None) -> list[Future[Stored]]:
    """Each row submitted from a thread of its own, all at once. With `engine`, the writes
    are held until every row is queued, so the writer takes them in one or two batches."""
    futures: list[Future[Stored] | None] = [None] * len(rows)
    start = threading.Barrier(len(rows))
    queued = threading.Semaphore(0)

    def submit(i: int) -> None:
        start.wait(WAIT)
        futures[i] = intake.submit(rows[i])
        queued.release()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(rows))]
    with writes_held(engine) if engine is not None else _nothing():
        for t in threads:
            t.start()
        for _ in rows:
            assert queued.acquire(timeout=WAIT)
    for t in threads:
        t.join(WAIT)
    assert all(f is not None for f in futures)
    return [f for f in futures if f is not None]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def test_many_concurrent_submits_are_stored_in_a_few_statements(engine: Engine) -> None:
    intake = ReplyIntake(engine)
    intake.submit(reply_row(new_sid())).result(WAIT)  # the writer and its connection, ready
    rows = [reply_row(new_sid(), body=f"reply {i}") for i in range(200)]
    with statements(engine) as (run, errors):
        futures = submit_from_threads(intake, rows, engine=engine)
        results = [f.result(WAIT) for f in futures]
    ids = stored_ids(engine)
    assert len(ids) == 201
    assert [r.reply_id for r in results] == [ids[row["message_sid"]] for row in rows]
    assert all(r.created and r.auto_response is None for r in results)
    assert errors == []
    assert run.count("INSERT") <= 3, run  # batched: not one INSERT per reply
    assert stored_body(engine, rows[123]["message_sid"]) == "reply 123"


def test_concurrent_submits_without_holding_writes_each_get_their_own_id(
        engine: Engine) -> None:
    intake = ReplyIntake(engine)
    rows = [reply_row(new_sid(), body=f"reply {i}") for i in range(200)]
    results = [f.result(WAIT) for f in submit_from_threads(intake, rows)]
    ids = stored_ids(engine)
    assert len(ids) == 200
    assert [r.reply_id for r in results] == [ids[row["message_sid"]] for row in rows]
    assert all(r.created for r in results)


@pytest.mark.parametrize("batched", [True, False], ids=["one-batch", "as-they-come"])
def test_a_sid_submitted_concurrently_is_stored_once(engine: Engine, batched: bool) -> None:
    intake = ReplyIntake(engine)
    twice = new_sid()
    rows = [reply_row(twice, body=f"copy {i}") for i in range(20)]
    rows += [reply_row(new_sid()) for _ in range(20)]
    results = [f.result(WAIT) for f in submit_from_threads(
        intake, rows, engine=engine if batched else None)]
    ids = stored_ids(engine)
    assert len(ids) == 21
    copies = results[:20]
    assert {r.reply_id for r in copies} == {ids[twice]}
    assert sum(r.created for r in copies) == 1
    assert all(r.created for r in results[20:])


@pytest.mark.parametrize("bad_body", [
    pytest.param(None, id="no-body"),  # NOT NULL: refused by both databases
    pytest.param("pain\x00", id="nul"),  # PostgreSQL refuses NUL in text; SQLite stores it
])
def test_a_bad_row_fails_only_its_own_request(engine: Engine, bad_body: str | None) -> None:
    if bad_body is not None and engine.dialect.name == "sqlite":
        pytest.skip("SQLite stores a NUL character in text as given: not a bad row there")
    intake = ReplyIntake(engine)
    rows = [reply_row(new_sid(), body=f"reply {i}") for i in range(10)]
    rows.insert(5, reply_row(new_sid(), body=bad_body))
    with statements(engine) as (_, errors):
        with writes_held(engine):
            futures = [intake.submit(row) for row in rows]  # a batch, the bad row inside
        bad = futures.pop(5)
        with pytest.raises(RuntimeError, match="could not store the reply"):
            bad.result(WAIT)
        results = [f.result(WAIT) for f in futures]
    assert all(r.created for r in results)
    assert len(errors) == 2  # the batch, then the bad row alone
    ids = stored_ids(engine)
    assert len(ids) == 10 and rows[5]["message_sid"] not in ids
    assert [r.reply_id for r in results] == [
        ids[row["message_sid"]] for i, row in enumerate(rows) if i != 5]
    # The writer goes on with a fresh connection.
    assert intake.submit(reply_row(new_sid())).result(WAIT).created


def test_a_request_that_gave_up_does_not_stop_the_writer(engine: Engine) -> None:
    """The webhook awaits its future with asyncio.wrap_future: a cancelled request (client
    gone, server shutting down) cancels the future before the writer resolves it."""
    intake = ReplyIntake(engine)
    abandoned, waiting = reply_row(new_sid()), reply_row(new_sid())
    with writes_held(engine):
        gone = intake.submit(abandoned)
        kept = intake.submit(waiting)
        assert gone.cancel()
    assert kept.result(WAIT).created
    later = reply_row(new_sid())
    assert intake.submit(later).result(WAIT).created
    # The abandoned reply is kept all the same (the periodic sweep reads it).
    assert set(stored_ids(engine)) == {abandoned["message_sid"], waiting["message_sid"],
                                       later["message_sid"]}
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Reply)) == 3


# --- the webhook's intake on the event loop (PostgreSQL) ------------------------------------

def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own: earlier tests in the session (the browser's sync
    API) may leave an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result(WAIT)


def _async_intake(pg_db: str) -> tuple[Engine, AsyncReplyIntake]:
    engine = make_engine(pg_db)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return engine, AsyncReplyIntake(url)


def test_async_intake_batches_and_answers_each_request(pg_db: str) -> None:
    engine, intake = _async_intake(pg_db)
    first = reply_row(new_sid())
    rows = [reply_row(new_sid(), body=f"reply {i}") for i in range(50)]

    async def scenario() -> tuple[Stored, list[Stored], list[Stored]]:
        before = await intake.store(first)
        # 50 at once (one batch or a few), then the same sids again as Twilio's retries.
        stored = await asyncio.gather(*(intake.store(row) for row in rows))
        again = await asyncio.gather(intake.store(first), intake.store(rows[0]),
                                     intake.store(rows[0]))
        return before, list(stored), list(again)

    before, stored, again = run_async(scenario)
    ids = stored_ids(engine)
    assert before.created and ids[first["message_sid"]] == before.reply_id
    assert all(s.created for s in stored)
    assert [s.reply_id for s in stored] == [ids[row["message_sid"]] for row in rows]
    assert [(s.reply_id, s.created) for s in again] == [
        (before.reply_id, False), (stored[0].reply_id, False), (stored[0].reply_id, False)]
    assert len(ids) == 51
    engine.dispose()


def test_async_intake_fails_only_the_bad_request(pg_db: str) -> None:
    engine, intake = _async_intake(pg_db)
    rows = [reply_row(new_sid(), body=f"reply {i}") for i in range(10)]
    rows.insert(5, reply_row(new_sid(), body="pain\x00"))  # PostgreSQL refuses NUL in text

    async def scenario() -> list[Stored | BaseException]:
        outcomes = await asyncio.gather(*(intake.store(row) for row in rows),
                                        return_exceptions=True)
        outcomes.append(await intake.store(reply_row(new_sid())))  # the writer goes on
        return outcomes

    outcomes = run_async(scenario)
    assert isinstance(outcomes.pop(5), RuntimeError)
    assert all(isinstance(o, Stored) and o.created for o in outcomes)
    assert len(stored_ids(engine)) == 11
    engine.dispose()


def test_async_intake_survives_a_request_that_gave_up(pg_db: str) -> None:
    engine, intake = _async_intake(pg_db)
    abandoned, kept = reply_row(new_sid()), reply_row(new_sid())

    async def scenario() -> Stored:
        gone = asyncio.ensure_future(intake.store(abandoned))
        waiting = asyncio.ensure_future(intake.store(kept))
        await asyncio.sleep(0)
        gone.cancel()
        await waiting
        return await intake.store(reply_row(new_sid()))

    assert run_async(scenario).created
    assert abandoned["message_sid"] in stored_ids(engine)  # kept; the sweep reads it
    engine.dispose()
