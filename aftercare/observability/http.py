"""ASGI middleware for every API response: a request id, and the security headers.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses and the body-size limit keep
working, and the request id's context variable is set in the task that runs the route.
"""

from __future__ import annotations

import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftercare.observability.logs import request_id
from aftercare.observability.metrics import WEBHOOK_SECONDS

WEBHOOK_PREFIX = "/webhooks/twilio/"

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Every response, pages and API alike (aftercare/web/security.py adds the pages' CSP).
# Set with setdefault: a route that chose its own value keeps it.
API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Pages and API answers may carry PHI: none is kept by a browser or a proxy (a shared
# front-desk computer's back button included). Only the static files may be cached.
CACHEABLE_PREFIXES = ("/static/",)


class RequestContext:
    """Takes a sane X-Request-ID from the proxy or makes one; echoes it; logs carry it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        path = str(scope.get("path", ""))
        no_store = not path.startswith(CACHEABLE_PREFIXES)
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = rid
                for name, value in API_HEADERS.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        token = request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id.reset(token)
            if path.startswith(WEBHOOK_PREFIX):  # Twilio waits 15 s at most: watch this
                hook = path[len(WEBHOOK_PREFIX):].split("/", 1)[0] or "unknown"
                if hook in ("sms", "status"):
                    WEBHOOK_SECONDS.labels(hook=hook).observe(time.perf_counter() - started)
