"""The event loop the SMS channel's HTTP calls run on, seen from blocking callers."""

from __future__ import annotations

import asyncio
import os
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


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_loop_of_its_own() -> None:
    # Celery's prefork pool forks after the parent may have sent: the loop's thread is gone.
    loop = BackgroundLoop("test-loop")
    assert loop.run(_answer(1), timeout=5) == 1
    pid = os.fork()
    if pid == 0:  # the child: exit status says whether a call still works
        try:
            os._exit(0 if loop.run(_answer(7), timeout=5) == 7 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert loop.run(_answer(2), timeout=5) == 2  # the parent's loop is untouched
    loop.close()


def test_close_awaits_what_was_registered() -> None:
    loop = BackgroundLoop("test-loop")
    closed: list[str] = []

    async def close_pool() -> None:
        closed.append("pool")

    loop.on_close(close_pool)
    loop.run(_answer(1), timeout=5)
    loop.close()
    assert closed == ["pool"]
