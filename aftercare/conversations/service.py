"""Texting a patient back: one service function for the reply page, the timeline, the
inbox and the API. The text is an outbox row like every other, written by the one writer:
consent and opt-out are checked here (to refuse at once, with a reason) and again by
dispatch just before sending; quiet hours hold it unless it is marked urgent; the form's
idempotency key is in the row's dedupe key, so a double click writes it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.contact_rules import Recipient, Skip, Wait, may_send
from aftercare.conversations import canned
from aftercare.db.models import CannedReply, Message, Procedure, Reply
from aftercare.db.session import after_commit
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.errors import InvalidRequest, NotFound
from aftercare.locations.policy import clinic_of
from aftercare.locations.store import location_or_default
from aftercare.outbox import writer
from aftercare.planning import ClinicContext
from aftercare.queue import TaskQueue

KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class Sender:
    """Who writes: a signed-in user (email and id) or an API token (`token:NAME`)."""

    actor: str
    user_id: int | None = None


@dataclass(frozen=True)
class Queued:
    message_id: int
    created: bool  # False: this very form was sent before (a double click, a retry)
    waits_until: datetime | None  # held for the patient's quiet hours until then


def text_patient(session: Session, *, procedure_id: int, body: str, key: str, sender: Sender,
                 urgent: bool = False, canned_id: int | None = None,
                 reply_id: int | None = None, policy: DispatchPolicy, now: datetime,
                 queue: TaskQueue) -> Queued:
    """Text the patient of a procedure (answering `reply_id`, when given)."""
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"no procedure {procedure_id}")
    patient = procedure.patient
    if patient.erased_at is not None:
        raise InvalidRequest(("body",), "this patient's data was erased")
    if patient.sms_opted_out_at is not None:
        raise InvalidRequest(("body",), "the patient opted out of texts (replied STOP): "
                             "call them instead")
    if not patient.sms_consent:
        raise InvalidRequest(("body",), "the patient has not agreed to texts: call them "
                             "instead")
    clinic = clinic_of(procedure.location)
    text = _text(session, body, canned_id, clinic)
    kind = "urgent_answer" if urgent else "answer"
    quiet = policy.quiet_hours_for(procedure.procedure_type, procedure.location)
    decision = may_send(channel="sms", kind=kind, recipient=Recipient(
        timezone=patient.timezone, sms_consent=patient.sms_consent,
        email_consent=patient.email_consent, has_email=bool(patient.email),
        sms_opted_out=False), at=now, quiet_hours=quiet)
    if isinstance(decision, Skip):  # cannot happen after the checks above; never send it
        raise InvalidRequest(("body",), decision.reason)
    row = writer.NewMessage(
        dedupe_key=writer.dedupe_key("answer", procedure.id, _key(key), "sms"),
        step="answer", channel="sms", kind=kind, due_at=now, local_due=now.isoformat(),
        body=text, language=patient.language, procedure_id=procedure.id,
        patient_id=patient.id, reply_id=reply_id, audience="patient",
        priority=writer.URGENT if urgent else writer.ROUTINE, sent_by=sender.actor,
        sent_by_user_id=sender.user_id)
    return _queue(session, row, queue, decision.until if isinstance(decision, Wait) else None)


def text_number(session: Session, *, reply_id: int, body: str, key: str, sender: Sender,
                canned_id: int | None = None, now: datetime, queue: TaskQueue) -> Queued:
    """Answer a text from a number not on file. No patient, no procedure: the row goes to
    the number itself (`to_address`), as the safety text after an unknown red flag does,
    and names the reply it answers."""
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"no reply {reply_id}")
    if reply.patient_id is not None:
        raise InvalidRequest(("body",), "this reply is a patient's: answer from their "
                             "procedure")
    if reply.channel != "sms" or not reply.from_phone:
        raise InvalidRequest(("body",), "only a text can be answered by text")
    if stopped(session, reply.from_phone):
        raise InvalidRequest(("body",), "this number opted out of texts (replied STOP)")
    clinic = clinic_of(location_or_default(session, reply.location_id))
    row = writer.NewMessage(
        dedupe_key=writer.dedupe_key("inbox", reply.id, _key(key), "sms"), step="answer",
        channel="sms", kind="answer", due_at=now, local_due=now.isoformat(),
        body=_text(session, body, canned_id, clinic), reply_id=reply.id, audience="patient",
        to_address=reply.from_phone, sent_by=sender.actor, sent_by_user_id=sender.user_id)
    return _queue(session, row, queue, None)


def stopped(session: Session, phone: str) -> bool:
    """Whether the number's last keyword was STOP (a number not on file has no patient
    row to hold its opt-out)."""
    last = session.scalar(select(Reply.keyword).where(
        Reply.from_phone == phone, Reply.keyword.in_(("opt_out", "opt_in")))
        .order_by(Reply.received_at.desc(), Reply.id.desc()).limit(1))
    return last == "opt_out"


def _text(session: Session, body: str, canned_id: int | None, clinic: ClinicContext) -> str:
    """What was typed, else the chosen canned reply filled in."""
    text = body.strip()
    if not text and canned_id is not None:
        found = session.get(CannedReply, canned_id)
        if found is None or found.archived_at is not None:
            raise InvalidRequest(("canned",), "that canned reply is no longer offered")
        text = canned.filled(found.body, clinic)
    if not text:
        raise InvalidRequest(("body",), "write a text or choose a canned reply")
    if len(text) > canned.MAX_BODY:
        raise InvalidRequest(("body",), f"at most {canned.MAX_BODY} characters")
    return text


def _key(key: str) -> str:
    if not KEY.fullmatch(key or ""):
        raise InvalidRequest(("key",), "a form key of 8 to 64 letters, digits, - or _")
    return key


def _queue(session: Session, row: writer.NewMessage, queue: TaskQueue,
           waits_until: datetime | None) -> Queued:
    created = writer.insert(session, [row]) == 1
    message_id = session.scalar(select(Message.id).where(Message.dedupe_key == row.dedupe_key))
    assert message_id is not None
    if created:
        after_commit(session, queue.dispatch_now)
    return Queued(message_id, created, waits_until)
