"""Texting a patient over the API: the same service function as the web's answer form."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, ConfigDict, Field

from aftercare import audit
from aftercare.conversations import service
from aftercare.errors import NotFound
from aftercare.http.deps import ContainerDep, RowId, SessionDep, StaffDep
from aftercare.locations.scope import procedure_visible

router = APIRouter(prefix="/api/procedures", tags=["conversations"])


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(default="", max_length=1600)
    canned_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    urgent: bool = False  # goes even in the patient's quiet hours


class TextOut(BaseModel):
    message_id: int
    created: bool
    waits_until: datetime | None


@router.post("/{procedure_id}/messages", status_code=status.HTTP_201_CREATED,
             response_model=TextOut,
             responses={200: {"model": TextOut, "description": "this Idempotency-Key was "
                              "sent before: nothing new was queued"}})
def text_patient(procedure_id: RowId, body: TextIn, session: SessionDep,
                 container: ContainerDep, who: StaffDep, response: Response,
                 idempotency_key: str | None = Header(default=None, max_length=64)
                 ) -> TextOut:
    """Text the procedure's patient (refused when they opted out or never agreed to
    texts). Send an `Idempotency-Key` header so a retried request texts once."""
    if not procedure_visible(session, who.scope, procedure_id):
        raise NotFound(f"no procedure {procedure_id}")
    actor = f"token:{who.name}"
    queued = service.text_patient(
        session, procedure_id=procedure_id, body=body.body, canned_id=body.canned_id,
        urgent=body.urgent, key=idempotency_key or uuid.uuid4().hex,
        sender=service.Sender(actor, who.user_id), policy=container.dispatch_policy,
        now=container.clock(), queue=container.queue)
    if queued.created:
        audit.record(session, actor=actor, action="text_patient",
                     subject=f"procedure:{procedure_id}", now=container.clock(),
                     detail={"message_id": queued.message_id, "urgent": body.urgent,
                             "via": "API"})
    else:
        response.status_code = status.HTTP_200_OK
    return TextOut(message_id=queued.message_id, created=queued.created,
                   waits_until=queued.waits_until)
