"""Running a coroutine from a test: in a thread of its own, since the browser tests' sync
Playwright API may leave an event loop running in the test's thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]], *, timeout: float = 60) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result(timeout)
