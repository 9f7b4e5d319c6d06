"""Rows stuck in "sending" (a worker died mid-send): ask the provider, never blindly resend."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from aftercare.channels.base import SendChannel
from aftercare.db.models import Message
from aftercare.db.session import transaction
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.send import outgoing_for
from aftercare.outbox.claim import claim_stuck

log = logging.getLogger(__name__)

# A send whose fate the provider still cannot tell after this long is reported, not kept.
GIVE_UP_AFTER = timedelta(hours=24)


def reconcile_stuck(
    *, sessions: sessionmaker[Session], channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime],
) -> dict[str, int]:
    now = clock()
    cutoff = now - timedelta(seconds=policy.sending_timeout_seconds)
    counts = {"found": 0, "not_found": 0, "unknown": 0, "unavailable": 0}
    with transaction(sessions) as session:
        ids = claim_stuck(session, older_than=cutoff, now=now, limit=policy.batch_size)
    for message_id in ids:
        with transaction(sessions) as session:
            message = session.get(Message, message_id)
            if message is None or message.status != "sending":
                continue
            # The lost send happened after the row last became due; look from there.
            outgoing = replace(outgoing_for(message), claimed_at=message.send_after)
            stamp, attempts = message.claimed_at, message.attempts
        channel = channels[outgoing.channel]
        lookup = channel.lookup(outgoing)
        counts[lookup.outcome] += 1
        if lookup.outcome == "unavailable" and now - outgoing.claimed_at < GIVE_UP_AFTER:  # type: ignore[operator]
            # The provider could not be asked just now: claim_stuck re-stamped the row, so
            # the next pass (after the sending timeout) asks again.
            log.warning("message %s: provider lookup failed; asking again later", message_id)
            continue
        with transaction(sessions) as session:
            stmt = update(Message).where(Message.id == message_id,
                                         Message.status == "sending",
                                         Message.claimed_at == stamp)
            if lookup.outcome == "found":
                values: dict[str, object] = {
                    "status": "sent", "provider": channel.name, "sent_at": now,
                    "provider_id": lookup.provider_id,
                    "provider_status": lookup.provider_status,
                    "reason": "confirmed at the provider after an interrupted send"}
            elif lookup.outcome == "not_found" and attempts >= policy.max_attempts:
                # Every attempt ended mid-send (a send that raises, a worker that dies on
                # this row): sending it again would only do the same.
                values = {"status": "failed",
                          "reason": f"set aside: interrupted mid-send {attempts} times; "
                                    "see the worker's log"}
                log.error("message %s set aside after %d interrupted sends", message_id,
                          attempts)
            elif lookup.outcome == "not_found":
                values = {"status": "planned", "send_after": now,
                          "reason": "interrupted before the provider had it; sending again"}
            else:
                values = {"status": "failed",
                          "reason": "interrupted mid-send and the provider cannot say whether "
                                    "it went; not resent to avoid a duplicate"}
                log.error("message %s: delivery unknown after an interrupted send; staff "
                          "should check with the patient", message_id)
            session.execute(stmt.values(**values),
                            execution_options={"synchronize_session": False})
        log.info("reconciled message %s: %s", message_id, lookup.outcome)
    return counts
