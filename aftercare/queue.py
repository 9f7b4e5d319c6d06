"""Work handed to the Celery worker, always after the transaction that created it committed.

The worker's tasks plan or read everything pending, so a wake-up carries no ids: many
requests in a short window need only one wake-up after the last of them (`Coalesced`).
Rows are the source of truth; beat's periodic sweeps pick up whatever a lost wake-up (a
broker outage, a process killed) left behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from celery import Celery

log = logging.getLogger(__name__)
T = TypeVar("T")

PLAN = "aftercare.plan_pending"
READ = "aftercare.read_replies"
DISPATCH = "aftercare.dispatch_due"


class TaskQueue(Protocol):
    def wake_planning(self) -> None: ...

    def wake_reading(self) -> None: ...

    def dispatch_now(self) -> None: ...


class CeleryQueue:
    def __init__(self, celery: Celery, *, window: float = 0.0) -> None:
        self._celery = celery
        self._coalesced = Coalesced(self._send, window=window)

    def wake_planning(self) -> None:
        self._coalesced.request(PLAN)

    def wake_reading(self) -> None:
        self._coalesced.request(READ)

    def dispatch_now(self) -> None:
        # Coalesced too: reading 200 replies a second wakes dispatch for each acknowledgement.
        self._coalesced.request(DISPATCH)

    def _send(self, task: str) -> None:
        try:
            self._celery.send_task(task)
        except Exception:
            # The rows are committed; a periodic sweep picks them up when the broker is back.
            log.warning("could not enqueue %s; the sweep will", task, exc_info=True)


class Coalesced:
    """`send(task)` at most once per `window` seconds per task, always after the last
    request it covers: a request made while a send is pending rides along with it.

    At hundreds of requests a second, publishing a task for each cost more CPU than the
    request itself. Each pending send is a `threading.Timer`, so nothing outlives it.
    """

    def __init__(self, send: Callable[[str], None], *, window: float) -> None:
        self._send = send
        self._window = window
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def request(self, task: str) -> None:
        if self._window <= 0:
            self._send(task)
            return
        with self._lock:
            if task in self._pending:
                return
            self._pending.add(task)
        timer = threading.Timer(self._window, self._fire, args=(task,))
        timer.daemon = True
        timer.start()

    def _fire(self, task: str) -> None:
        with self._lock:  # removed before sending: a request from now on gets a send of its own
            self._pending.discard(task)
        try:
            self._send(task)
        except Exception:  # the sweep will do the work; later requests send again
            log.warning("could not send the wake-up %s", task, exc_info=True)


class Flights:
    """At most `limit` runs of a task at a time in this process; a wake-up that arrives while
    they all run asks for one more run after one of them, and returns at once.

    Every wake-up reads (or dispatches) everything pending, so more runs alongside only
    compete for the same rows, and hold worker threads the other tasks need: with a wake-up
    every 20 ms, every thread of the pool would soon be reading, or lingering in a dispatch
    run, and none left for the other.
    """

    def __init__(self, limit: int = 1) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._running = 0
        self._again = False

    def run(self, work: Callable[[], T]) -> list[T]:
        """What each run made here returned (none when it only asked for one)."""
        with self._lock:
            if self._running >= self._limit:
                self._again = True
                return []
            self._running += 1
        done: list[T] = []
        try:
            while True:
                done.append(work())
                with self._lock:
                    if not self._again:
                        return done
                    self._again = False
        finally:
            with self._lock:
                self._running -= 1


@dataclass
class RecordingQueue:
    """A fake for tests that run the services themselves: counts the wake-ups."""

    planning: int = 0
    reading: int = 0
    dispatches: int = 0

    def wake_planning(self) -> None:
        self.planning += 1

    def wake_reading(self) -> None:
        self.reading += 1

    def dispatch_now(self) -> None:
        self.dispatches += 1
