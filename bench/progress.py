"""Progress lines on stderr while a run goes (the table and JSON come at the end)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

_START = time.monotonic()


def say(line: str) -> None:
    print(f"[{time.monotonic() - _START:6.1f}s] {line}", file=sys.stderr, flush=True)


def watch(status: Callable[[], tuple[bool, str]], *, timeout: float, every: float = 1.0,
          report_every: float = 5.0) -> tuple[bool, float]:
    """Poll `status` (done?, progress text) until done or `timeout`; say its text now and then.

    Returns (done, seconds waited).
    """
    started = last = time.monotonic()
    while True:
        done, text = status()
        now = time.monotonic()
        if done or now - started >= timeout:
            say(f"  {text}" + ("" if done else f" (stopped at the {timeout:.0f}s limit)"))
            return done, now - started
        if now - last >= report_every:
            say(f"  {text}")
            last = now
        time.sleep(every)
