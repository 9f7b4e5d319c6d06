"""Twilio's webhooks: inbound SMS and delivery status. Signed, or refused with 403.

The signature covers the URL Twilio called, which behind a proxy is the public URL, not the
one this process sees: it is rebuilt from settings.public_base_url.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from aftercare.api.deps import ContainerDep
from aftercare.bootstrap import Container
from aftercare.db.session import transaction
from aftercare.dispatch.delivery import record_status
from aftercare.replies.inbound import BadInbound, accept_sms
from aftercare.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"], include_in_schema=False)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def signed(settings: Settings, request: Request, form: FormData) -> bool:
    token = settings.twilio_auth_token.get_secret_value()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    return RequestValidator(token).validate(url, params, signature)


def _forbidden() -> Response:
    return Response("invalid or missing X-Twilio-Signature", status_code=403,
                    media_type="text/plain")


@router.post("/sms")
async def inbound_sms(request: Request, container: ContainerDep) -> Response:
    form = await request.form()
    if not signed(container.settings, request, form):
        log.warning("refused an inbound webhook with a bad signature")
        return _forbidden()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    try:
        result = await run_in_threadpool(accept_sms, container, fields)
    except BadInbound as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    return Response(result.twiml, media_type="text/xml")


@router.post("/status")
async def delivery_status(request: Request, container: ContainerDep) -> Response:
    form = await request.form()
    if not signed(container.settings, request, form):
        return _forbidden()
    sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
    status = str(form.get("MessageStatus") or form.get("SmsStatus") or "")
    error_code = str(form.get("ErrorCode") or "") or None
    if sid and status:
        await run_in_threadpool(_record, container, sid, status, error_code)
    # Unknown sids get 200 too: Twilio would only retry, and nothing here would change.
    return Response(EMPTY_TWIML, media_type="text/xml")


def _record(container: Container, sid: str, status: str, error_code: str | None) -> None:
    with transaction(container.sessions) as session:
        record_status(session, provider_id=sid, status=status, error_code=error_code,
                      now=container.clock())
    # An undelivered check-in may have queued its email fallback: send it now.
    container.queue.dispatch_now()
