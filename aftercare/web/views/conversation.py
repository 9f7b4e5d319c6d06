"""What the answer form and the conversation thread need on a page."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from aftercare.conversations import canned, thread
from aftercare.db.models import Reply


def answer_form(session: Session, *, action: str, location_id: int | None, to: str,
                urgent: bool = True) -> dict[str, Any]:
    """A fresh idempotency key per page shown: the one submission it allows is sent once."""
    return {"answer_action": action, "answer_key": uuid.uuid4().hex, "answer_to": to,
            "answer_urgent": urgent, "canned": canned.offered(session, location_id)}


def conversation_of(session: Session, reply: Reply) -> list[thread.Entry]:
    if reply.patient_id is not None:
        return thread.for_patient(session, reply.patient_id)
    if reply.from_email:
        return thread.for_email(session, reply.from_email)
    return thread.for_number(session, reply.from_phone)
