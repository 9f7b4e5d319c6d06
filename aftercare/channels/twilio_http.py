"""The HTTP client under twilio-python: its asynchronous client interface, on aiohttp.

twilio-python takes any `AsyncHttpClient` (its documented extension point) and then offers
`create_async`, `list_async`, ... This one keeps a pool of keep-alive connections sized for
the sends in flight, reads proxy settings once per host rather than on every call, and can
send everything to another base URL (tests and local stand-ins) instead of api.twilio.com.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import ssl
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import certifi
from requests.utils import get_environ_proxies, select_proxy
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

TIMEOUT_SECONDS = 10.0


def _basic(user: str, password: str) -> str:
    # A header of our own: aiohttp deprecates its auth= parameter.
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class TwilioHttp(AsyncHttpClient):
    def __init__(self, *, base_url: str | None = None, connections: int = 64,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(logging.getLogger("aftercare.twilio_http"), True, timeout)
        self._base = urlsplit(base_url) if base_url else None
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    async def request(
        self, method: str, url: str, params: dict[str, Any] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self._base is not None:
            u = urlsplit(url)
            url = urlunsplit((self._base.scheme, self._base.netloc, u.path, u.query, u.fragment))
        seconds = timeout or self.timeout or TIMEOUT_SECONDS
        if auth is not None:
            headers = {**(headers or {}), "Authorization": _basic(*auth)}
        async with self._pool().request(
            method.upper(), url, params=params, data=data, headers=headers,
            allow_redirects=allow_redirects,
            proxy=self._proxy(url),
            # Per phase, like requests' timeout: connecting, then each wait for the answer.
            timeout=aiohttp.ClientTimeout(total=None, connect=seconds, sock_read=seconds),
        ) as answer:
            return Response(answer.status, await answer.text(), answer.headers)

    def _pool(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session_loop is not loop:
            context = ssl.create_default_context(
                cafile=os.environ.get("REQUESTS_CA_BUNDLE") or certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, ssl=context))
            self._session_loop = loop
        return self._session

    def _proxy(self, url: str) -> str | None:
        u = urlsplit(url)
        key = (u.scheme, u.netloc)
        if key not in self._proxies:  # HTTPS_PROXY, NO_PROXY, ... as requests reads them
            self._proxies[key] = select_proxy(url, get_environ_proxies(url))
        return self._proxies[key]

    async def close(self) -> None:
        if self._session is not None and self._session_loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
