"""Whose reply is it, and which check-in does it answer? Matched by the sender's phone.

A family may share one phone, and a patient may have several procedures: the reply goes to
the latest check-in texted to that number within the reply window, else to the patient we
texted most recently and their latest procedure. A number not on file matches nobody.

Within a clinic group, a reply to a location's own number is matched among that location's
procedures first; a patient who texts another location's number is still matched (a reply
is never dropped for the number it went to). The reply belongs to its procedure's
location, or, from a number not on file, to the location whose number it reached.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftercare.db.models import Location, Message, Patient, Procedure, Reply


def patients_for(session: Session, phone: str) -> list[Patient]:
    """Everyone on file with this number, the one we texted most recently first. No
    number (an email reply, an erased patient's) is nobody's."""
    if not phone:
        return []
    patients = list(session.scalars(select(Patient).where(Patient.phone == phone)))
    if len(patients) < 2:
        return patients
    rows = session.execute(
        select(Message.patient_id, func.max(Message.sent_at))
        .where(Message.patient_id.in_([p.id for p in patients]))
        .group_by(Message.patient_id))
    last_sent = {patient_id: sent_at for patient_id, sent_at in rows}
    return sorted(patients, key=lambda p: last_sent.get(p.id) or p.created_at, reverse=True)


def attach_sender(session: Session, reply: Reply, patients: list[Patient], *,
                  window_hours: int) -> None:
    """Set the reply's patient, procedure, answered check-in (as of when it arrived) and
    location."""
    here = receiving_location(session, reply.to_phone)
    checkin = None
    if here is not None:
        checkin = _answered_check_in(session, patients, reply.received_at, window_hours,
                                     at_location=here)
    if checkin is None:
        checkin = _answered_check_in(session, patients, reply.received_at, window_hours)
    if checkin is not None:
        reply.patient_id, reply.procedure_id = checkin.patient_id, checkin.procedure_id
        reply.answers_message_id = checkin.id
    elif patients:
        latest = (select(Procedure.id).where(Procedure.patient_id.in_([p.id for p in patients]))
                  .order_by(Procedure.performed_at.desc(), Procedure.id.desc()).limit(1))
        procedure_id = session.scalar(latest.where(Procedure.location_id == here)) \
            if here is not None else None
        procedure_id = procedure_id or session.scalar(latest.where(
            Procedure.patient_id == patients[0].id))
        reply.procedure_id = procedure_id
        reply.patient_id = session.scalar(select(Procedure.patient_id).where(
            Procedure.id == procedure_id)) if procedure_id else patients[0].id
    located = session.scalar(select(Procedure.location_id).where(
        Procedure.id == reply.procedure_id)) if reply.procedure_id else None
    reply.location_id = located or here or session.scalar(
        select(func.min(Location.id)))


def receiving_location(session: Session, to_phone: str) -> int | None:
    """The location whose own sender number the reply reached; None for the settings'
    number or a Messaging Service pool (shared by every location that has none)."""
    number = (to_phone or "").strip()
    if not number:
        return None
    return session.scalar(select(Location.id).where(Location.sms_sender == number))


def _answered_check_in(session: Session, patients: list[Patient], received_at: datetime,
                       window_hours: int, *, at_location: int | None = None
                       ) -> Message | None:
    """The latest check-in texted to this number within the window, across procedures (of
    one location, when given)."""
    if not patients:
        return None
    query = (
        select(Message).where(
            Message.patient_id.in_([p.id for p in patients]), Message.kind == "check_in",
            Message.channel == "sms", Message.status.in_(("sent", "delivered")),
            Message.sent_at >= received_at - timedelta(hours=window_hours),
            Message.sent_at <= received_at)
        .order_by(Message.sent_at.desc(), Message.id.desc()).limit(1))
    if at_location is not None:
        query = query.join(Procedure, Procedure.id == Message.procedure_id).where(
            Procedure.location_id == at_location)
    return session.scalars(query).first()
