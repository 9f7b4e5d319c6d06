"""An inbound SMS: stored raw at once, keywords honoured at once, everything else read later.

Twilio's webhook and the patient phone simulator both come through here, so both take the
same path. Matching a reply to its patient and check-in, reading it and acting on it happen
in the worker, woken after the commit; the webhook answers Twilio in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from aftercare.careplans.schema import CarePlan
from aftercare.consent import opt_back_in_to_sms, opt_out_of_sms
from aftercare.db.models import Reply
from aftercare.db.session import after_commit
from aftercare.locations.policy import clinic_of
from aftercare.locations.store import location_or_default
from aftercare.planning import PlanningPolicy
from aftercare.queue import TaskQueue
from aftercare.replies.intake import Stored
from aftercare.replies.keywords import keyword_of
from aftercare.replies.matching import attach_sender, patients_for
from aftercare.replies.processing import TRIAGE_RANK
from aftercare.replies.reading import read_reply
from aftercare.replies.texts import patient_text
from aftercare.settings import Settings

MAX_MEDIA = 10


class BadInbound(ValueError):
    """The webhook lacks what every Twilio inbound message has."""


@dataclass(frozen=True)
class Inbound:
    row: dict[str, Any]  # the reply's columns, as stored raw
    maybe_keyword: bool  # STOP, START, HELP (or a YES that may be one): needs records now


# Until a reply is read, its rank orders the reading: a text that alone reads as a red flag
# goes ahead of every ordinary reply waiting (the worker reads it again in full, with its
# check-in, when its turn comes), so a backlog of replies never holds up a safety text.
UNREAD = 9


def unread_rank(body: str) -> int:
    return TRIAGE_RANK["urgent"] if read_reply(body).triage == "urgent" else UNREAD


def parse_inbound(raw: Mapping[str, str], *, now: datetime) -> Inbound:
    # PostgreSQL refuses a NUL in text: a reply carrying one would never be stored.
    fields = {key: value.replace("\x00", "") for key, value in raw.items()}
    sid = (fields.get("MessageSid") or fields.get("SmsSid") or "").strip()
    sender = (fields.get("From") or "").strip()
    if not sid or not sender:
        raise BadInbound("MessageSid and From are required")
    body = fields.get("Body", "")
    row = {"message_sid": sid, "from_phone": sender, "to_phone": fields.get("To", ""),
           "body": body, "media": _media(fields), "received_at": now,
           "review_status": "pending", "present": [], "absent": [], "reasons": [],
           "triage_rank": unread_rank(body), "escalation_level": 0, "created_at": now}
    return Inbound(row, keyword_of(body, opted_out=True) is not None)


def store_keyword(session: Session, inbound: Inbound, *, plans: dict[str, CarePlan],
                  policy: PlanningPolicy, settings: Settings, queue: TaskQueue) -> Stored:
    """Store a possible keyword and honour it now. A YES that was no keyword after all (the
    patient had not opted out) is stored like any reply, to be read."""
    sid = inbound.row["message_sid"]
    found = session.execute(select(Reply.id, Reply.auto_response, Reply.keyword)
                            .where(Reply.message_sid == sid)).first()
    if found is not None:  # Twilio retried
        return Stored(found.id, False, found.auto_response, found.keyword)
    reply = Reply(**inbound.row)
    patients = patients_for(session, reply.from_phone)
    attach_sender(session, reply, patients, window_hours=settings.reply_window_hours)
    keyword = keyword_of(reply.body,
                         opted_out=any(p.sms_opted_out_at is not None for p in patients))
    now = reply.received_at
    if keyword is not None:
        reply.keyword = reply.intent = keyword
        reply.triage, reply.triage_rank = "none", 3
        reply.review_status = "none"
        reply.read_at = now
        if keyword == "opt_out":
            opt_out_of_sms(session, patients=patients, now=now,
                           reason="patient opted out of SMS (replied STOP)",
                           method="sms_keyword")
        elif keyword == "opt_in":
            opt_back_in_to_sms(session, patients=patients, plans=plans, policy=policy, now=now,
                               method="sms_keyword")
        language = patients[0].language if patients else "en"
        clinic = clinic_of(location_or_default(session, reply.location_id))
        reply.auto_response = patient_text(keyword, language, clinic)
    else:
        after_commit(session, queue.wake_reading)
    session.add(reply)
    session.flush()
    return Stored(reply.id, True, reply.auto_response, reply.keyword)


def twiml(text: str | None) -> str:
    """Twilio's answer: the keyword's reply, or nothing."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def _media(fields: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(fields.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    return [{"url": fields.get(f"MediaUrl{i}", ""),
             "content_type": fields.get(f"MediaContentType{i}", "")} for i in range(count)]
