"""Run Prism, a mock of Twilio's API built from Twilio's own OpenAPI spec, for a test session.

`make tools` installs both with npm: Prism into .tools/prism, and the spec (twilio-oai's
twilio_api_v2010.json, shipped in the pinned @twilio-alpha/mcp package and checked against
its SHA-256 in the Makefile) into .tools/twilio-spec. AFTERCARE_TWILIO_SPEC points at
another copy of the spec.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from aftercare.channels.twilio_http import TwilioHttp

REPO_ROOT = Path(__file__).resolve().parents[2]
PRISM = REPO_ROOT / ".tools/prism/node_modules/.bin/prism"
TWILIO_SPEC = (REPO_ROOT / ".tools/twilio-spec/node_modules/@twilio-alpha/mcp"
               / "twilio-oai/spec/json/twilio_api_v2010.json")
START_TIMEOUT_SECONDS = 30.0


def prism_binary() -> Path:
    if not PRISM.is_file():
        raise RuntimeError(f"Prism is not installed at {PRISM}: run `make tools`")
    return PRISM


def twilio_spec() -> Path:
    override = os.environ.get("AFTERCARE_TWILIO_SPEC")
    spec = Path(override) if override else TWILIO_SPEC
    if not spec.is_file():
        fix = "check AFTERCARE_TWILIO_SPEC" if override else "run `make tools`"
        raise RuntimeError(f"Twilio OpenAPI spec not found at {spec}: {fix}")
    return spec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def start_prism(port: int | None = None) -> Iterator[str]:
    """Start Prism on 127.0.0.1, yield its base URL once it answers, stop it afterwards."""
    binary, spec = prism_binary(), twilio_spec()
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn", str(spec)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: node and its children stop together
        )
        try:
            _wait_until_up(proc, base_url, log)
            yield base_url
        finally:
            _stop(proc)


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(base_url + "/", timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer (Prism says 404 for "/") means it is listening
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    output = log.read().decode(errors="replace")[-2000:]
    raise RuntimeError(f"Prism did not start at {base_url} (exit code {proc.poll()}):\n{output}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class RecordingHttpClient(TwilioHttp):
    """Calls the mock like the real client would, and keeps each request for assertions."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(base_url=base_url, **kwargs)
        self.requests: list[dict[str, Any]] = []

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        self.requests.append({"method": method, "url": url, **kwargs})
        return await super().request(method, url, *args, **kwargs)


class TwilioErrorStub(AsyncHttpClient):
    """Answers every request with a Twilio error body, as Prism cannot (no 4xx in the spec)."""

    def __init__(self, status: int, code: int | None = None, message: str = "stub error") -> None:
        super().__init__(logging.getLogger("tests.twilio_stub"), True, None)
        self.status, self.code, self.message = status, code, message
        self.requests: list[dict[str, Any]] = []

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        self.requests.append({"method": method, "url": url, **kwargs})
        code = self.code or self.status
        body = {
            "code": code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": self.status,
        }
        return Response(self.status, json.dumps(body))
