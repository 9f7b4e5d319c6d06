"""Reading a stored reply and acting on it: the Celery task's one service call.

Every reading is kept (current on the reply, all of them in reply_readings). An urgent reply
gets, at once, a safety SMS to the patient and alerts to the on-call clinician by SMS and
email, all through the outbox like any other message, so they are retried and recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan, Step
from aftercare.db.models import Reply, ReplyReading
from aftercare.db.session import after_commit
from aftercare.locations.policy import clinic_of
from aftercare.locations.store import location_or_default
from aftercare.media.service import note_photos
from aftercare.oncall.store import now_on_call
from aftercare.outbox import writer
from aftercare.queue import TaskQueue
from aftercare.replies.matching import attach_sender, patients_for
from aftercare.replies.reading import CheckInContext, Reading, read_reply
from aftercare.replies.texts import alert_email, alert_sms, patient_text
from aftercare.settings import Settings

TRIAGE_RANK = {"urgent": 0, "review": 1, "routine": 2, "none": 3}
log = logging.getLogger(__name__)


def process_reply(session: Session, *, reply_id: int, plans: dict[str, CarePlan],
                  settings: Settings, now: datetime, queue: TaskQueue) -> bool:
    """Match, read and act on a reply not read yet. Returns True when messages were queued
    to go out now (dispatch is woken for them once committed)."""
    if not _lock_unread(session, reply_id):  # read already (or a keyword): read once
        return False
    reply = session.get(Reply, reply_id, populate_existing=True)
    if reply is None:
        return False
    if reply.patient_id is None:
        attach_sender(session, reply, patients_for(session, reply.from_phone),
                      window_hours=settings.reply_window_hours)
        session.flush()
    reading = read_reply(reply.body, language=reply.patient.language if reply.patient else None,
                         check_in=check_in_context(reply, plans))
    return apply_reading(session, reply=reply, reading=reading, settings=settings, now=now,
                         queue=queue, plans=plans)


def _lock_unread(session: Session, reply_id: int) -> bool:
    """Lock the reply's row (on SQLite: take the write lock) if it is still unread. Two
    workers woken together both see it unread; only one reads it. Without this, one reply
    could send two safety texts. On PostgreSQL a reply another reader holds is skipped,
    not waited for: readers woken together then share the unread replies instead of
    reading them in single file, one behind the other's lock."""
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(
            select(Reply.id).where(Reply.id == reply_id, Reply.read_at.is_(None),
                                   Reply.keyword.is_(None))
            .with_for_update(skip_locked=True)) is not None
    stmt = (update(Reply)
            .where(Reply.id == reply_id, Reply.read_at.is_(None), Reply.keyword.is_(None))
            .values(read_at=None))
    result = session.execute(stmt, execution_options={"synchronize_session": False})
    return bool(getattr(result, "rowcount", 0))


def set_aside(session: Session, *, reply_id: int, exc: Exception, now: datetime) -> None:
    """A reply the reader could not read: it goes to the review queue as open, for a person
    to read, with the reason (the kind of problem, never the text). Read once: a later run
    does not try again; `aftercare replies reread` does, and clears the reason."""
    reply = session.get(Reply, reply_id, populate_existing=True)
    if reply is None or reply.read_at is not None:
        return
    reply.read_error = f"could not be read automatically ({type(exc).__name__})"
    reply.read_at = now
    reply.triage, reply.triage_rank = "review", TRIAGE_RANK["review"]
    reply.reasons = ["could not be read automatically: a person must read it"]
    if reply.review_status in ("pending", "none"):
        reply.review_status = "open"


def answered_step(reply: Reply, plans: dict[str, CarePlan]) -> Step | None:
    """The care plan step of the message this reply answers, if its plan still has it."""
    message = reply.answers
    if message is None or message.procedure is None:
        return None
    plan = plans.get(message.procedure.procedure_type)
    return plan.step(message.step) if plan else None


def check_in_context(reply: Reply, plans: dict[str, CarePlan]) -> CheckInContext | None:
    """The care plan step the reply answers, with its choices and YES/NO meanings."""
    message = reply.answers
    if message is None or message.procedure is None:
        return None
    step = answered_step(reply, plans)
    if step is None:
        return CheckInContext(step_key=message.step, kind=message.kind)
    return CheckInContext(
        step_key=step.key, kind=step.kind,
        choices={n: c.means for n, c in step.choices.items()} if step.choices else None,
        yes_means=step.on_yes, no_means=step.on_no,
    )


def apply_reading(session: Session, *, reply: Reply, reading: Reading, settings: Settings,
                  now: datetime, queue: TaskQueue,
                  plans: dict[str, CarePlan] | None = None) -> bool:
    was_urgent = reply.triage == "urgent"
    triage = reading.triage
    reasons = list(reading.reasons)
    if reply.patient_id is None and triage in ("none", "routine"):
        # A number not on file: someone must look, whatever it says.
        triage, reasons = "review", [*reasons, "from a number not on file"]
    if reading.intent in ("opt_out", "opt_in"):
        # Asked to stop or restart in a sentence, not the keyword: a person confirms with
        # one tap on the reply's page.
        triage = triage if triage == "urgent" else "review"
        asks = ("asks to stop messages: confirm and opt out" if reading.intent == "opt_out"
                else "asks for messages again: confirm and opt in")
        reasons = [*reasons, asks]
    if reply.media:
        note_photos(session, reply)
    if reply.media and triage in ("none", "routine"):
        # A photo is for a person to see, whatever the words around it say.
        triage = "review"
        reasons = [*reasons, "photo sent" if reply.body.strip() else "photo sent without text"]
    reply.reading = reading.to_dict()
    reply.reader_version = reading.reader_version
    reply.intent = reading.intent
    reply.triage, reply.triage_rank = triage, TRIAGE_RANK[triage]
    reply.present, reply.absent = list(reading.present), list(reading.absent)
    reply.severity = reading.severity
    reply.stockings = reading.stockings
    reply.reasons = reasons
    reply.read_at = now
    reply.read_error = None
    if reply.review_status in ("pending", "none", "open"):
        reply.review_status = "open" if triage != "none" else "none"
    session.add(ReplyReading(reply_id=reply.id, reader_version=reading.reader_version,
                             reading=reading.to_dict(), read_at=now))
    step = answered_step(reply, plans) if plans is not None and reply.patient else None
    if triage in ("routine", "review") and reading.intent == "symptom_report" \
            and step is not None and step.acknowledges:
        _acknowledge(session, reply=reply, settings=settings, now=now, queue=queue)
    if triage == "urgent" and not was_urgent and reply.review_status == "open":
        queue_urgent_messages(session, reply=reply, settings=settings, now=now, level=1,
                              queue=queue)
        return True
    return False


def _acknowledge(session: Session, *, reply: Reply, settings: Settings, now: datetime,
                 queue: TaskQueue) -> None:
    """Once per reply (its dedupe key), through the outbox: consent and quiet hours apply."""
    assert reply.patient is not None
    language = reply.patient.language
    clinic = clinic_of(location_or_default(session, reply.location_id))
    writer.insert(session, [writer.NewMessage(
        dedupe_key=writer.dedupe_key("reply", reply.id, "acknowledgement", "sms"),
        step="acknowledgement", channel="sms", kind="acknowledgement", due_at=now,
        local_due=now.isoformat(), body=patient_text("acknowledgement", language, clinic),
        language=language, procedure_id=reply.procedure_id, patient_id=reply.patient_id,
        reply_id=reply.id, audience="patient")])
    after_commit(session, queue.dispatch_now)


def queue_urgent_messages(session: Session, *, reply: Reply, settings: Settings, now: datetime,
                          level: int, queue: TaskQueue) -> None:
    """Level 1: safety SMS to the patient and alerts to on-call. Level 2: on-call again.
    Level 3: the backup contact. They go at once: dispatch is woken after the commit."""
    language = reply.patient.language if reply.patient else "en"
    location = location_or_default(session, reply.location_id)
    clinic = clinic_of(location)
    messages = []
    if level == 1:
        messages.append(_urgent(reply, step="safety", channel="sms", kind="safety",
                                body=patient_text("safety", language, clinic), now=now,
                                to=None if reply.patient else reply.from_phone,
                                language=language))
    # The location's rota: its person on call now (in its gaps the location's own on-call
    # contact, then the settings'); level 3 the backup.
    who = now_on_call(session, settings, now, location=location)
    contact = (who.backup or who.first) if level >= 3 else who.first
    phone, email = (contact.phone, contact.email) if contact is not None else (None, None)
    if contact is None:
        log.error("urgent reply %s: nobody is on call to alert", reply.id)
    first_name = reply.patient.first_name if reply.patient else None
    if phone:
        messages.append(_urgent(reply, step=f"alert{level}", channel="sms", kind="alert",
                                to=phone, now=now,
                                body=alert_sms(reply_id=reply.id, level=level,
                                               base_url=settings.public_base_url,
                                               clinic=clinic)))
    if email:
        subject, body = alert_email(reply_id=reply.id, level=level, reasons=list(reply.reasons),
                                    first_name=first_name, clinic=clinic,
                                    base_url=settings.public_base_url)
        messages.append(_urgent(reply, step=f"alert{level}", channel="email", kind="alert",
                                to=email, body=body, subject=subject, now=now))
    writer.insert(session, messages)
    after_commit(session, queue.dispatch_now)
    reply.escalation_level = level
    reply.last_alerted_at = now


def _urgent(reply: Reply, *, step: str, channel: str, kind: str, to: str | None, body: str,
            now: datetime, language: str = "en", subject: str | None = None
            ) -> writer.NewMessage:
    """The safety text goes to the patient (or the unknown number that wrote); alerts go to
    the clinician named in `to`."""
    to_patient = kind == "safety"
    return writer.NewMessage(
        dedupe_key=writer.dedupe_key("reply", reply.id, step, channel), step=step,
        channel=channel, kind=kind, due_at=now, local_due=now.isoformat(), body=body,
        subject=subject, language=language, procedure_id=reply.procedure_id,
        patient_id=reply.patient_id if to_patient else None, reply_id=reply.id,
        audience="patient" if to_patient else "clinician", to_address=to,
        priority=writer.URGENT)


def reread(session: Session, *, reply_id: int, plans: dict[str, CarePlan], settings: Settings,
           now: datetime, queue: TaskQueue) -> bool:
    """Read a stored reply again with the current reader (raw text is kept for this).

    The old reading stays in reply_readings. Returns True when the reading changed; a reply
    that became urgent and is still open is acted on like a new urgent reply.
    """
    reply = session.get(Reply, reply_id)
    if reply is None or reply.keyword is not None:
        return False
    reading = read_reply(reply.body, language=reply.patient.language if reply.patient else None,
                         check_in=check_in_context(reply, plans))
    if reply.reading == reading.to_dict():
        return False
    apply_reading(session, reply=reply, reading=reading, settings=settings, now=now,
                  queue=queue)
    return True
