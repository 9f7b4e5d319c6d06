"""What a failed send leaves behind: a retry with backoff, a failure, or a question for
reconciliation when the provider may have the message after all."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from aftercare.channels.base import ChannelError, RecipientOptedOut, UncertainSend
from aftercare.consent import opt_out_of_sms
from aftercare.db.models import Message
from aftercare.dispatch.backoff import next_attempt
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.outbox.record import finish

log = logging.getLogger(__name__)


def record_failure(session: Session, *, message_id: int, error: ChannelError,
                   policy: DispatchPolicy, now: datetime, provider: str) -> str:
    """Returns the outcome: "retried" or "failed"."""
    message = session.get(Message, message_id)
    assert message is not None
    if isinstance(error, RecipientOptedOut) and message.patient is not None \
            and message.audience == "patient":
        # The provider blocks this number: mirror it, so no other SMS is even tried.
        opt_out_of_sms(session, patients=[message.patient], now=now,
                       reason="patient opted out of SMS (provider)", method="provider")
    if isinstance(error, UncertainSend):
        # Stays "sending": reconciliation asks the provider before any resend.
        message.reason = f"provider may have it; checking before any resend: {error.reason}"
        return "retried"
    if error.permanent:
        finish(session, message.id, status="failed", reason=error.reason,
               error_code=error.code, provider=provider)
        log.warning("message %s failed permanently: code %s", message.id, error.code)
        return "failed"
    if message.attempts >= policy.max_attempts:
        finish(session, message.id, status="failed", error_code=error.code,
               reason=f"gave up after {message.attempts} attempts: {error.reason}",
               provider=provider)
        return "failed"
    retry_at = next_attempt(attempts=message.attempts, now=now,
                            base_seconds=policy.retry_base_seconds,
                            max_seconds=policy.retry_max_seconds)
    finish(session, message.id, status="planned", send_after=retry_at,
           error_code=error.code, reason=f"retrying after: {error.reason}")
    return "retried"
