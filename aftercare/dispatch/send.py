"""Sending claimed messages through their channel, and recording what happened.

Each claimed row is already committed as "sending" before the provider is called. Just
before the call we look again: a procedure cancelled, a patient who opted out or withdrew
consent since planning means the message is cancelled, not sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from aftercare.channels.base import (
    ChannelError,
    Outgoing,
    RecipientOptedOut,
    SendChannel,
    Sent,
    UncertainSend,
)
from aftercare.db.models import DeliveryEvent, Message
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
    # Provider calls in flight at once per dispatch run (threads): the provider's latency,
    # not the database, then sets the pace.
    send_concurrency: int = 32
    # Rows are re-checked, renewed and recorded this many at a time, a commit each.
    chunk_size: int = 16
    # When nothing more is due, a run waits for rows falling due up to this many seconds
    # after it started (the beat interval), claiming at most every `claim_gap_seconds`: a
    # reminder then leaves within ~50 ms of its time, not at the next beat tick. 0: no wait.
    linger_seconds: float = 0.0
    claim_gap_seconds: float = 0.05


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
    on_backlog: Callable[[], None] | None = None,
) -> DispatchReport:
    """Claim due messages in batches and send them, until none are due or time is up.

    A batch goes out in chunks, and several chunks are on their way at once ("lanes"): while
    one chunk is in the database, being checked before or recorded after its sends, the
    others' provider calls are in flight, so the provider's latency rather than the database
    sets the pace, with up to `send_concurrency` calls at a time. When a claim comes back
    full there is a backlog, and `on_backlog` is called once so that other workers join at
    once rather than at the next beat tick.
    """
    report = DispatchReport()
    started = clock()
    # A run lingers only until the next beat tick starts the next one, so a worker thread
    # is never held for long by a quiet outbox (replies and planning share the threads).
    # On the monotonic clock: `clock` may be a fixed test clock.
    linger_until = time.monotonic() + policy.linger_seconds
    asked_for_help = False
    # A chunk never holds more than can be in flight at once: its claims are renewed just
    # before its sends, and must not then wait long for a free sender.
    chunk_size = min(policy.chunk_size, policy.send_concurrency)
    lanes = -(-policy.send_concurrency // chunk_size) + 1
    free_lane = threading.BoundedSemaphore(lanes)
    running: list[Future[list[str]]] = []

    def collect(*, everything: bool) -> None:
        for future in [f for f in running if everything or f.done()]:
            running.remove(future)
            for outcome in future.result():  # a chunk's database error ends the run here
                report.add(outcome)

    with ThreadPoolExecutor(max_workers=policy.send_concurrency,
                            thread_name_prefix="send") as senders, \
            ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="dispatch") as lane:
        # Leaving this block waits for every chunk already claimed, even after an error: a
        # chunk's rows are never left half-sent for reconciliation by our own exit.
        while True:
            claimed_at = clock()
            with transaction(sessions) as session:
                ids = claim_due(session, now=claimed_at, limit=policy.batch_size)
            report.claimed += len(ids)
            if len(ids) == policy.batch_size and on_backlog is not None and not asked_for_help:
                on_backlog()
                asked_for_help = True
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start:start + chunk_size]
                free_lane.acquire()
                future = lane.submit(_send_chunk, sessions, chunk, channels, policy, clock,
                                     limiter, claimed_at, senders)
                future.add_done_callback(lambda _: free_lane.release())
                running.append(future)
                collect(everything=False)
            elapsed = (clock() - started).total_seconds()
            if elapsed > policy.run_budget_seconds:
                break
            if len(ids) < policy.batch_size:
                wait = _next_due_in(sessions, now=clock(), within=policy.linger_seconds)
                if wait is None or time.monotonic() + wait > linger_until:
                    break
                time.sleep(max(wait, policy.claim_gap_seconds))
        collect(everything=True)
    return report


def _next_due_in(sessions: sessionmaker[Session], *, now: datetime, within: float
                 ) -> float | None:
    """Seconds until the next planned row falls due, if within `within` seconds."""
    if within <= 0:
        return None
    with transaction(sessions) as session:
        due = session.scalar(select(func.min(Message.send_after))
                             .where(Message.status == "planned"))
    if due is None:
        return None
    wait = (due - now).total_seconds()
    return max(wait, 0.0) if wait <= within else None


def _send_chunk(
    sessions: sessionmaker[Session], ids: list[int], channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime], limiter: SendLimiter | None,
    claimed_at: datetime, pool: ThreadPoolExecutor,
) -> list[str]:
    """Re-check, renew the claim, send in parallel, and record the chunk in one commit."""
    outcomes: list[str] = []
    with transaction(sessions) as session:
        rows = _load(session, ids)
        refused = {m.id: r for m in rows if (r := _why_not_send(m)) is not None}
        for message_id, reason in refused.items():
            _finish(session, message_id, status="cancelled", reason=reason)
        outcomes += ["cancelled"] * (len(ids) - len(rows) + len(refused))
        to_send = [(outgoing_for(m), m.due_at) for m in rows if m.id not in refused]
        # Renewed at once for the chunk, just before its sends start (see _renew_claims).
        ours = _renew_claims(session, [o.message_id for o, _ in to_send], claimed_at, clock())
    for outgoing, _ in to_send:
        if outgoing.message_id not in ours:
            observe_send(channel=outgoing.channel, outcome="superseded")
            outcomes.append("superseded")
    to_send = [(o, due) for o, due in to_send if o.message_id in ours]

    def attempt(outgoing: Outgoing) -> Sent | ChannelError:
        (limiter or NoLimit()).wait_turn(outgoing.channel)
        try:
            return channels[outgoing.channel].send(outgoing)
        except ChannelError as error:
            return error

    results = list(pool.map(_guarded(attempt), [o for o, _ in to_send]))
    now = clock()
    sent = [(o, due, r) for (o, due), r in zip(to_send, results, strict=True)
            if isinstance(r, Sent)]
    if sent:
        with transaction(sessions) as session:
            _record_sent_many(session, [(o, r) for o, _, r in sent], channels, now)
        for outgoing, due, _ in sent:
            observe_send(channel=outgoing.channel, outcome="sent", due_at=due, sent_at=now)
        outcomes += ["sent"] * len(sent)
    for (outgoing, _), result in zip(to_send, results, strict=True):
        if isinstance(result, ChannelError):
            channel = channels[outgoing.channel]
            outcome = _record_failure(sessions, outgoing, result, policy, clock(), channel.name)
            observe_send(channel=outgoing.channel, outcome=outcome)
            outcomes.append(outcome)
        elif result is None:
            outcomes.append("errors")
    return outcomes


def _guarded(attempt: Callable[[Outgoing], Sent | ChannelError]
             ) -> Callable[[Outgoing], Sent | ChannelError | None]:
    def run(outgoing: Outgoing) -> Sent | ChannelError | None:
        try:
            return attempt(outgoing)
        except Exception:
            # Unknown whether the provider got it: leave the row "sending" for
            # reconciliation to ask, and carry on with the rest of the batch.
            log.exception("unexpected error sending message %s", outgoing.message_id)
            return None
    return run


def _load(session: Session, ids: list[int]) -> list[Message]:
    """The chunk's rows still "sending", with patient and procedure, in one round trip."""
    return list(session.scalars(
        select(Message)
        .where(Message.id.in_(ids), Message.status == "sending")
        .options(joinedload(Message.patient), joinedload(Message.procedure))
        .order_by(Message.id)))


def _renew_claims(session: Session, ids: list[int], claimed_at: datetime, now: datetime
                  ) -> set[int]:
    """Re-stamp our claim just before the provider calls, where it is still ours.

    A batch is claimed at once but sent a chunk at a time. If the batch took longer than
    sending_timeout_seconds (a slow provider, pacing), reconciliation may already have taken
    a row over and handed it to another dispatcher: sending it here too would text the
    patient twice. Reconciliation only takes rows whose claimed_at is older than the timeout,
    and re-stamps them; so "claimed_at is still our stamp" means no one took the row over,
    and the fresh stamp keeps reconciliation away while the chunk is sent (which must take
    less than the timeout: the Twilio client gives up at 10 s).
    """
    if not ids:
        return set()
    result = session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.status == "sending",
               Message.claimed_at == claimed_at)
        .values(claimed_at=now)
        .returning(Message.id),
        execution_options={"synchronize_session": False})
    return set(result.scalars().all())


def _record_sent_many(session: Session, sent: list[tuple[Outgoing, Sent]],
                      channels: Mapping[str, SendChannel], now: datetime) -> None:
    table = Message.__table__  # Core executemany: one statement, many rows
    assert isinstance(table, Table)
    session.execute(
        update(table).where(table.c.id == bindparam("row_id"), table.c.status == "sending")
        .values(status="sent", sent_at=now, provider=bindparam("provider_name"),
                provider_id=bindparam("sid"), provider_status=bindparam("sid_status"),
                reason=None, updated_at=now),
        [{"row_id": o.message_id, "provider_name": channels[o.channel].name,
          "sid": r.provider_id, "sid_status": r.provider_status} for o, r in sent],
        execution_options={"synchronize_session": False})
    # Status callbacks that raced ahead of this commit (rare): apply them now.
    early = set(session.scalars(select(DeliveryEvent.provider_id).where(
        DeliveryEvent.provider_id.in_([r.provider_id for _, r in sent]))))
    for outgoing, result in sent:
        if result.provider_id in early:
            message = session.get(Message, outgoing.message_id)
            if message is not None:
                apply_stored_events(session, message, now)


def send_claimed(
    *, sessions: sessionmaker[Session], message_id: int, channels: Mapping[str, SendChannel],
    policy: DispatchPolicy, clock: Callable[[], datetime], limiter: SendLimiter | None = None,
    claimed_at: datetime,
) -> str:
    """Send one row that this dispatcher claimed at `claimed_at`. Returns the outcome."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        [outcome] = _send_chunk(sessions, [message_id], channels, policy, clock, limiter,
                                claimed_at, pool)
    return outcome


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
