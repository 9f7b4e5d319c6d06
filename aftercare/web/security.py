"""Browser-facing protections: a content security policy on pages, a CSRF token per session.

The CSRF token lives in the signed session cookie and must come back in every POST (a form
field, or a header for the few lines of JS); comparing in constant time.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# Only this origin: no CDN, no inline script. Inline SVG charts need no style attributes.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
       "object-src 'none'")
# FastAPI's interactive docs load their own script and styles. The other security headers
# (nosniff, frame denial, referrer policy) come with every response from
# aftercare/observability/http.py.
NO_CSP_PREFIXES = ("/docs", "/redoc")


class ContentSecurityPolicy:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not str(scope.get("path", "")).startswith(NO_CSP_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and with_csp:
                MutableHeaders(scope=message).setdefault("Content-Security-Policy", CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfRejected(Exception):
    """A POST whose token is missing or wrong: refused with 403, nothing done."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    """A router dependency: every state-changing request of the web app must carry it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not sent or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise CsrfRejected()
