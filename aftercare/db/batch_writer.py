"""One writer thread per process that stores what requests hand it, many to a transaction.

A busy webhook costs a transaction per request when each request writes its own row; here
each request queues its item and waits for the commit, and the writer takes whatever has
queued up meanwhile and writes it in one go. Under load that is one commit per tens of
requests, and the answer still goes out only after the commit: nothing accepted is lost.

If a batch fails, its items are written one by one, so a bad item fails only its own
request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchWriter(Generic[Item, Result]):
    def __init__(self, write: Callable[[list[Item]], list[Result]], *, name: str, what: str,
                 max_batch: int = 200) -> None:
        """`write` stores a batch in one transaction and returns one result per item, in
        order; it runs on the writer thread only. `what` names an item in errors."""
        self._write_batch = write
        self._name = name
        self._what = what
        self._max_batch = max_batch
        self._pid = -1
        self._lock = threading.Lock()

    def submit(self, item: Item) -> Future[Result]:
        """Queue `item`; the future resolves after its commit."""
        if self._pid != os.getpid():  # first use, or a forked child: a writer of its own
            with self._lock:
                if self._pid != os.getpid():
                    self._queue: queue.SimpleQueue[tuple[Item, Future[Result]]] = \
                        queue.SimpleQueue()
                    threading.Thread(target=self._write_forever, name=self._name,
                                     daemon=True).start()
                    self._pid = os.getpid()
        future: Future[Result] = Future()
        self._queue.put((item, future))
        return future

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        try:
            results = self._write_batch([item for item, _ in batch])
        except Exception:
            if len(batch) > 1:  # find the item that failed; the others still go in
                for one in batch:
                    self._write([one])
                return
            log.exception("could not store %s", self._what)
            with _unless_given_up():
                batch[0][1].set_exception(RuntimeError(f"could not store {self._what}"))
            return
        for (_, future), result in zip(batch, results, strict=True):
            with _unless_given_up():
                future.set_result(result)  # a result may itself be an error to report


def _unless_given_up() -> contextlib.AbstractContextManager[None]:
    """Tell the request how it went, unless it gave up: a cancelled webhook task cancels its
    future (asyncio.wrap_future), and setting a cancelled future raises, which would end
    the writer thread and leave every later request waiting. What was written stays."""
    return contextlib.suppress(InvalidStateError)
