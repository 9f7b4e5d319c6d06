"""Prometheus metrics.

The API, each worker and beat are separate processes (separate containers in
docker-compose), so process-local counters cannot add up across them without a shared
directory per host (prometheus_client's multiprocess mode, whose files are named by pid and
would collide between containers). The choice, kept simple and correct:

- What the database already knows is computed by the API at scrape time (`OutboxCollector`):
  messages by channel and status, the due-queue depth (a COUNT on the (status, send_after)
  index), replies by triage, the lateness of recent sends, and the work that is stuck
  (rows set aside, procedures left unplanned; observability/stuck.py). Every API replica
  reports the same numbers; it is the truth, whichever process did the work.
- What only a process sees is counted in that process: webhook latency in the API;
  sends by outcome and their lateness in the worker, which serves them on its own port when
  `AFTERCARE_WORKER_METRICS_PORT` is set (threads pool: one process per worker).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import Message, Reply
from aftercare.observability.stuck import stuck_work

LATENESS_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)

# Counted where the send happens (the worker).
SENDS = Counter("aftercare_sends_total", "Send attempts by channel and outcome",
                ["channel", "outcome"])
SEND_LATENESS = Histogram("aftercare_send_lateness_seconds",
                          "Seconds between a message's due time and its accepted send",
                          ["channel"], buckets=LATENESS_BUCKETS)
# Counted in the API.
WEBHOOK_SECONDS = Histogram("aftercare_webhook_seconds", "Time to answer a Twilio webhook",
                            ["hook"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


def observe_send(*, channel: str, outcome: str, due_at: datetime | None = None,
                 sent_at: datetime | None = None) -> None:
    SENDS.labels(channel=channel, outcome=outcome).inc()
    if outcome == "sent" and due_at is not None and sent_at is not None:
        SEND_LATENESS.labels(channel=channel).observe(max((sent_at - due_at).total_seconds(), 0))


class OutboxCollector(Collector):
    """DB-derived gauges, computed when Prometheus scrapes; cached briefly so a burst of
    scrapes (several Prometheus servers, a curious human) costs one set of queries."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime],
                 *, cache_seconds: float = 5.0, lateness_window: timedelta = timedelta(hours=1)
                 ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.cache_seconds = cache_seconds
        self.lateness_window = lateness_window
        self._lock = threading.Lock()
        self._cached: tuple[float, list[GaugeMetricFamily | GaugeHistogramMetricFamily]] | None
        self._cached = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # computed only at scrape time; nothing to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily | GaugeHistogramMetricFamily]:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.cache_seconds:
                self._cached = (time.monotonic(), self._query())
            return iter(self._cached[1])

    def _query(self) -> list[GaugeMetricFamily | GaugeHistogramMetricFamily]:
        now = self.clock()
        messages = GaugeMetricFamily("aftercare_messages", "Outbox rows by channel and status",
                                     labels=["channel", "status"])
        due = GaugeMetricFamily("aftercare_due_messages",
                                "Messages due now and not yet claimed (the dispatch queue)",
                                labels=["channel"])
        replies = GaugeMetricFamily("aftercare_replies", "Patient replies by triage",
                                    labels=["triage"])
        with self.sessions() as session:
            for channel, status, count in session.execute(
                    select(Message.channel, Message.status, func.count())
                    .group_by(Message.channel, Message.status)):
                messages.add_metric([channel, status], count)
            for channel, count in session.execute(
                    select(Message.channel, func.count())
                    .where(Message.status == "planned", Message.send_after <= now)
                    .group_by(Message.channel)):
                due.add_metric([channel], count)
            for triage, count in session.execute(
                    select(Reply.triage, func.count()).group_by(Reply.triage)):
                replies.add_metric([triage or "unread"], count)
            recent = session.execute(
                select(Message.channel, Message.due_at, Message.sent_at)
                .where(Message.sent_at >= now - self.lateness_window)).all()
            stuck = stuck_work(session, now=now)
        rows = [(c, due_at, sent_at) for c, due_at, sent_at in recent if sent_at is not None]
        set_aside = GaugeMetricFamily(
            "aftercare_set_aside",
            "Rows set aside because they could not be planned, sent or read (active "
            "procedures, messages, replies)", labels=["kind"])
        set_aside.add_metric(["procedure"], stuck.procedures_set_aside)
        set_aside.add_metric(["message"], stuck.messages_set_aside)
        set_aside.add_metric(["reply"], stuck.replies_set_aside)
        unplanned = GaugeMetricFamily(
            "aftercare_unplanned_procedures",
            "Active procedures logged over 5 minutes ago and not planned (not set aside)",
            value=stuck.procedures_unplanned)
        return [messages, due, replies, set_aside, unplanned,
                _lateness(rows, self.lateness_window)]


def _lateness(rows: list[tuple[str, datetime, datetime]], window: timedelta
              ) -> GaugeHistogramMetricFamily:
    minutes = int(window.total_seconds() // 60)
    family = GaugeHistogramMetricFamily(
        "aftercare_recent_send_lateness_seconds",
        f"Seconds between due time and send, for sends in the last {minutes} minutes",
        labels=["channel"])
    by_channel: dict[str, list[float]] = {}
    for channel, due_at, sent_at in rows:
        by_channel.setdefault(channel, []).append(max((sent_at - due_at).total_seconds(), 0))
    for channel, values in sorted(by_channel.items()):
        buckets = [(str(b), float(sum(1 for v in values if v <= b))) for b in LATENESS_BUCKETS]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric([channel], buckets, gsum_value=sum(values))
    return family
