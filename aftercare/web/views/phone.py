"""The patient phone simulator's view: the texts a patient's phone would show.

Out: SMS to the patient that left (sent or delivered), care plan texts and the service's own
(safety replies, keyword answers queued as messages). In: the patient's replies, each with the
immediate answer the webhook gave (STOP, HELP), as a phone would show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Patient, Reply
from aftercare.locations.scope import Scope


@dataclass(frozen=True)
class Bubble:
    at: datetime
    direction: Literal["in", "out"]
    body: str
    key: str  # stable id, so the page can tell which bubbles are new


def patients(session: Session, scope: Scope, *, limit: int = 100) -> list[Patient]:
    return list(session.scalars(select(Patient).where(scope.patients(Patient.id))
                                .order_by(Patient.id.desc()).limit(limit)))


def thread(session: Session, patient: Patient) -> list[Bubble]:
    bubbles = [
        Bubble(at=m.sent_at or m.updated_at, direction="out", body=m.body, key=f"m{m.id}")
        for m in session.scalars(select(Message).where(
            Message.patient_id == patient.id, Message.channel == "sms",
            Message.audience == "patient", Message.status.in_(("sent", "delivered"))))
    ]
    for reply in session.scalars(select(Reply).where(
            or_(Reply.patient_id == patient.id, Reply.from_phone == patient.phone))):
        bubbles.append(Bubble(at=reply.received_at, direction="in",
                              body=reply.body, key=f"r{reply.id}"))
        if reply.auto_response:
            bubbles.append(Bubble(at=reply.received_at, direction="out",
                                  body=reply.auto_response, key=f"a{reply.id}"))
    order = {"r": 0, "a": 1, "m": 2}
    return sorted(bubbles, key=lambda b: (b.at, order[b.key[0]], b.key))
