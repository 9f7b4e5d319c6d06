"""Running the same work in several threads at once, for the tests of concurrent claims."""

from __future__ import annotations

import threading
from collections.abc import Callable


def in_threads(work: Callable[[], object], *, count: int = 2, timeout: float = 120
               ) -> list[BaseException]:
    """Run `work` in `count` threads and wait; the errors they raised (none, if all went
    well), so the test can assert on them in its own thread."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return errors
