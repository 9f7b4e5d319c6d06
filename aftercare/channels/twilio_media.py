"""MMS media at the provider: download a photo a patient sent, then delete it there.

Twilio serves media at an address under the account that needs its credentials (and then
redirects to a short-lived copy; `requests` drops the credentials when it leaves the host).
The delete goes through the official client, as every other Twilio call does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import aiohttp
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from aftercare.channels.background_loop import BackgroundLoop
from aftercare.channels.twilio_http import TIMEOUT_SECONDS, TwilioHttp
from aftercare.media.images import NotAcceptable
from aftercare.media.source import MediaUnavailable

if TYPE_CHECKING:
    from aftercare.settings import Settings

_MEDIA_PATH = re.compile(r"/Accounts/(AC\w+)/Messages/(MM\w+)/Media/(ME\w+)")
CHUNK = 64 * 1024


class TwilioMedia:
    def __init__(self, *, account_sid: str, auth_token: str,
                 api_base_url: str | None = None) -> None:
        self.auth = (account_sid, auth_token)
        http = TwilioHttp(base_url=api_base_url, connections=4)
        self.loop = BackgroundLoop("twilio-media", on_close=http.close)
        self.client = Client(account_sid, auth_token, http_client=http)

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioMedia:
        return cls(account_sid=settings.twilio_account_sid,
                   auth_token=settings.twilio_auth_token.get_secret_value(),
                   api_base_url=settings.twilio_api_base_url)

    def fetch(self, url: str, *, max_bytes: int) -> bytes:
        return download(url, auth=self.auth, max_bytes=max_bytes)

    def remove(self, url: str) -> bool:
        found = _MEDIA_PATH.search(url)
        if found is None:
            return False
        account, message, media = found.groups()
        try:
            self.loop.run(self.client.api.v2010.accounts(account).messages(message)
                          .media(media).delete_async(), timeout=3 * TIMEOUT_SECONDS)
        except TwilioRestException as exc:
            if exc.status == 404:
                return True  # already gone
            raise MediaUnavailable(f"delete at Twilio failed: {exc.status}") from None
        except (TwilioException, aiohttp.ClientError, TimeoutError) as exc:
            raise MediaUnavailable(f"delete at Twilio failed: {type(exc).__name__}") from None
        return True

    def close(self) -> None:
        self.loop.close()


class PlainMedia:
    """The embedded default (console channels): media at an address that needs no
    credentials, and no provider to delete it from."""

    def fetch(self, url: str, *, max_bytes: int) -> bytes:
        return download(url, auth=None, max_bytes=max_bytes)

    def remove(self, url: str) -> bool:
        return False

    def close(self) -> None:
        pass


def download(url: str, *, auth: tuple[str, str] | None, max_bytes: int) -> bytes:
    """The body, read no further than `max_bytes` (a larger one is refused for good)."""
    if not url.startswith(("https://", "http://")):
        raise NotAcceptable("not a web address")
    try:
        with requests.get(url, auth=auth, stream=True, timeout=TIMEOUT_SECONDS) as answer:
            if answer.status_code in (404, 410):
                raise NotAcceptable(f"gone at the provider ({answer.status_code})")
            if answer.status_code >= 400:
                raise MediaUnavailable(f"the provider answered {answer.status_code}")
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise NotAcceptable(f"larger than {max_bytes // (1024 * 1024)} MB")
            body = bytearray()
            for chunk in answer.iter_content(CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise NotAcceptable(f"larger than {max_bytes // (1024 * 1024)} MB")
            return bytes(body)
    except requests.RequestException as exc:
        raise MediaUnavailable(f"download failed: {type(exc).__name__}") from None
