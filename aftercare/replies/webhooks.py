"""Twilio's webhooks: inbound SMS and delivery status. Signed, or refused with 403.

The signature covers the URL Twilio called, which behind a proxy is the public URL, not the
one this process sees: it is rebuilt from settings.public_base_url.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from aftercare.container import Container
from aftercare.db.models import Reply
from aftercare.db.session import transaction
from aftercare.outbox.status import StatusCallback
from aftercare.replies.inbound import BadInbound, Inbound, parse_inbound, store_keyword, twiml
from aftercare.replies.intake import Stored
from aftercare.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"], include_in_schema=False)

URLENCODED = "application/x-www-form-urlencoded"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def accept_sms(container: Container, fields: Mapping[str, str]) -> str:
    """Store an inbound SMS and return the TwiML to answer with: most replies share a
    transaction (the reply writer) without taking a thread; keywords need the patient's
    records and take one."""
    inbound = parse_inbound(fields, now=container.clock())
    if inbound.maybe_keyword:
        stored = await run_in_threadpool(_keyword, container, inbound)
    else:
        stored = await container.reply_writer.submit(inbound.row)
    return twiml(stored.auto_response)


def _keyword(c: Container, inbound: Inbound) -> Stored:
    try:
        with transaction(c.sessions) as session:
            return store_keyword(session, inbound, plans=c.plans, policy=c.planning_policy,
                                 settings=c.settings, queue=c.queue)
    except IntegrityError:  # the same sid raced in on another request
        with c.sessions() as session:
            found = session.execute(select(Reply.id, Reply.auto_response, Reply.keyword)
                                    .where(Reply.message_sid == inbound.row["message_sid"])
                                    ).one()
        return Stored(found.id, False, found.auto_response, found.keyword)


def signed(settings: Settings, request: Request, params: dict[str, str]) -> bool:
    token = settings.twilio_auth_token.get_secret_value()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return RequestValidator(token).validate(url, params, signature)


async def form_fields(request: Request) -> dict[str, str]:
    """Twilio posts url-encoded forms: parsed here directly, a quarter of the cost of the
    general form parser. Anything else goes through that parser. Text fields only."""
    if request.headers.get("content-type", "").startswith(URLENCODED):
        body = (await request.body()).decode("utf-8", "replace")
        return dict(parse_qsl(body, keep_blank_values=True))
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def _forbidden() -> Response:
    return Response("invalid or missing X-Twilio-Signature", status_code=403,
                    media_type="text/plain")


# Plain Starlette routes, not FastAPI's: Twilio's calls are the busiest path, and FastAPI's
# dependency solving and form handling cost more than storing the reply.


async def inbound_sms(request: Request) -> Response:
    container: Container = request.app.state.container
    fields = await form_fields(request)
    if not signed(container.settings, request, fields):
        log.warning("refused an inbound webhook with a bad signature")
        return _forbidden()
    try:
        answer = await accept_sms(container, fields)
    except BadInbound as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    return Response(answer, media_type="text/xml")


async def delivery_status(request: Request) -> Response:
    container: Container = request.app.state.container
    form = await form_fields(request)
    if not signed(container.settings, request, form):
        return _forbidden()
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    error_code = form.get("ErrorCode") or None
    if sid and status:
        await container.status_writer.submit(StatusCallback(sid, status, error_code))
    # Unknown sids get 200 too: Twilio would only retry, and nothing here would change.
    return Response(EMPTY_TWIML, media_type="text/xml")


for _path, _endpoint in (("/sms", inbound_sms), ("/status", delivery_status)):
    router.add_route(router.prefix + _path, _endpoint, methods=["POST"], include_in_schema=False)
