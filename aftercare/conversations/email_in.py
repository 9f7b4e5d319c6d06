"""Email replies: an inbound-parse webhook in the shape SendGrid and Mailgun post (form
fields `from`, `to`, `subject`, `text`, and the original headers), matched to a patient by
the sender's address and stored as a reply, to be read by the same reader as a text.

Authenticated by a shared secret (`AFTERCARE_INBOUND_EMAIL_SECRET`), compared in constant
time; the providers do not sign these posts, so the secret rides in the URL they call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aftercare.container import Container
from aftercare.db.models import Location, Message, Patient, Procedure
from aftercare.db.session import transaction
from aftercare.queue import TaskQueue
from aftercare.replies.inbound import unread_rank
from aftercare.replies.intake import Stored, store_replies

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
MAX_TEXT = 10_000  # kept; the reader reads the first 1,600 characters, like a text
# Where the quoted original starts in a reply: what we wrote is not what they say.
QUOTED = re.compile(r"^\s*(>|On .{0,200} wrote:\s*$|-{2,} ?Original Message ?-{2,}|"
                    r"From: |Sent from my )", re.IGNORECASE)
MESSAGE_ID = re.compile(r"^(message-id|in-reply-to):\s*(<[^>]{1,240}>)", re.I | re.M)


class BadEmail(ValueError):
    pass


@dataclass(frozen=True)
class EmailReply:
    sender: str  # the address alone, lower case
    to: str
    subject: str
    text: str  # what they wrote, without the quoted original
    message_id: str  # theirs, or a hash of the fields when the provider gave none
    in_reply_to: str | None  # ours, when their mail client kept it


def parse_email(fields: Mapping[str, str]) -> EmailReply:
    """The provider's fields; pure."""
    sender = parseaddr(fields.get("from", ""))[1].strip().lower()
    if "@" not in sender or len(sender) > 254:
        raise BadEmail("a 'from' address is required")
    text = fields.get("text") or fields.get("body-plain") or ""
    headers = fields.get("headers", "")
    found = {name.lower(): value for name, value in MESSAGE_ID.findall(headers)}
    message_id = (fields.get("Message-Id") or found.get("message-id") or "").strip()
    in_reply_to = (fields.get("In-Reply-To") or found.get("in-reply-to") or "").strip()
    subject = fields.get("subject", "")[:200]
    if not message_id:
        message_id = hashlib.sha256("\x00".join((sender, subject, text)).encode()).hexdigest()
    return EmailReply(sender=sender, to=parseaddr(fields.get("to", ""))[1].lower(),
                      subject=subject, text=own_words(text)[:MAX_TEXT],
                      message_id=message_id, in_reply_to=in_reply_to or None)


def own_words(text: str) -> str:
    """The reply above the quoted message it answers."""
    kept = []
    for line in text.replace("\r\n", "\n").replace("\x00", "").split("\n"):
        if QUOTED.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def store_email_reply(session: Session, email: EmailReply, *, now: datetime,
                      queue: TaskQueue) -> Stored:
    """Matched to the patient with this address (the one our email answered, when the
    mail client kept its id), stored once per Message-ID, read by the worker."""
    answered = session.scalars(select(Message).where(
        Message.provider_id == email.in_reply_to, Message.channel == "email")).first() \
        if email.in_reply_to else None
    patient_id = answered.patient_id if answered is not None else None
    if patient_id is None:
        patient_id = session.scalar(
            select(Patient.id).join(Procedure, Procedure.patient_id == Patient.id)
            .where(func.lower(Patient.email) == email.sender, Patient.erased_at.is_(None))
            .order_by(Procedure.performed_at.desc(), Procedure.id.desc()).limit(1))
    procedure = None
    if answered is not None and answered.procedure_id is not None:
        procedure = session.get(Procedure, answered.procedure_id)
    elif patient_id is not None:
        procedure = session.scalars(select(Procedure).where(Procedure.patient_id == patient_id)
                                    .order_by(Procedure.performed_at.desc(),
                                              Procedure.id.desc()).limit(1)).first()
    body = email.text or email.subject
    row: dict[str, Any] = {
        "message_sid": "EM" + hashlib.sha256(email.message_id.encode()).hexdigest()[:40],
        "channel": "email", "from_phone": "", "from_email": email.sender,
        "to_phone": email.to[:32], "body": body, "media": [], "received_at": now,
        "patient_id": patient_id, "procedure_id": procedure.id if procedure else None,
        "location_id": procedure.location_id if procedure else session.scalar(
            select(func.min(Location.id))),
        "answers_message_id": answered.id if answered is not None else None,
        "review_status": "pending", "present": [], "absent": [], "reasons": [],
        "triage_rank": unread_rank(body), "escalation_level": 0, "created_at": now}
    return store_replies(session, [row], queue=queue)[0]


def authorised(secret: str, request: Request) -> bool:
    """The shared secret, as basic auth's password or `?key=`, in constant time."""
    given = request.query_params.get("key", "")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


@router.post("/webhooks/email/inbound")
async def inbound_email(request: Request) -> Response:
    container: Container = request.app.state.container
    secret = container.settings.inbound_email_secret.get_secret_value()
    if not secret:
        return Response("inbound email is off on this server", status_code=404)
    if not authorised(secret, request):
        log.warning("refused an inbound email with a wrong or missing secret")
        return Response("wrong or missing secret", status_code=403,
                        headers={"WWW-Authenticate": 'Basic realm="inbound email"'})
    form = await request.form(max_files=20, max_fields=100)
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    try:
        email = parse_email(fields)
    except BadEmail as exc:
        return Response(str(exc), status_code=400)
    stored = await run_in_threadpool(_store, container, email)
    # 200 for a repeat too: the provider would only post it again.
    return Response(f"stored reply {stored.reply_id}", media_type="text/plain")


def _store(c: Container, email: EmailReply) -> Stored:
    with transaction(c.sessions) as session:
        return store_email_reply(session, email, now=c.clock(), queue=c.queue)
