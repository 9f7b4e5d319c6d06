"""The dispatch run: claim due messages in batches and send them in chunks, several chunks
under way at once, until nothing more is due (see send.py for one chunk)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.channels.base import SendChannel
from aftercare.db.models import Message
from aftercare.db.session import transaction
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.ratelimit import SendLimiter
from aftercare.dispatch.send import send_chunk
from aftercare.outbox.claim import claim_due


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0  # past its expiry at send time: too late to make sense
    errors: int = 0
    waiting: int = 0  # fell in quiet hours at send time: back to planned for later
    # Claims another dispatcher or reconciliation took over before we called the provider.
    superseded: int = 0
    set_aside: int = 0  # failed for a reason of its own (see send._set_aside); not retried

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
                slots = claim_due(session, now=claimed_at, limit=policy.batch_size,
                                  urgent_first=policy.urgent_first, limiter=limiter)
            # Urgent rows first (claim_due's order), so they lead the first chunk.
            ids, start_by = list(slots), _deadlines(slots)
            report.claimed += len(ids)
            if len(ids) == policy.batch_size and on_backlog is not None and not asked_for_help:
                on_backlog()
                asked_for_help = True
            for start in range(0, len(ids), chunk_size):
                chunk = ids[start:start + chunk_size]
                free_lane.acquire()
                future = lane.submit(send_chunk, sessions, chunk, channels=channels,
                                     policy=policy, clock=clock, start_by=start_by,
                                     claimed_at=claimed_at, senders=senders)
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


def _deadlines(slots: dict[int, float]) -> dict[int, float]:
    """Send slots as monotonic times; only the paced ones (the rest go at once)."""
    now = time.monotonic()
    return {row_id: now + wait for row_id, wait in slots.items() if wait > 0}


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


