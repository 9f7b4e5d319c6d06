"""HTTP load from this process: closed loop (N concurrent clients) or open loop (a fixed
rate, latency measured from each request's scheduled start, so a slow server cannot hide
its queueing by slowing the client down)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.progress import say


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    def record(self, started: float, status: int) -> None:
        self.latencies.append(time.perf_counter() - started)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def ok(self, *codes: int) -> int:
        return sum(n for code, n in self.statuses.items() if code in codes)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


Request = dict[str, Any]  # keyword arguments for httpx.AsyncClient.request


async def _one(client: httpx.AsyncClient, load: Load, request: Request, started: float) -> None:
    try:
        response = await client.request(**request)
        load.record(started, response.status_code)
    except httpx.HTTPError:
        load.errors += 1


def closed_loop(base: str, requests: Sequence[Request], *, clients: int,
                progress: Callable[[Load], str] | None = None) -> Load:
    async def main() -> Load:
        load = Load()
        pending = iter(requests)
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            async def worker() -> None:
                for request in pending:
                    await _one(client, load, request, time.perf_counter())

            async def report() -> None:
                while progress is not None:
                    await asyncio.sleep(5)
                    say(f"  {progress(load)}")

            started = time.perf_counter()
            reporter = asyncio.create_task(report())
            await asyncio.gather(*(worker() for _ in range(clients)))
            load.seconds = time.perf_counter() - started
            reporter.cancel()
        return load

    return asyncio.run(main())


def open_loop(base: str, requests: Sequence[Request], *, rate: float,
              connections: int = 200) -> Load:
    async def main() -> Load:
        load = Load()
        limits = httpx.Limits(max_connections=connections,
                              max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            tasks = []
            start = time.perf_counter() + 0.05
            for i, request in enumerate(requests):
                due = start + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(_one(client, load, request, due)))
            await asyncio.gather(*tasks)
            load.seconds = time.perf_counter() - start
        return load

    return asyncio.run(main())
