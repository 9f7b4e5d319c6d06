"""An asyncio event loop on a daemon thread, where blocking callers run coroutines.

Dispatch sends from several worker threads; with a blocking HTTP client every thread did its
own HTTP work and fought the others for the GIL, at about 0.65 ms of CPU per Twilio call.
Handing the calls to one event loop that drives every call in flight over one connection
pool takes a third of that, and the threads only wait. The channel that owns the loop is
built per process (bootstrap.py), after any fork; the loop starts on its first call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    def __init__(self, name: str, *, on_close: Callable[[], Awaitable[None]] | None = None
                 ) -> None:
        self._name = name
        self._on_close = on_close  # e.g. closing the connection pool, on the loop
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run `coroutine` on the loop and wait for it; TimeoutError after `timeout` s."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer in {timeout:.0f} s") from None

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name=self._name,
                                 daemon=True).start()
            return self._loop

    def close(self) -> None:
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        if self._on_close is not None:
            with contextlib.suppress(Exception):  # closing anyway: an open pool is harmless
                asyncio.run_coroutine_threadsafe(_await(self._on_close), loop).result(2)
        loop.call_soon_threadsafe(loop.stop)


async def _await(close: Callable[[], Awaitable[None]]) -> None:
    await close()
