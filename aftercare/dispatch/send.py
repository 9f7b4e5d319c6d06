"""Sending claimed messages through their channel, and recording what happened.

Each claimed row is already committed as "sending" before the provider is called. Just
before the call we look again: a procedure cancelled, a patient who opted out or withdrew
consent since planning means the message is cancelled, not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from aftercare.channels.base import (
    ChannelError,
    Outgoing,
    RecipientOptedOut,
    SendChannel,
    Sent,
    UncertainSend,
)
from aftercare.db.models import Message
from aftercare.db.session import transaction
from aftercare.dispatch.backoff import next_attempt
from aftercare.dispatch.claim import claim_due
from aftercare.dispatch.delivery import apply_stored_events
from aftercare.dispatch.ratelimit import NoLimit, SendLimiter
from aftercare.observability.metrics import observe_send
from aftercare.procedures.outbox import cancel_patient_sms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchPolicy:
    batch_size: int = 200
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    sending_timeout_seconds: int = 300
    # One dispatch run keeps claiming while work is due, up to this long.
    run_budget_seconds: float = 20.0


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: int = 0
    # Claims another dispatcher or reconciliation took over before we called the provider.
    superseded: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def dispatch_due(
    *, sessions: sessionmaker[Session], channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime], limiter: SendLimiter | None = None,
) -> DispatchReport:
    """Claim due messages in batches and send them, until none are due or time is up."""
    report = DispatchReport()
    started = clock()
    while True:
        claimed_at = clock()
        with transaction(sessions) as session:
            ids = claim_due(session, now=claimed_at, limit=policy.batch_size)
        report.claimed += len(ids)
        for message_id in ids:
            try:
                outcome = send_claimed(sessions=sessions, message_id=message_id,
                                       channels=channels, policy=policy, clock=clock,
                                       limiter=limiter, claimed_at=claimed_at)
            except Exception:
                # Unknown whether the provider got it: leave the row "sending" for
                # reconciliation to ask, and carry on with the rest of the batch.
                log.exception("unexpected error sending message %s", message_id)
                outcome = "errors"
            report.add(outcome)
        elapsed = (clock() - started).total_seconds()
        if len(ids) < policy.batch_size or elapsed > policy.run_budget_seconds:
            return report


def send_claimed(
    *, sessions: sessionmaker[Session], message_id: int, channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime], limiter: SendLimiter | None = None,
    claimed_at: datetime | None = None,
) -> str:
    """Send one row that this dispatcher claimed (at `claimed_at`). Returns the outcome."""
    with transaction(sessions) as session:
        message = session.get(Message, message_id)
        if message is None or message.status != "sending":
            return "cancelled"
        refusal = _why_not_send(message)
        if refusal is not None:
            _finish(session, message_id, status="cancelled", reason=refusal)
            return "cancelled"
        outgoing = outgoing_for(message)
        due_at = message.due_at
    channel = channels[outgoing.channel]
    # Pacing per sending number may wait a while; the claim is re-checked after it.
    (limiter or NoLimit()).wait_turn(outgoing.channel)
    if claimed_at is not None and not _renew_claim(sessions, message_id, claimed_at, clock()):
        # A batch is claimed at once but sent one by one. If sending the batch took longer
        # than sending_timeout_seconds (a slow provider, rate limiting), reconciliation may
        # already have taken this row over and handed it to another dispatcher: sending it
        # here too would text the patient twice. The row is no longer ours; leave it.
        observe_send(channel=outgoing.channel, outcome="superseded")
        return "superseded"
    try:
        sent = channel.send(outgoing)
    except ChannelError as error:
        outcome = _record_failure(sessions, outgoing, error, policy, clock(), channel.name)
        observe_send(channel=outgoing.channel, outcome=outcome)
        return outcome
    now = clock()
    with transaction(sessions) as session:
        _record_sent(session, message_id, sent, channel.name, now)
    observe_send(channel=outgoing.channel, outcome="sent", due_at=due_at, sent_at=now)
    return "sent"


def _renew_claim(sessions: sessionmaker[Session], message_id: int, claimed_at: datetime,
                 now: datetime) -> bool:
    """Re-stamp our claim just before the provider call, if it is still ours.

    Reconciliation only takes rows whose claimed_at is older than the sending timeout, and
    re-stamps them when it does; so "claimed_at is still the stamp of our claim" means no one
    took the row over, and the fresh stamp keeps reconciliation away for the duration of
    the call (which must stay shorter than the timeout: the Twilio client gives up at 10 s).
    """
    with transaction(sessions) as session:
        result = session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == "sending",
                   Message.claimed_at == claimed_at)
            .values(claimed_at=now),
            execution_options={"synchronize_session": False})
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _why_not_send(message: Message) -> str | None:
    if message.audience != "patient":
        return None  # clinician alerts go whatever the patient's settings
    if message.procedure is not None and message.procedure.status != "active" \
            and message.kind != "safety":
        return "procedure cancelled before sending"
    patient = message.patient
    if patient is None:
        return None if message.to_address else "no recipient"
    if message.kind in ("keyword_reply", "safety") and message.channel == "sms":
        return None  # answers to what the patient just texted: required, even after STOP
    if message.channel == "sms":
        if patient.sms_opted_out_at is not None:
            return "patient opted out of SMS"
        if not patient.sms_consent:
            return "no SMS consent at send time"
    elif not (patient.email_consent and patient.email):
        return "no email consent or address at send time"
    return None


def outgoing_for(message: Message) -> Outgoing:
    """What the channel needs; `claimed_at` bounds where reconciliation looks."""
    patient = message.patient
    if message.to_address:
        to = message.to_address
    elif patient is None:
        to = ""
    else:
        to = patient.phone if message.channel == "sms" else (patient.email or "")
    return Outgoing(
        message_id=message.id, channel=message.channel,  # type: ignore[arg-type]
        to=to, body=message.body, subject=message.subject, language=message.language,
        claimed_at=message.claimed_at,
    )


def _record_sent(session: Session, message_id: int, sent: Sent, provider: str, now: datetime
                 ) -> None:
    _finish(session, message_id, status="sent", sent_at=now, provider=provider,
            provider_id=sent.provider_id, provider_status=sent.provider_status, reason=None)
    message = session.get(Message, message_id)
    if message is not None and message.status == "sent":
        session.refresh(message)
        apply_stored_events(session, message, now)


def _record_failure(
    sessions: sessionmaker[Session], outgoing: Outgoing, error: ChannelError,
    policy: DispatchPolicy, now: datetime, provider: str,
) -> str:
    with transaction(sessions) as session:
        message = session.get(Message, outgoing.message_id)
        assert message is not None
        if isinstance(error, RecipientOptedOut) and message.patient is not None \
                and message.audience == "patient":
            # The provider blocks this number: mirror it, so no other SMS is even tried.
            message.patient.sms_opted_out_at = now
            cancel_patient_sms(session, patient_id=message.patient.id,
                               reason="patient opted out of SMS (provider)")
        if isinstance(error, UncertainSend):
            # Stays "sending": reconciliation asks the provider before any resend.
            message.reason = f"provider may have it; checking before any resend: {error.reason}"
            return "retried"
        if error.permanent:
            _finish(session, message.id, status="failed", reason=error.reason,
                    error_code=error.code, provider=provider)
            log.warning("message %s failed permanently: code %s", message.id, error.code)
            return "failed"
        if message.attempts >= policy.max_attempts:
            _finish(session, message.id, status="failed", error_code=error.code,
                    reason=f"gave up after {message.attempts} attempts: {error.reason}",
                    provider=provider)
            return "failed"
        retry_at = next_attempt(attempts=message.attempts, now=now,
                                base_seconds=policy.retry_base_seconds,
                                max_seconds=policy.retry_max_seconds)
        _finish(session, message.id, status="planned", send_after=retry_at,
                error_code=error.code, reason=f"retrying after: {error.reason}")
        return "retried"


def _finish(session: Session, message_id: int, **values: object) -> None:
    # Only a row still "sending" is ours to finish: a status callback may have moved it on.
    session.execute(
        update(Message).where(Message.id == message_id, Message.status == "sending")
        .values(**values),
        execution_options={"synchronize_session": False},
    )
