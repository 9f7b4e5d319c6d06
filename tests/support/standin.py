"""A small, fast, stateful stand-in for Twilio's Messages API, on loopback only.

Prism (tests/support/prism.py) checks requests against Twilio's spec but keeps no state; the
fault tests and benchmarks need the opposite: every accepted message remembered and counted,
so "sent exactly once" can be checked at the provider, plus faults on demand. It speaks the
endpoints the way twilio-python 9.x calls them:

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json     create (form, Basic auth)
    GET  /2010-04-01/Accounts/{AccountSid}/Messages.json     list: To, From, DateSent>, PageSize
    GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json

and an admin API for the test itself:

    GET  /_standin/stats      {"accepted": N, "requests": N, "rejected": N,
                               "by_sid": {...}, "by_to_body": [[to, body, count], ...]}
    POST /_standin/reset
    POST /_standin/faults     JSON {"status": 429|500, "count": N, "seconds": T,
                                    "methods": ["POST"], "latency_ms": L}

Run it alone with `python -m tests.support.standin --port N`, or in-process with
`with run_standin() as standin: ...` (a ThreadingHTTPServer on a daemon thread).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages(?:/(\w+))?\.json$")
ERROR_MESSAGES = {429: (20429, "Too Many Requests"), 500: (20500, "Internal Server Error"),
                  503: (20503, "Service Unavailable")}


@dataclass
class Faults:
    """What the next requests should get instead of a normal answer."""

    status: int = 0
    count: int = 0  # answer `status` to this many more requests...
    until: float = 0.0  # ...or to every request until this monotonic time
    methods: frozenset[str] = frozenset({"POST"})  # by default only creates fail
    latency: float = 0.0  # seconds added to every Messages request

    def take(self, method: str) -> int | None:
        if not self.status or method not in self.methods:
            return None
        if self.count > 0:
            self.count -= 1
            return self.status
        if time.monotonic() < self.until:
            return self.status
        return None


@dataclass
class State:
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> resource
    order: list[str] = field(default_factory=list)  # sids, oldest first
    per_to_body: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: int = 0
    rejected: int = 0
    faults: Faults = field(default_factory=Faults)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "accepted": len(self.messages), "requests": self.requests,
                "rejected": self.rejected,
                "by_sid": {sid: 1 for sid in self.order},
                "by_to_body": [[to, body, n] for (to, body), n in self.per_to_body.items()],
            }


def _twilio_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True).replace("GMT", "+0000")


def _parse_filter_date(value: str) -> datetime | None:
    """twilio-python sends DateSent> as ISO 8601 (2026-03-02T15:00:00Z); Twilio also takes
    plain dates."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: twilio-python reuses its requests.Session
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits for
    # the delayed ACK (~40 ms) before the body arrives: 25 requests/s per connection.
    disable_nagle_algorithm = True
    server: StandinServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: hundreds of requests per second

    # --- plumbing -------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        self._reply(status, {"code": code, "message": message, "status": status,
                             "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def _authorised(self, account: str) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == account and bool(password)

    # --- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's hook name)
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith("/_standin/"):
            self._admin(method, url.path, body)
            return
        match = ACCOUNT_PATH.match(url.path)
        if match is None:
            self._error(404, 20404, "The requested resource was not found")
            return
        account, sid = match.groups()
        state = self.server.state
        with state.lock:
            state.requests += 1
            fault = state.faults.take(method)
            latency = state.faults.latency
        if latency:
            time.sleep(latency)
        if not self._authorised(account):
            self._error(401, 20003, "Authenticate")
            return
        if fault is not None:
            with state.lock:
                state.rejected += 1
            code, message = ERROR_MESSAGES.get(fault, (fault, "Stand-in fault"))
            self._error(fault, code, message)
            return
        if method == "POST" and sid is None:
            self._create(account, parse_qs(body.decode(), keep_blank_values=True))
        elif method == "GET" and sid is None:
            self._list(account, parse_qs(url.query))
        elif method == "GET":
            self._fetch(sid)
        else:
            self._error(405, 20004, "Method not allowed")

    def _create(self, account: str, form: dict[str, list[str]]) -> None:
        def one(name: str) -> str:
            return form.get(name, [""])[0]

        to, body = one("To"), one("Body")
        sender, service = one("From"), one("MessagingServiceSid")
        if not to:
            self._error(400, 21604, "A 'To' phone number is required.")
            return
        if not body:
            self._error(400, 21602, "Message body is required.")
            return
        if not (sender or service):
            self._error(400, 21603, "A 'From' phone number is required.")
            return
        now = datetime.now(UTC)
        sid = "SM" + uuid.uuid4().hex
        resource = {
            "sid": sid, "account_sid": account, "messaging_service_sid": service or None,
            "to": to, "from": sender or None, "body": body, "status": "queued",
            "num_segments": "1", "num_media": "0", "direction": "outbound-api",
            "api_version": "2010-04-01", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None,
            # The stand-in "sends" at once, so a later list by DateSent finds it.
            "date_created": _twilio_date(now), "date_updated": _twilio_date(now),
            "date_sent": _twilio_date(now),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
            "_sent_at": now.timestamp(), "_status_callback": form.get("StatusCallback", [""])[0],
        }
        with self.server.state.lock:
            self.server.state.messages[sid] = resource
            self.server.state.order.append(sid)
            self.server.state.per_to_body[(to, body)] += 1
        self._reply(201, _public(resource))

    def _list(self, account: str, query: dict[str, list[str]]) -> None:
        to = query.get("To", [None])[0]
        sender = query.get("From", [None])[0]
        after_raw = query.get("DateSent>", [None])[0]
        after = _parse_filter_date(after_raw) if after_raw else None
        page_size = int(query.get("PageSize", ["50"])[0])
        with self.server.state.lock:
            found = [self.server.state.messages[s] for s in reversed(self.server.state.order)]
        found = [m for m in found
                 if m["account_sid"] == account and (to is None or m["to"] == to)
                 and (sender is None or m["from"] == sender)
                 and (after is None or m["_sent_at"] >= after.timestamp())]
        uri = f"/2010-04-01/Accounts/{account}/Messages.json"
        # Newest first and one page only, as much as asked for: like Twilio's first page.
        self._reply(200, {
            "messages": [_public(m) for m in found[:page_size]], "end": min(len(found),
                                                                            page_size) - 1,
            "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
            "page": 0, "page_size": page_size, "start": 0, "uri": uri,
        })

    def _fetch(self, sid: str) -> None:
        with self.server.state.lock:
            message = self.server.state.messages.get(sid)
        if message is None:
            self._error(404, 20404, f"The requested resource {sid} was not found")
            return
        self._reply(200, {**_public(message), "status": "sent"})

    def _admin(self, method: str, path: str, body: bytes) -> None:
        state = self.server.state
        if method == "GET" and path == "/_standin/stats":
            self._reply(200, state.stats())
        elif method == "POST" and path == "/_standin/reset":
            with state.lock:
                state.messages.clear()
                state.order.clear()
                state.per_to_body.clear()
                state.requests = state.rejected = 0
                state.faults = Faults()
            self._reply(200, {"ok": True})
        elif method == "POST" and path == "/_standin/faults":
            spec = json.loads(body or b"{}")
            with state.lock:
                state.faults = Faults(
                    status=int(spec.get("status", 0)), count=int(spec.get("count", 0)),
                    until=time.monotonic() + float(spec.get("seconds", 0)),
                    methods=frozenset(spec.get("methods", ["POST"])),
                    latency=float(spec.get("latency_ms", 0)) / 1000)
            self._reply(200, {"ok": True})
        else:
            self._error(404, 20404, "unknown admin endpoint")


def _public(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if not k.startswith("_")}


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts from several workers at once

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)  # loopback only, always
        self.state = State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A worker killed mid-request resets its connection: expected here, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Standin:
    """A running stand-in, seen from a test."""

    url: str
    server: StandinServer

    def stats(self) -> dict[str, Any]:
        return self.server.state.stats()

    def per_to_body(self) -> Counter[tuple[str, str]]:
        with self.server.state.lock:
            return Counter(self.server.state.per_to_body)

    def accepted(self) -> int:
        with self.server.state.lock:
            return len(self.server.state.messages)

    def fault(self, status: int, *, count: int = 0, seconds: float = 0.0,
              methods: tuple[str, ...] = ("POST",), latency_ms: float = 0.0) -> None:
        httpx.post(f"{self.url}/_standin/faults", json={
            "status": status, "count": count, "seconds": seconds, "methods": list(methods),
            "latency_ms": latency_ms}).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_standin/reset").raise_for_status()


@contextmanager
def run_standin(port: int = 0) -> Iterator[Standin]:
    server = StandinServer(port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="twilio-standin", daemon=True)
    thread.start()
    try:
        yield Standin(f"http://127.0.0.1:{server.server_address[1]}", server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description="A local stand-in for Twilio's Messages API")
    parser.add_argument("--port", type=int, default=4011)
    args = parser.parse_args()
    server = StandinServer(args.port)
    print(f"twilio stand-in on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
