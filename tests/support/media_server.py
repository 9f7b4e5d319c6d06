"""A loopback stand-in for where Twilio keeps MMS media: each path serves given bytes, behind
Basic auth when credentials are set, as Twilio's media addresses are."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

ACCOUNT = "AC" + "a" * 32
MESSAGE = "MM" + "b" * 32


def media_path(n: int) -> str:
    return f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MESSAGE}/Media/ME{n:032x}"


def png(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 120)).save(out, "PNG")
    return out.getvalue()


@dataclass
class MediaServer:
    base: str
    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, bool]] = field(default_factory=list)  # (path, authorised)

    def add(self, path: str, data: bytes, content_type: str = "image/png",
            status: int = 200) -> str:
        self.files[path] = (status, content_type, data)
        return self.base + path


@contextmanager
def run_media_server(*, user: str | None, password: str | None) -> Iterator[MediaServer]:
    expected = ("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                if user else None)
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            server: MediaServer = state["server"]
            authorised = expected is None or self.headers.get("Authorization") == expected
            server.requests.append((self.path, authorised))
            if not authorised:
                self.send_response(401)
                self.end_headers()
                return
            status, kind, data = server.files.get(self.path, (404, "text/plain", b"gone"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = MediaServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
