"""Canned replies: ready-made answers, managed by admins, chosen on the answer form."""

from __future__ import annotations

import string
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aftercare.db.models import CannedReply
from aftercare.errors import InvalidRequest, NotFound
from aftercare.planning import ClinicContext

# What a canned reply may name; filled from the patient's location when it is sent.
PLACEHOLDERS = ("clinic_name", "clinic_phone", "emergency_number")
MAX_BODY = 1600  # what one Twilio message carries


def offered(session: Session, location_id: int | None) -> list[CannedReply]:
    """The canned replies for a location: its own and those for every location."""
    query = select(CannedReply).where(CannedReply.archived_at.is_(None))
    if location_id is not None:
        query = query.where(or_(CannedReply.location_id.is_(None),
                                CannedReply.location_id == location_id))
    return list(session.scalars(query.order_by(CannedReply.label, CannedReply.id)))


def add(session: Session, *, label: str, body: str, location_id: int | None, actor: str,
        now: datetime) -> CannedReply:
    label, body = label.strip(), body.strip()
    if not label or len(label) > 80:
        raise InvalidRequest(("label",), "give a label of at most 80 characters")
    if not body or len(body) > MAX_BODY:
        raise InvalidRequest(("body",), f"give a text of at most {MAX_BODY} characters")
    unknown = sorted({name for _, name, _, _ in string.Formatter().parse(body)
                      if name is not None} - set(PLACEHOLDERS))
    if unknown:
        raise InvalidRequest(("body",), "unknown placeholder {" + unknown[0] + "}; known: "
                             + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
    canned = CannedReply(label=label, body=body, location_id=location_id, created_by=actor,
                         created_at=now)
    session.add(canned)
    session.flush()
    return canned


def archive(session: Session, *, canned_id: int, now: datetime) -> CannedReply:
    canned = session.get(CannedReply, canned_id)
    if canned is None or canned.archived_at is not None:
        raise NotFound(f"no canned reply {canned_id}")
    canned.archived_at = now
    return canned


def filled(body: str, clinic: ClinicContext) -> str:
    """The canned text as the patient reads it, with their location's details."""
    try:
        return body.format(clinic_name=clinic.name, clinic_phone=clinic.phone,
                           emergency_number=clinic.emergency_number)
    except (KeyError, IndexError, ValueError):
        return body  # braces that are no placeholder: sent as written
