"""An inbound SMS: stored raw at once, matched to patient and check-in, keywords honoured.

The same function serves Twilio's webhook (after its signature is checked) and the patient
phone simulator, so both take the same path. Reading the reply and acting on it happen in
a Celery task, enqueued after the commit; the webhook answers Twilio in milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from aftercare.bootstrap import Container
from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.procedures.outbox import cancel_patient_sms, plan_procedure
from aftercare.replies.keywords import keyword_of
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
    sid = (fields.get("MessageSid") or fields.get("SmsSid") or "").strip()
    sender = (fields.get("From") or "").strip()
    if not sid or not sender:
        raise BadInbound("MessageSid and From are required")
    now = container.clock()
    try:
        with transaction(container.sessions) as session:
            existing = session.scalar(select(Reply).where(Reply.message_sid == sid))
            if existing is not None:  # Twilio retried: same answer, nothing new
                return InboundResult(existing.id, False, _twiml(existing.auto_response))
            reply = _store(session, sid, sender, fields, now, container)
            reply_id, needs_reading = reply.id, reply.keyword is None
            twiml = _twiml(reply.auto_response)
    except IntegrityError:  # the same sid raced in on another request
        with container.sessions() as session:
            existing = session.scalars(select(Reply).where(Reply.message_sid == sid)).one()
            return InboundResult(existing.id, False, _twiml(existing.auto_response))
    if needs_reading:
        container.queue.process_reply(reply_id)
    return InboundResult(reply_id, True, twiml)


def _store(session: Session, sid: str, sender: str, fields: Mapping[str, str], now: datetime,
           container: Container) -> Reply:
    body = fields.get("Body", "")
    reply = Reply(
        message_sid=sid, from_phone=sender, to_phone=fields.get("To", ""), body=body,
        media=_media(fields), received_at=now, review_status="pending", present=[], absent=[],
        reasons=[],
    )
    patients = _patients_for(session, sender)
    checkin = _answered_check_in(session, patients, now, container.settings.reply_window_hours)
    if checkin is not None:
        reply.patient_id, reply.procedure_id = checkin.patient_id, checkin.procedure_id
        reply.answers_message_id = checkin.id
    elif patients:
        reply.patient_id = patients[0].id
        latest = session.scalar(select(Procedure.id).where(Procedure.patient_id == patients[0].id)
                                .order_by(Procedure.performed_at.desc()).limit(1))
        reply.procedure_id = latest
    opted_out = any(p.sms_opted_out_at is not None for p in patients)
    keyword = keyword_of(body, opted_out=opted_out)
    if keyword is not None:
        _honour_keyword(session, keyword, reply, patients, now, container)
    session.add(reply)
    session.flush()
    return reply


def _patients_for(session: Session, phone: str) -> list[Patient]:
    """Everyone on file with this number, the one we texted most recently first."""
    patients = list(session.scalars(select(Patient).where(Patient.phone == phone)))
    if len(patients) < 2:
        return patients
    last_sent = dict(session.execute(
        select(Message.patient_id, func.max(Message.sent_at))
        .where(Message.patient_id.in_([p.id for p in patients]))
        .group_by(Message.patient_id)).tuples().all())
    return sorted(patients, key=lambda p: last_sent.get(p.id) or p.created_at, reverse=True)


def _answered_check_in(session: Session, patients: list[Patient], now: datetime,
                       window_hours: int) -> Message | None:
    """The latest check-in texted to this number within the window, across procedures."""
    if not patients:
        return None
    return session.scalars(
        select(Message).where(
            Message.patient_id.in_([p.id for p in patients]), Message.kind == "check_in",
            Message.channel == "sms", Message.status.in_(("sent", "delivered")),
            Message.sent_at >= now - timedelta(hours=window_hours))
        .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1)
    ).first()


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
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
