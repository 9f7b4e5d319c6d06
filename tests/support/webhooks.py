"""Signing fake Twilio webhooks the way Twilio does, with the library's own validator."""

from __future__ import annotations

import uuid
from typing import Any

from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://clinic.example.org"
AUTH_TOKEN = "test-auth-token"
CLINIC_NUMBER = "+15017122661"


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


def inbound_fields(from_phone: str, body: str, **extra: str) -> dict[str, str]:
    fields = {"MessageSid": new_sid(), "AccountSid": "AC" + "a" * 32, "From": from_phone,
              "To": CLINIC_NUMBER, "Body": body, "NumMedia": "0", "SmsStatus": "received",
              "ApiVersion": "2010-04-01"}
    fields.update(extra)
    return fields


def signature(path: str, fields: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(PUBLIC_URL + path, fields)


def post_signed(client: Any, path: str, fields: dict[str, str], *, token: str = AUTH_TOKEN,
                sign: str | None = None) -> Any:
    headers = {"X-Twilio-Signature": sign if sign is not None else signature(path, fields, token)}
    return client.post(path, data=fields, headers=headers)


def receive(container: Any, fields: dict[str, str]) -> int:
    """An inbound SMS through the webhook's own path (`replies.webhooks.accept_sms`), without
    the HTTP layer; returns the stored reply's id."""
    from sqlalchemy import select

    from aftercare.db.models import Reply
    from aftercare.replies.webhooks import accept_sms
    from tests.support.loop import run_async

    run_async(lambda: accept_sms(container, fields))
    with container.sessions() as session:
        return int(session.scalar(select(Reply.id).where(
            Reply.message_sid == fields["MessageSid"])))
