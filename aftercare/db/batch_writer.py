"""Requests on one event loop written many to a transaction: Twilio's webhooks and single
procedure POSTs at hundreds a second.

A transaction per request costs a commit each; here each request queues its item and waits
for the commit, and one task on the API's event loop takes whatever has queued up meanwhile
and writes it in one transaction, through the same service function a single item would
use (run on SQLAlchemy's asyncio session with `run_sync`). Under load that is one commit per
tens of requests, and each answer still goes out only after its commit: nothing accepted
is lost. If a batch fails, its items are written one by one, so a bad item fails only its
own request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchWriter(Generic[Item, Result]):
    def __init__(self, write: Callable[[Session, list[Item]], list[Result]], *,
                 sessions: Callable[[], async_sessionmaker[AsyncSession]], what: str,
                 max_batch: int = 200) -> None:
        """`write(session, items)` stores a batch in the caller's transaction (it flushes,
        never commits) and returns one result per item, in order. `sessions()` gives the
        session factory for the running loop. `what` names an item in errors."""
        self._write_batch = write
        self._sessions = sessions
        self._what = what
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Item, asyncio.Future[Result]]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Queue `item`; returns its result after its transaction committed."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None:  # first use on this loop
            self._loop, self._queue = loop, asyncio.Queue()
            self._task = loop.create_task(self._write_forever(self._queue))
        future: asyncio.Future[Result] = loop.create_future()
        self._queue.put_nowait((item, future))
        return await future

    async def _write_forever(self, queue: asyncio.Queue[tuple[Item, asyncio.Future[Result]]]
                             ) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self._max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            async with self._sessions()() as session, session.begin():
                results = await session.run_sync(self._write_batch, [i for i, _ in batch])
        except Exception:
            if len(batch) > 1:  # find the item that failed; the others still go in
                for one in batch:
                    await self._write([one])
                return
            log.exception("could not store %s", self._what)
            _settle(batch[0][1], error=RuntimeError(f"could not store {self._what}"))
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)  # a result may itself be an error to report


def _settle(future: asyncio.Future[Result], *, result: object = None,
            error: BaseException | None = None) -> None:
    """Tell the request how it went, unless it gave up (a client that disconnected): what
    was written stays written."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
