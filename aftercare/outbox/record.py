"""Recording what the provider said about a claimed row: sent, or finished otherwise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from aftercare.channels.base import Sent
from aftercare.contact_rules import WAITED
from aftercare.db.models import DeliveryEvent, Message
from aftercare.outbox.status import apply_stored_events
from aftercare.outbox.writer import MESSAGES


def record_sent(session: Session, sent: list[tuple[int, str, Sent]], *, now: datetime) -> None:
    """Mark rows sent: (row id, provider name, what the provider answered), one statement."""
    session.execute(
        update(MESSAGES).where(MESSAGES.c.id == bindparam("row_id"),
                               MESSAGES.c.status == "sending")
        .values(status="sent", sent_at=now, provider=bindparam("provider_name"),
                provider_id=bindparam("sid"), provider_status=bindparam("sid_status"),
                # A wait for quiet hours stays on the timeline; a retry's error does not.
                reason=case((MESSAGES.c.reason.startswith(WAITED), MESSAGES.c.reason),
                            else_=None),
                updated_at=now),
        [{"row_id": row_id, "provider_name": provider, "sid": r.provider_id,
          "sid_status": r.provider_status} for row_id, provider, r in sent],
        execution_options={"synchronize_session": False})
    # Status callbacks that raced ahead of this commit (rare): apply them now.
    early = set(session.scalars(select(DeliveryEvent.provider_id).where(
        DeliveryEvent.provider_id.in_([r.provider_id for _, _, r in sent]))))
    for row_id, _, result in sent:
        if result.provider_id in early:
            message = session.get(Message, row_id)
            if message is not None:
                apply_stored_events(session, message, now)


def finish(session: Session, message_id: int, **values: object) -> None:
    """Set a claimed row's outcome. Only a row still "sending" is ours to finish: a status
    callback or reconciliation may have moved it on."""
    session.execute(
        update(Message).where(Message.id == message_id, Message.status == "sending")
        .values(**values),
        execution_options={"synchronize_session": False},
    )
