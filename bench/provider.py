"""The Twilio side: the project's stand-in (tests/support/standin.py) as a subprocess.

Its admin API sets the provider latency and counts sends per (to, body), which is how
duplicates are found: every benchmark message has a unique body.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

import httpx

from bench.stack import Proc, Stack, free_port, wait_until


@dataclass
class Provider:
    url: str
    proc: Proc

    def configure(self, *, latency_ms: float) -> None:
        """Forget every message and answer each Messages request after `latency_ms`."""
        httpx.post(f"{self.url}/_standin/reset", timeout=30).raise_for_status()
        httpx.post(f"{self.url}/_standin/faults", json={"status": 0, "latency_ms": latency_ms},
                   timeout=10).raise_for_status()

    def accepted(self) -> int:
        return self._stats()["accepted"]

    def sends_per_message(self, body_prefix: str) -> Counter[tuple[str, str]]:
        """How often each (to, body) was accepted, for bodies starting with `body_prefix`."""
        return Counter({(to, body): n for to, body, n in self._stats()["by_to_body"]
                        if body.startswith(body_prefix)})

    def _stats(self) -> dict:  # type: ignore[type-arg]
        response = httpx.get(f"{self.url}/_standin/stats", timeout=60)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]


def start_provider(stack: Stack) -> Provider:
    port = free_port()
    proc = stack.processes.start("standin", [sys.executable, "-m", "tests.support.standin",
                                             "--port", str(port)], stack.env())
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/_standin/stats", timeout=1).status_code == 200,
               timeout=30, what="the Twilio stand-in", proc=proc)
    stack.standin_url = url
    return Provider(url, proc)


def duplicates(counts: Counter[tuple[str, str]]) -> int:
    """Sends beyond the first of each message."""
    return sum(n - 1 for n in counts.values() if n > 1)
