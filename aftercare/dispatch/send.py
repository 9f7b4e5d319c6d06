"""Sending one chunk of claimed rows: check each again, renew the claim, call the providers
in parallel, and record what they answered.

Each claimed row is already committed as "sending" before the provider is called. Just
before the call the contact rules are asked again (`contact_rules.py`): a procedure cancelled,
a patient who opted out or withdrew consent, or a clock now in the patient's quiet hours
(a worker back from an outage at night) means the row is cancelled or waits, not sent; a
reminder past its `expires_at` is skipped. Safety texts and clinician alerts always go.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from aftercare.channels.base import ChannelError, Outgoing, SendChannel, Sent
from aftercare.contact_rules import Decision, Go, Recipient, Skip, at_send_time
from aftercare.db.models import Message
from aftercare.db.session import transaction
from aftercare.dispatch.failures import record_failure
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.observability.metrics import observe_send
from aftercare.outbox.claim import load_claimed, renew_claims
from aftercare.outbox.record import finish, record_sent

log = logging.getLogger(__name__)


def send_chunk(
    sessions: sessionmaker[Session], ids: list[int], *, channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime], claimed_at: datetime,
    senders: ThreadPoolExecutor, start_by: Mapping[int, float],
) -> list[str]:
    """Returns one outcome per row: sent, retried, failed, cancelled, skipped, waiting,
    superseded, set_aside, errors. `start_by`: a paced row's slot, on the monotonic clock."""
    outcomes: list[str] = []
    with transaction(sessions) as session:
        rows = load_claimed(session, ids)
        now = clock()
        outcomes += ["cancelled"] * (len(ids) - len(rows))
        to_send: list[tuple[Outgoing, datetime]] = []
        for message in rows:
            try:  # a row whose own data breaks the checks is set aside, not the chunk
                decision = recheck(message, policy, now)
                if isinstance(decision, Go):
                    to_send.append((outgoing_for(message), message.due_at))
                    continue
            except Exception as exc:
                outcomes.append(_set_aside(session, message, exc))
                continue
            outcomes.append(_hold(session, message.id, decision))
        # Renewed at once for the chunk, just before its sends start (see renew_claims).
        ours = renew_claims(session, [o.message_id for o, _ in to_send],
                            claimed_at=claimed_at, now=clock())
    for outgoing, _ in to_send:
        if outgoing.message_id not in ours:
            observe_send(channel=outgoing.channel, outcome="superseded")
            outcomes.append("superseded")
    to_send = [(o, due) for o, due in to_send if o.message_id in ours]

    def attempt(outgoing: Outgoing) -> Sent | ChannelError | None:
        # A paced SMS waits for the sender's slot reserved for it at claim time.
        wait = start_by.get(outgoing.message_id, 0.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return channels[outgoing.channel].send(outgoing)
        except ChannelError as error:
            return error
        except Exception:
            # Unknown whether the provider got it: leave the row "sending" for
            # reconciliation to ask, and carry on with the rest of the chunk.
            log.exception("unexpected error sending message %s", outgoing.message_id)
            return None

    results = list(senders.map(attempt, [o for o, _ in to_send]))
    now = clock()
    sent = [(o, due, r) for (o, due), r in zip(to_send, results, strict=True)
            if isinstance(r, Sent)]
    if sent:
        with transaction(sessions) as session:
            record_sent(session, [(o.message_id, channels[o.channel].name, r)
                                  for o, _, r in sent], now=now)
        for outgoing, due, _ in sent:
            observe_send(channel=outgoing.channel, outcome="sent", due_at=due, sent_at=now)
        outcomes += ["sent"] * len(sent)
    for (outgoing, _), result in zip(to_send, results, strict=True):
        if isinstance(result, ChannelError):
            with transaction(sessions) as session:
                outcome = record_failure(session, message_id=outgoing.message_id,
                                         error=result, policy=policy, now=clock(),
                                         provider=channels[outgoing.channel].name)
            observe_send(channel=outgoing.channel, outcome=outcome)
            outcomes.append(outcome)
        elif result is None:
            outcomes.append("errors")
    return outcomes


def recheck(message: Message, policy: DispatchPolicy, now: datetime) -> Decision:
    """The outbox rules again, on the row as it is now."""
    if message.audience != "patient":
        return Go()  # clinician alerts go whatever the patient's settings
    procedure = message.procedure
    # A person's answer still goes: the patient wrote to us about a procedure now off.
    if procedure is not None and procedure.status != "active" \
            and message.kind not in ("safety", "answer", "urgent_answer"):
        return Skip("procedure cancelled before sending")
    patient = message.patient
    if patient is None:
        return Go() if message.to_address else Skip("no recipient")
    recipient = Recipient(timezone=patient.timezone, sms_consent=patient.sms_consent,
                          email_consent=patient.email_consent, has_email=bool(patient.email),
                          sms_opted_out=patient.sms_opted_out_at is not None)
    decision = at_send_time(channel=message.channel,  # type: ignore[arg-type]
                            kind=message.kind, recipient=recipient, at=now,
                            due_at=message.due_at, expires_at=message.expires_at,
                            quiet_hours=policy.quiet_hours_for(
                                procedure.procedure_type if procedure else None,
                                procedure.location if procedure else None))
    if isinstance(decision, Skip) and decision.reason.startswith("no "):
        return Skip(f"{decision.reason} at send time")  # consent withdrawn since planning
    return decision


def _set_aside(session: Session, message: Message, exc: Exception) -> str:
    """Failed for a reason of its own (a time zone this server does not know, a date out of
    range): it would fail the same way on every retry, so it is not retried."""
    reason = f"set aside: {why_not_sendable(message, exc)}"
    log.warning("message %s %s", message.id, reason, exc_info=True)
    finish(session, message.id, status="failed", reason=reason)
    observe_send(channel=message.channel, outcome="set_aside")
    return "set_aside"


def why_not_sendable(message: Message, exc: Exception) -> str:
    """A short reason for staff, naming the kind of problem and never the patient's data."""
    patient = message.patient
    if patient is not None:
        try:
            ZoneInfo(patient.timezone)
        except Exception:
            return "the patient's time zone is not one this server knows"
    if isinstance(exc, OverflowError | ValueError):
        return "a date is out of range"
    return f"could not be prepared ({type(exc).__name__}); see the worker's log"


def _hold(session: Session, message_id: int, decision: Decision) -> str:
    if isinstance(decision, Skip):
        # Too late to make sense is "skipped", as planning marks a step already past.
        status = "skipped" if decision.reason.startswith("skipped:") else "cancelled"
        finish(session, message_id, status=status, reason=decision.reason)
        return status
    assert not isinstance(decision, Go)
    # Back to planned for later; the claim that brought it here was not an attempt.
    session.execute(
        update(Message).where(Message.id == message_id, Message.status == "sending")
        .values(status="planned", send_after=decision.until, reason=decision.reason,
                attempts=Message.attempts - 1),
        execution_options={"synchronize_session": False})
    return "waiting"


def outgoing_for(message: Message) -> Outgoing:
    """What the channel needs; `claimed_at` bounds where reconciliation looks."""
    patient = message.patient
    location = message.procedure.location if message.procedure is not None else None
    if message.to_address:
        to = message.to_address
    elif patient is None:
        to = ""
    else:
        to = patient.phone if message.channel == "sms" else (patient.email or "")
    sender: dict[str, str] = {}
    if location is not None:
        sender = {"sender": location.sms_sender, "clinic_name": location.name,
                  "clinic_phone": location.phone}
    elif patient is None and message.audience == "patient" and message.channel == "sms" \
            and message.reply_id is not None and message.answered is not None:
        # A number not on file: answered from the number it texted (a location's own).
        sender = {"sender": message.answered.to_phone}
    return Outgoing(
        message_id=message.id, channel=message.channel,  # type: ignore[arg-type]
        to=to, body=message.body, subject=message.subject, language=message.language,
        claimed_at=message.claimed_at,
        patient_id=message.patient_id if message.audience == "patient" else None,
        **sender,
    )
