"""An inbound SMS: stored raw at once, keywords honoured at once, everything else read later.

The same function serves Twilio's webhook (after its signature is checked) and the patient
phone simulator, so both take the same path. Matching a reply to its patient and check-in,
reading it and acting on it happen in the worker, woken after the commit; the webhook
answers Twilio in a few milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse

from aftercare.bootstrap import Container
from aftercare.db.models import Patient, Reply
from aftercare.db.session import transaction
from aftercare.procedures.outbox import cancel_patient_sms, plan_procedure
from aftercare.replies.intake import Stored
from aftercare.replies.keywords import keyword_of
from aftercare.replies.matching import attach_sender, patients_for
from aftercare.replies.texts import patient_text

log = logging.getLogger(__name__)

MAX_MEDIA = 10


class BadInbound(ValueError):
    """The webhook lacks what every Twilio inbound message has."""


@dataclass(frozen=True)
class InboundResult:
    reply_id: int
    created: bool
    twiml: str


def accept_sms(container: Container, fields: Mapping[str, str]) -> InboundResult:
    """Store an inbound SMS; the patient phone simulator's way in (a plain function)."""
    inbound = _Inbound.parse(fields, container)
    if inbound.maybe_keyword:
        return _finish(container, _store_keyword(container, inbound))
    return _finish(container, container.reply_intake.submit(inbound.row).result())


async def accept_sms_async(container: Container, fields: Mapping[str, str]) -> InboundResult:
    """The same for Twilio's webhook: most replies wait for the intake's commit on the event
    loop, without taking a thread; keywords need the patient's records and take one."""
    inbound = _Inbound.parse(fields, container)
    if inbound.maybe_keyword:
        return _finish(container, await run_in_threadpool(_store_keyword, container, inbound))
    intake = container.async_reply_intake
    if intake is not None:
        return _finish(container, await intake.store(inbound.row))
    return _finish(container, await asyncio.wrap_future(
        container.reply_intake.submit(inbound.row)))


@dataclass(frozen=True)
class _Inbound:
    row: dict[str, Any]  # the reply's columns, as stored raw
    maybe_keyword: bool

    @classmethod
    def parse(cls, raw: Mapping[str, str], container: Container) -> _Inbound:
        # PostgreSQL refuses a NUL in text: a reply carrying one would never be stored.
        fields = {key: value.replace("\x00", "") for key, value in raw.items()}
        sid = (fields.get("MessageSid") or fields.get("SmsSid") or "").strip()
        sender = (fields.get("From") or "").strip()
        if not sid or not sender:
            raise BadInbound("MessageSid and From are required")
        now, body = container.clock(), fields.get("Body", "")
        row = {"message_sid": sid, "from_phone": sender, "to_phone": fields.get("To", ""),
               "body": body, "media": _media(fields), "received_at": now,
               "review_status": "pending", "present": [], "absent": [], "reasons": [],
               "triage_rank": 9, "escalation_level": 0, "created_at": now}
        # A plain reply is stored as it came; matching it to the patient and check-in
        # happens with the reading, in the worker (replies/matching.py).
        return cls(row, keyword_of(body, opted_out=True) is not None)


def _finish(container: Container, stored: Stored) -> InboundResult:
    if stored.created and stored.keyword is None:  # not a keyword: to be read
        container.queue.process_reply(stored.reply_id)
    return InboundResult(stored.reply_id, stored.created, _twiml(stored.auto_response))


def _store_keyword(container: Container, inbound: _Inbound) -> Stored:
    """STOP, START, HELP (or a YES that may be one): honoured at once, so the patient's
    records are needed now. A YES that was no keyword after all is read like any reply."""
    sid = inbound.row["message_sid"]
    try:
        with transaction(container.sessions) as session:
            if session.scalar(select(Reply.id).where(Reply.message_sid == sid)) is None:
                reply = _store(session, inbound.row, container)
                return Stored(reply.id, True, reply.auto_response, reply.keyword)
    except IntegrityError:  # the same sid raced in on another request
        pass
    with container.sessions() as session:
        reply_id, auto_response, keyword = session.execute(
            select(Reply.id, Reply.auto_response, Reply.keyword)
            .where(Reply.message_sid == sid)).one()
    return Stored(reply_id, False, auto_response, keyword)


def _store(session: Session, row: dict[str, Any], container: Container) -> Reply:
    reply = Reply(**row)
    body, now = reply.body, reply.received_at
    patients = patients_for(session, reply.from_phone)
    attach_sender(session, reply, patients, window_hours=container.settings.reply_window_hours)
    opted_out = any(p.sms_opted_out_at is not None for p in patients)
    keyword = keyword_of(body, opted_out=opted_out)
    if keyword is not None:
        _honour_keyword(session, keyword, reply, patients, now, container)
    session.add(reply)
    session.flush()
    return reply


def _honour_keyword(session: Session, keyword: str, reply: Reply, patients: list[Patient],
                    now: datetime, container: Container) -> None:
    reply.keyword = keyword
    reply.intent = keyword
    reply.triage, reply.triage_rank = "none", 3
    reply.review_status = "none"
    reply.read_at = now
    language = patients[0].language if patients else "en"
    if keyword == "opt_out":
        for patient in patients:
            patient.sms_opted_out_at = now
            cancel_patient_sms(session, patient_id=patient.id,
                               reason="patient opted out of SMS (replied STOP)")
    elif keyword == "opt_in":
        for patient in patients:
            patient.sms_opted_out_at = None
            session.flush()
            for procedure in patient.procedures:
                if procedure.status == "active":
                    # What is still ahead comes back; what passed meanwhile stays skipped.
                    plan_procedure(session, procedure_id=procedure.id, plans=container.plans,
                                   policy=container.planning_policy, now=now,
                                   revive_cancelled=True)
    reply.auto_response = patient_text(keyword, language, container.settings)


def _media(fields: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(fields.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    return [{"url": fields.get(f"MediaUrl{i}", ""),
             "content_type": fields.get(f"MediaContentType{i}", "")} for i in range(count)]


def _twiml(text: str | None) -> str:
    if not text:
        return EMPTY_TWIML
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


EMPTY_TWIML = str(MessagingResponse())
