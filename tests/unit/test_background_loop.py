"""The event loop the SMS channel's HTTP calls run on, seen from blocking callers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from aftercare.channels.background_loop import BackgroundLoop


async def _answer(value: int, delay: float = 0.0) -> int:
    await asyncio.sleep(delay)
    return value


def test_many_threads_share_one_loop() -> None:
    loop = BackgroundLoop("test-loop")
    results: list[int] = []
    threads = [threading.Thread(target=lambda n=n: results.append(loop.run(_answer(n, 0.05),
                                                                           timeout=5)))
               for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(50))
    loop.close()


def test_a_call_past_its_deadline_is_cancelled() -> None:
    loop = BackgroundLoop("test-loop")
    cancelled = threading.Event()

    async def hangs() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        loop.run(hangs(), timeout=0.1)
    assert cancelled.wait(2)
    loop.close()


def test_errors_reach_the_caller() -> None:
    loop = BackgroundLoop("test-loop")

    async def fails() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        loop.run(fails(), timeout=5)
    loop.close()


def test_close_awaits_what_was_registered() -> None:
    closed: list[str] = []

    async def close_pool() -> None:
        closed.append("pool")

    loop = BackgroundLoop("test-loop", on_close=close_pool)
    loop.run(_answer(1), timeout=5)
    loop.close()
    assert closed == ["pool"]
