"""HTTP load from this process: closed loop (N concurrent clients) or open loop (a fixed
rate, latency measured from each request's scheduled start, so a slow server cannot hide
its queueing by slowing the client down).

The client is a minimal HTTP/1.1 keep-alive client on asyncio (uvloop when present) that
sends requests encoded before the clock starts. It shares the 2 cores with the server it
measures, so it has to be cheap: httpx's AsyncClient spent about 1.4 ms of CPU per request
here, which capped any server at about 200 requests/s; this one spends about 0.1 ms
(measured side by side against an empty FastAPI route, BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.progress import say

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] brings it
    uvloop = None


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


# One request: method, url (a path), optional headers, and a `json` or `data` (form) body.
Request = dict[str, Any]


def encode(request: Request, host: str) -> bytes:
    """The request's bytes on the wire, built once, before any timing starts."""
    headers = {"Host": host, **request.get("headers", {})}
    body = b""
    if "json" in request:
        body = json.dumps(request["json"], separators=(",", ":")).encode()
        headers["Content-Type"] = "application/json"
    elif "data" in request:
        body = urllib.parse.urlencode(request["data"]).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if body or request["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body))
    head = f"{request['method']} {request['url']} HTTP/1.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, data: bytes) -> int:
        """Send one request, read the whole response; returns its status."""
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        at = lowered.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lowered.index(b"\r\n", at + 2)
            await self.reader.readexactly(int(lowered[at + 17:end]))
        elif b"transfer-encoding: chunked" in lowered:
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        return status

    def close(self) -> None:
        self.writer.close()


def _run(main: Callable[[], Awaitable[Load]]) -> Load:
    if uvloop is not None:
        return uvloop.run(main())  # type: ignore[no-any-return]
    return asyncio.run(main())


def _target(base: str) -> tuple[str, int, str]:
    parsed = urllib.parse.urlsplit(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    return host, port, f"{host}:{port}"


async def _serve(queue: asyncio.Queue[tuple[bytes, float | None] | None], load: Load,
                 connection: _Connection, host: str, port: int) -> None:
    """One keep-alive connection taking requests off the queue until it reads None. A
    request's latency counts from its due time, or (None) from when this takes it."""
    current: _Connection | None = connection
    while (item := await queue.get()) is not None:
        data, due = item
        started = time.perf_counter() if due is None else due
        try:
            if current is None:  # reconnect after an error
                current = _Connection(*await asyncio.open_connection(host, port))
            load.record(started, await current.exchange(data))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            load.errors += 1
            if current is not None:
                current.close()
            current = None
    if current is not None:
        current.close()


async def _connected(host: str, port: int, count: int) -> list[_Connection]:
    # Connected before the clock starts, as a sender keeping connections open would be:
    # otherwise the first requests would also time the TCP handshakes.
    opened = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(count)))
    return [_Connection(*pair) for pair in opened]


async def _report(load: Load, progress: Callable[[Load], str] | None) -> None:
    while progress is not None:
        await asyncio.sleep(5)
        say(f"  {progress(load)}")


def closed_loop(base: str, requests: Sequence[Request], *, clients: int,
                progress: Callable[[Load], str] | None = None) -> Load:
    """`clients` connections, each sending its next request as soon as the last answered."""
    host, port, authority = _target(base)
    wire = [encode(r, authority) for r in requests]

    async def main() -> Load:
        load = Load()
        queue: asyncio.Queue[tuple[bytes, float | None] | None] = asyncio.Queue()
        for data in wire:
            queue.put_nowait((data, None))
        connections = await _connected(host, port, clients)
        for _ in connections:
            queue.put_nowait(None)
        reporter = asyncio.create_task(_report(load, progress))
        started = time.perf_counter()
        await asyncio.gather(*(_serve(queue, load, c, host, port) for c in connections))
        load.seconds = time.perf_counter() - started
        reporter.cancel()
        return load

    return _run(main)


def open_loop(base: str, requests: Sequence[Request], *, rate: float,
              connections: int = 200) -> Load:
    """Requests leave at `rate` per second whatever the server does; each one's latency
    counts from when it was due, including any wait for a free connection."""
    host, port, authority = _target(base)
    wire = [encode(r, authority) for r in requests]

    async def main() -> Load:
        load = Load()
        queue: asyncio.Queue[tuple[bytes, float | None] | None] = asyncio.Queue()
        senders = [asyncio.create_task(_serve(queue, load, c, host, port))
                   for c in await _connected(host, port, connections)]
        start = time.perf_counter() + 0.05
        for i, data in enumerate(wire):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((data, due))
        for _ in senders:
            queue.put_nowait(None)
        await asyncio.gather(*senders)
        load.seconds = time.perf_counter() - start
        return load

    return _run(main)
