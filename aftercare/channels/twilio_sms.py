"""SMS through Twilio's official client: send, map Twilio's errors, find a lost send."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.rest import Client

from aftercare.channels.background_loop import BackgroundLoop
from aftercare.channels.base import (
    ChannelError,
    Lookup,
    Outgoing,
    PermanentError,
    RecipientOptedOut,
    Sent,
    TransientError,
    UncertainSend,
)
from aftercare.channels.twilio_http import TIMEOUT_SECONDS, TwilioHttp

if TYPE_CHECKING:
    from aftercare.settings import Settings

OPTED_OUT = 21610
TOO_MANY_REQUESTS = 20429
QUEUE_FULL = 21611  # the sender's queue holds >10 h of messages: later it will have room
# Connecting and each wait for the answer have their own timeout; this bounds a whole call.
CALL_DEADLINE_SECONDS = 3 * TIMEOUT_SECONDS


class TwilioSMS:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        status_callback_base: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base_url: str | None = None,
        http_client: AsyncHttpClient | None = None,
        connections: int = 64,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("TwilioSMS needs a from_number or a messaging_service_sid")
        if http_client is None:
            http_client = TwilioHttp(base_url=api_base_url, connections=connections)
        self.loop = BackgroundLoop("twilio-http", on_close=getattr(http_client, "close", None))
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback_base.rstrip("/") + "/webhooks/twilio/status"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TwilioSMS:
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback_base=settings.public_base_url,
            api_base_url=settings.twilio_api_base_url,
            connections=settings.twilio_connections,
            **overrides,
        )

    def send(self, message: Outgoing) -> Sent:
        sender = self._sender(message)
        try:
            msg = self.loop.run(self.client.messages.create_async(
                to=message.to, body=message.body, status_callback=self.status_callback, **sender
            ), timeout=CALL_DEADLINE_SECONDS)
        except (TwilioException, aiohttp.ClientError, TimeoutError) as exc:
            raise channel_error(exc) from exc
        return Sent(provider_id=str(msg.sid), provider_status=str(msg.status))

    def _sender(self, message: Outgoing) -> dict[str, str]:
        """The location's own sender when it has one, else this channel's. A Messaging
        Service picks the number from its pool and applies its opt-out rules."""
        if message.sender:
            key = "messaging_service_sid" if message.sender.startswith("MG") else "from_"
            return {key: message.sender}
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": self.from_number}

    def close(self) -> None:
        self.loop.close()

    def lookup(self, message: Outgoing) -> Lookup:
        """Did Twilio accept `message` although we never recorded its sid?"""
        if message.claimed_at is None:
            return Lookup("unknown")
        # With a Messaging Service the sender comes from its pool: filter on the service.
        sender = self._sender(message)
        service = sender.get("messaging_service_sid")
        by_sender = {} if service else sender
        since = message.claimed_at - timedelta(minutes=2)
        try:
            candidates = self.loop.run(self.client.messages.list_async(
                to=message.to, date_sent_after=since, limit=1000, page_size=200, **by_sender
            ), timeout=CALL_DEADLINE_SECONDS)
        except (TwilioException, aiohttp.ClientError, TimeoutError):
            return Lookup("unavailable")  # ask again on the next pass
        for m in candidates:
            if service and m.messaging_service_sid != service:
                continue
            if (m.body or "").strip() == message.body.strip():
                return Lookup("found", provider_id=m.sid, provider_status=m.status)
        return Lookup("not_found")


def channel_error(exc: Exception) -> ChannelError:
    """Say whether a failed create could succeed if tried again."""
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        # The request never left: safe to send again.
        return TransientError(f"cannot reach Twilio: {exc}", code="network")
    if isinstance(exc, TimeoutError):
        # Twilio may have accepted the message: reconcile before sending it again.
        return UncertainSend(f"Twilio did not answer in time: {exc}", code="read_timeout")
    if isinstance(exc, aiohttp.ClientError):
        # Dropped or garbled after the request went out: the same, it may have arrived.
        return UncertainSend(f"lost the connection to Twilio: {exc}", code="no_answer")
    if not isinstance(exc, TwilioRestException | TwilioServiceException):
        return TransientError(f"Twilio client error: {exc}")
    status, code = int(exc.status), int(exc.code or exc.status)
    reason = exc.msg if isinstance(exc, TwilioRestException) else exc.title
    if code == OPTED_OUT:
        return RecipientOptedOut(reason, code=str(code))
    if status == 429 or status >= 500 or code in (TOO_MANY_REQUESTS, QUEUE_FULL):
        return TransientError(reason, code=str(code))
    # 21211 invalid number, 21614 landline, 21612/21408 unreachable, 21606/20003 our config,
    # a mock's 422 (our request breaks the spec): the same request would fail again.
    return PermanentError(reason, code=str(code))
