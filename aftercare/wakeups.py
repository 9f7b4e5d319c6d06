"""Coalesced wake-ups: many "there is new work" signals in a short window become one.

The API logs procedures and stores replies hundreds of times a second; publishing one Celery
task for each cost more CPU than the request itself. The tasks a wake-up starts do *all*
pending work (every unplanned procedure, every unread reply), so one run that starts after
the last commit covers every request before it. A request therefore only has to make sure
that a send happens *after* it: if one is already waiting, it rides along.

The periodic sweeps stay as the safety net: a wake-up lost with the process (or a broker
outage) delays the work by one sweep interval, it never loses it; the rows are committed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
_starting = threading.Lock()


class Wakeups:
    """Sends `send(task)` at most once per `window` seconds per task, always after the last
    request that it covers. Thread-safe; the sending thread starts on first use (after any
    fork) and dies with the process."""

    def __init__(self, send: Callable[[str], None], *, window: float) -> None:
        self._send = send
        self._window = window
        self._pid = -1

    def request(self, task: str) -> None:
        if self._window <= 0:
            self._send(task)
            return
        if self._pid != os.getpid():  # first use, or a forked child: fresh lock and thread
            with _starting:
                if self._pid != os.getpid():
                    self._start()
        with self._ready:
            if task not in self._due:
                self._due[task] = time.monotonic() + self._window
                self._ready.notify()

    def _start(self) -> None:
        self._due: dict[str, float] = {}
        self._ready = threading.Condition()
        threading.Thread(target=self._loop, name="aftercare-wakeups", daemon=True).start()
        self._pid = os.getpid()

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._due:
                    self._ready.wait()
                task, when = min(self._due.items(), key=lambda item: item[1])
                delay = when - time.monotonic()
                if delay > 0:
                    self._ready.wait(delay)
                    continue
                # Removed before sending: a request from now on schedules a send of its own.
                del self._due[task]
            try:
                self._send(task)
            except Exception:  # the sweep will do the work; keep serving other wake-ups
                log.warning("could not send the wake-up %s", task, exc_info=True)
