"""Coalesced wake-ups (aftercare/queue.py): a burst of requests becomes a few sends, every
request is followed by a send that started after it, and a send that raises, a window of 0
or a fork do not lose wake-ups. Windows of 20 ms; bounds on counts are generous."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import pytest

from aftercare.queue import Coalesced

WINDOW = 0.02


class Recorder:
    """A send that records (task, when it started) and can be told to raise or to block."""

    def __init__(self, *, raise_first: int = 0, block_first: threading.Event | None = None
                 ) -> None:
        self.sends: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._raise_left = raise_first
        self._block_first = block_first
        self.started = threading.Event()

    def __call__(self, task: str) -> None:
        with self._lock:
            self.sends.append((task, time.monotonic()))
            first = len(self.sends) == 1
            raising = self._raise_left > 0
            self._raise_left -= raising
        self.started.set()
        if first and self._block_first is not None:
            assert self._block_first.wait(5)
        if raising:
            raise ConnectionError("broker down")

    def sent_after(self, moment: float) -> Callable[[], bool]:
        def check() -> bool:
            with self._lock:
                return any(at > moment for _, at in self.sends)
        return check

    def count(self, task: str | None = None) -> int:
        with self._lock:
            return sum(1 for t, _ in self.sends if task is None or t == task)


def settle(recorder: Recorder, *, quiet: float = 10 * WINDOW, timeout: float = 5.0) -> None:
    """Wait until no send has happened for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        count = recorder.count()
        if count == last:
            return
        last = count
        time.sleep(quiet)
    raise AssertionError("sends did not stop")


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.002)


def burst(wakeups: Coalesced, *, threads: int, seconds: float, task: str = "read"
          ) -> list[float]:
    """Requests from several threads at once for `seconds`; returns when each was made."""
    start = threading.Barrier(threads)
    made: list[float] = []
    lock = threading.Lock()

    def requester() -> None:
        start.wait(5)
        end = time.monotonic() + seconds
        while (before := time.monotonic()) < end:  # `before`: at or before it registers
            wakeups.request(task)
            with lock:
                made.append(before)
            time.sleep(0.0005)

    workers = [threading.Thread(target=requester) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert len(made) >= threads
    return made


def test_a_burst_from_many_threads_becomes_a_few_sends_after_the_last_request() -> None:
    recorder = Recorder()
    wakeups = Coalesced(recorder, window=WINDOW)
    requests = 0
    for windows in (3.5, 4.25, 5):  # bursts apart, each needs a send after its end
        made = burst(wakeups, threads=8, seconds=windows * WINDOW)
        requests += len(made)
        # Every request is followed by a send that started after it (the latest does it).
        wait_for(recorder.sent_after(max(made)))
        settle(recorder)
    # At most one send per window, plus one trailing (18 in all): a machine under load only
    # lowers the count.
    assert 3 <= recorder.count("read") <= 21 < requests / 4, requests


def test_a_request_during_a_send_gets_a_send_of_its_own() -> None:
    release = threading.Event()
    recorder = Recorder(block_first=release)
    wakeups = Coalesced(recorder, window=WINDOW)
    wakeups.request("read")
    assert recorder.started.wait(5)  # the first send is under way, and blocked
    made = time.monotonic()
    wakeups.request("read")  # too late for the send in flight: it may miss this commit
    release.set()
    wait_for(lambda: recorder.count() == 2)
    assert recorder.sends[1][1] > made
    settle(recorder)
    assert recorder.count() == 2


def test_each_task_is_coalesced_on_its_own() -> None:
    recorder = Recorder()
    wakeups = Coalesced(recorder, window=WINDOW)
    for _ in range(20):
        wakeups.request("plan")
        wakeups.request("read")
    settle(recorder)
    assert 1 <= recorder.count("plan") <= 5 and 1 <= recorder.count("read") <= 5


def test_window_zero_sends_once_per_request_at_once() -> None:
    recorder = Recorder()
    wakeups = Coalesced(recorder, window=0)
    for n in range(1, 4):
        wakeups.request("read")
        assert recorder.count("read") == n  # sent before request() returned
    made = burst(wakeups, threads=4, seconds=5 * WINDOW)
    assert recorder.count("read") == len(made) + 3


def test_a_send_that_raises_is_logged_and_later_sends_go_out(
        caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(raise_first=2)
    wakeups = Coalesced(recorder, window=WINDOW)
    with caplog.at_level(logging.WARNING, logger="aftercare.queue"):
        wakeups.request("read")
        wait_for(lambda: recorder.count() == 1)
        wakeups.request("plan")
        wait_for(lambda: recorder.count() == 2)
        made = time.monotonic()
        wakeups.request("read")
        wait_for(lambda: recorder.count() == 3)
    assert [task for task, _ in recorder.sends] == ["read", "plan", "read"]
    assert recorder.sends[2][1] > made
    assert len([r for r in caplog.records if "could not send the wake-up" in r.getMessage()]
               ) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_sends_its_own_wake_ups() -> None:
    read_end, write_end = os.pipe()

    sent: list[str] = []

    def send(task: str) -> None:
        sent.append(task)
        os.write(write_end, task.encode() + b"\n")

    wakeups = Coalesced(send, window=WINDOW)
    wakeups.request("parent")  # the parent's thread is running; the child has none
    pid = os.fork()
    if pid == 0:  # the child: exits, never returns to pytest
        code = 1
        try:
            wakeups.request("child")
            wait_for(lambda: "child" in sent)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        lines = pipe.read().split()
    assert os.waitstatus_to_exitcode(status) == 0
    assert "child" in lines and "parent" in lines


def test_one_flight_at_a_time_and_one_more_run_for_wake_ups_meanwhile() -> None:
    from aftercare.queue import Flights

    flight, inside, release = Flights(limit=1), threading.Event(), threading.Event()
    runs: list[int] = []

    def work() -> int:
        runs.append(1)
        if len(runs) == 1:
            inside.set()
            release.wait(5)
        return 10

    first: list[list[int]] = []
    runner = threading.Thread(target=lambda: first.append(flight.run(work)))
    runner.start()
    assert inside.wait(5)
    # Two wake-ups while it runs: both return at once, and ask for one more run between them.
    assert flight.run(work) == [] and flight.run(work) == []
    release.set()
    runner.join(5)
    assert first == [[10, 10]] and len(runs) == 2
    assert flight.run(work) == [10]  # idle again: a wake-up runs at once


def test_two_flights_run_side_by_side_and_a_third_waits_its_turn() -> None:
    from aftercare.queue import Flights

    flights, both_in, release = Flights(limit=2), threading.Barrier(3), threading.Event()
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        if len(calls) <= 2:
            both_in.wait(5)
            release.wait(5)
        return 1

    threads = [threading.Thread(target=flights.run, args=(work,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    both_in.wait(5)
    assert flights.run(work) == []  # a third: asked for, not run alongside
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 3


def test_a_flight_is_free_again_after_the_work_raises() -> None:
    from aftercare.queue import Flights

    flight = Flights()

    def boom() -> int:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        flight.run(boom)
    assert flight.run(lambda: 1) == [1]
