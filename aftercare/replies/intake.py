"""Storing inbound replies many to a transaction, for the webhook's busy hours.

Each webhook request hands its row to one writer per process and waits for the commit; the
writer takes whatever has queued up meanwhile and stores it with one INSERT and one COMMIT.
Under load that is one transaction per few replies instead of one each, and a single writer
doing database work keeps the API's event loop from fighting a pool of threads for the GIL
(which, measured, capped one process at ~600 replies/s at half a core). Twilio gets its 200
only after the commit: an accepted reply is never lost.

Retries of a stored MessageSid are not inserted again (ON CONFLICT DO NOTHING) and come
back as not created. If a batch fails, its rows are tried one by one, so one bad row fails
only its own request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Connection, Engine, select

from aftercare.db.batch_writer import BatchWriter
from aftercare.db.models import Reply
from aftercare.db.upsert import insert_ignoring

log = logging.getLogger(__name__)

MAX_BATCH = 200


@dataclass(frozen=True)
class Stored:
    reply_id: int
    created: bool
    auto_response: str | None  # what TwiML answers (keywords only)
    keyword: str | None = None


class ReplyIntake(BatchWriter[dict[str, Any], Stored]):
    """`submit(row)` queues a reply row (the columns of `replies`); the future resolves
    after its commit (db/batch_writer.py)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(_RowWriter(engine), name="aftercare-intake", what="the reply",
                         max_batch=MAX_BATCH)


class _RowWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __call__(self, rows: list[dict[str, Any]]) -> list[Stored]:
        if self._conn is None:
            # Kept open by the writer thread, in autocommit: the INSERT is one statement and
            # commits by itself, so a batch costs one round trip (each round trip also costs
            # the thread a wait for the GIL while the event loop is busy).
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            return store_rows(self._conn, rows)
        except Exception:
            self._conn.invalidate()
            self._conn.close()
            self._conn = None
            raise


class AsyncReplyIntake:
    """The same batching on PostgreSQL for the webhook, on the API's event loop itself.

    The thread writer hands each result back across threads, and under load the event loop
    holds the GIL: every round trip then cost the writer a wait of up to the interpreter's
    5 ms switch interval, and single-row batches were seen taking 35 ms (the webhook's p99).
    Here the loop does the I/O (psycopg's asyncio connection), with no thread in between.
    """

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._queue: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[Stored]]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: asyncio.Task[None] | None = None

    async def store(self, row: dict[str, Any]) -> Stored:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None:  # first use in this loop
            self._loop, self._queue = loop, asyncio.Queue()
            self._writer = loop.create_task(self._write_forever())
        future: asyncio.Future[Stored] = loop.create_future()
        self._queue.put_nowait((row, future))
        return await future

    async def _write_forever(self) -> None:
        assert self._queue is not None
        conn: psycopg.AsyncConnection[Any] | None = None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            conn = await self._write(conn, batch)

    async def _write(self, conn: psycopg.AsyncConnection[Any] | None,
                     batch: list[tuple[dict[str, Any], asyncio.Future[Stored]]]
                     ) -> psycopg.AsyncConnection[Any] | None:
        try:
            if conn is None or conn.closed:
                conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            results = await _store_rows_async(conn, [row for row, _ in batch])
        except Exception:
            if conn is not None:
                await conn.close()
            if len(batch) > 1:  # find the row that failed; the others still go in
                conn = None
                for item in batch:
                    conn = await self._write(conn, [item])
                return conn
            log.exception("could not store an inbound reply")
            if not batch[0][1].done():
                batch[0][1].set_exception(RuntimeError("could not store the reply"))
            return None
        for (_, future), stored in zip(batch, results, strict=True):
            if not future.done():  # a request that gave up; its row is kept all the same
                future.set_result(stored)
        return conn


_JSON = frozenset({"media", "present", "absent", "reasons"})


async def _store_rows_async(conn: psycopg.AsyncConnection[Any], rows: list[dict[str, Any]]
                            ) -> list[Stored]:
    """`store_rows` in psycopg's own terms: one INSERT for the batch, autocommitted."""
    unique = _first_of_each(rows)
    columns = list(unique[0])  # every row has the same keys: the webhook builds them
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(unique))
    params = [Json(row[c]) if c in _JSON else row[c] for row in unique for c in columns]
    async with conn.cursor() as cur:
        await cur.execute(
            f"INSERT INTO replies ({', '.join(columns)}) VALUES {values} "  # noqa: S608
            "ON CONFLICT (message_sid) DO NOTHING RETURNING id, message_sid", params)
        fresh = {sid: reply_id for reply_id, sid in await cur.fetchall()}
        retried = [row["message_sid"] for row in unique if row["message_sid"] not in fresh]
        known: dict[str, tuple[int, str | None]] = {}
        if retried:
            await cur.execute("SELECT id, message_sid, auto_response FROM replies "
                              "WHERE message_sid = ANY(%s)", [retried])
            known = {sid: (reply_id, auto) for reply_id, sid, auto in await cur.fetchall()}
    return _results(rows, fresh, known)


def store_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[Stored]:
    """Insert the rows in one statement; one result per row, in order. A sid already stored
    (or twice in this batch) is not inserted again."""
    stmt = insert_ignoring(conn, Reply, "message_sid").returning(Reply.id, Reply.message_sid)
    fresh = {sid: reply_id for reply_id, sid in conn.execute(stmt, _first_of_each(rows))}
    known = {}
    retried = {row["message_sid"] for row in rows} - fresh.keys()
    if retried:
        known = {sid: (reply_id, auto) for reply_id, sid, auto in conn.execute(
            select(Reply.id, Reply.message_sid, Reply.auto_response)
            .where(Reply.message_sid.in_(retried)))}
    return _results(rows, fresh, known)


def _results(rows: list[dict[str, Any]], fresh: dict[str, int],
             known: dict[str, tuple[int, str | None]]) -> list[Stored]:
    """One result per row: `fresh` sids were inserted now, `known` ones were there before."""
    results, seen = [], set()
    for row in rows:
        sid = row["message_sid"]
        if sid in fresh and sid not in seen:
            results.append(Stored(fresh[sid], True, None))
        elif sid in fresh:
            results.append(Stored(fresh[sid], False, None))
        else:
            reply_id, auto = known[sid]
            results.append(Stored(reply_id, False, auto))
        seen.add(sid)
    return results


def _first_of_each(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_sid: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_sid.setdefault(row["message_sid"], row)
    return list(by_sid.values())
