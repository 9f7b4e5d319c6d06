"""The Celery app and its tasks: each takes ids, calls one service function, and is short.

The app object exists at import (Celery needs it to register tasks), but it is configured
from Settings by `configure()` at start-up, and the container (engine, channels) is built
lazily in each worker process, after any fork.
"""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from celery import Celery, signals

from aftercare.db.session import transaction
from aftercare.embedded_broker import register as register_folder_broker
from aftercare.settings import Settings
from aftercare.wakeups import Wakeups

if TYPE_CHECKING:
    from aftercare.bootstrap import Container
    from aftercare.dispatch.ratelimit import SendLimiter

log = logging.getLogger(__name__)

app = Celery("aftercare")

_state: dict[str, object] = {}


def configure(settings: Settings, *, container: Container | None = None) -> Celery:
    """Point the app at the broker and schedule from Settings; optionally inject a container
    (tests pass one with fake or stand-in channels)."""
    transport_options: dict[str, object] = {}
    broker_url = settings.broker_url
    if broker_url.startswith("filesystem://"):
        # The folder broker, with atomic writes and reads (see embedded_broker.py).
        broker_url = register_folder_broker() + "://"
        folder = settings.broker_folder.resolve()
        for sub in ("in", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options = {"data_folder_in": str(folder / "in"),
                             "data_folder_out": str(folder / "in"),
                             "processed_folder": str(folder / "processed"),
                             "store_processed": False}
    else:
        # Long enough that an unacked task is never redelivered while still running.
        transport_options = {"visibility_timeout": 3600}
    interval = settings.dispatch_interval_seconds
    _forget_connections()
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        # Task events for Flower (`celery -A aftercare.worker --broker URL flower`).
        worker_send_task_events=settings.celery_events,
        task_send_sent_event=settings.celery_events,
        timezone="UTC",
        beat_schedule={
            "dispatch-due": {"task": "aftercare.dispatch_due", "schedule": interval,
                             "options": {"expires": max(interval * 3, 5)}},
            "reconcile-sending": {"task": "aftercare.reconcile_sending",
                                  "schedule": settings.reconcile_interval_seconds,
                                  "options": {"expires": max(settings.reconcile_interval_seconds,
                                                             5)}},
            "plan-unplanned": {"task": "aftercare.plan_unplanned", "schedule": 30.0,
                               "options": {"expires": 30}},
            "read-unread-replies": {"task": "aftercare.read_replies", "schedule": 30.0,
                                    "options": {"expires": 30}},
            "escalate-urgent": {"task": "aftercare.escalate_urgent", "schedule": 60.0,
                                "options": {"expires": 60}},
        },
    )
    _state["settings"] = settings
    _state.pop("limiter", None)
    if container is not None:
        _state["container"] = container
    else:
        _state.pop("container", None)
    return app


def _forget_connections() -> None:
    """Drop what Celery built from an earlier configuration: its connection pool and the
    queue/route declarations it caches. A process configures once in production; tests and
    CLI commands may configure again with another broker or queue, and without this the
    old broker and queue would silently stay in use."""
    # Not closed: kombu's process-wide producer pools may still hand its connections out.
    app._pool = None
    app.__dict__.pop("amqp", None)


def container() -> Container:
    found = _state.get("container")
    if found is None:
        from aftercare.bootstrap import build

        settings = _state.get("settings")
        if not isinstance(settings, Settings):
            settings = Settings()
            configure(settings)
        found = build(settings, queue=CeleryQueue(
            app, wakeup_window=settings.wakeup_window_seconds))
        _state["container"] = found
    return found  # type: ignore[return-value]


class CeleryQueue:
    """Work for the worker. New procedures and replies only wake it (coalesced, see
    wakeups.py): its tasks plan or read everything pending, so the ids are not sent."""

    def __init__(self, celery: Celery, *, wakeup_window: float = 0.0) -> None:
        self.celery = celery
        self._wakeups = Wakeups(self._send, window=wakeup_window)

    def plan_procedure(self, procedure_id: int) -> None:
        self._wakeups.request("aftercare.plan_pending")

    def process_reply(self, reply_id: int) -> None:
        self._wakeups.request("aftercare.read_replies")

    def dispatch_now(self) -> None:
        self._send("aftercare.dispatch_due")

    def _send(self, task: str) -> None:
        try:
            self.celery.send_task(task)
        except Exception:
            # The row is committed; a periodic sweep picks it up when the broker is back.
            log.warning("could not enqueue %s; the sweep will", task, exc_info=True)


@app.task(name="aftercare.plan_pending")
def plan_pending() -> int:
    """Woken by the API: plan every procedure not planned yet, in batches."""
    from aftercare.procedures.sweep import plan_unplanned

    c = container()
    # No limit: one wake-up may stand for several batch imports logged in its window.
    return plan_unplanned(sessions=c.sessions, plans=c.plans, policy=c.planning_policy,
                          clock=c.clock, older_than=timedelta(0), limit=sys.maxsize)


@app.task(name="aftercare.plan_procedure")
def plan_procedure(procedure_id: int) -> None:
    """Tasks queued by an earlier release, one per procedure."""
    from aftercare.procedures.outbox import plan_procedure as plan

    c = container()
    with transaction(c.sessions) as session:
        plan(session, procedure_id=procedure_id, plans=c.plans, policy=c.planning_policy,
             now=c.clock())


@app.task(name="aftercare.dispatch_due")
def dispatch_due() -> dict[str, int]:
    from aftercare.dispatch.send import dispatch_due as dispatch

    c = container()
    report = dispatch(sessions=c.sessions, channels=c.channels, policy=c.dispatch_policy,
                      clock=c.clock, limiter=limiter(), on_backlog=c.queue.dispatch_now)
    return report.__dict__


def limiter() -> SendLimiter:
    """One per process (one Redis connection pool), built after any fork."""
    found = _state.get("limiter")
    if found is None:
        from aftercare.dispatch.ratelimit import build_limiter, sms_sender

        s = container().settings
        found = build_limiter(
            redis_url=s.redis_url, rate_per_second=s.sms_rate_per_second,
            overrides=s.sms_rate_overrides,
            sender=sms_sender(s.twilio_from_number, s.twilio_messaging_service_sid))
        _state["limiter"] = found
    return found  # type: ignore[return-value]


@app.task(name="aftercare.reconcile_sending")
def reconcile_sending() -> dict[str, int]:
    from aftercare.dispatch.reconcile import reconcile_stuck

    c = container()
    return reconcile_stuck(sessions=c.sessions, channels=c.channels, policy=c.dispatch_policy,
                           clock=c.clock)


@app.task(name="aftercare.plan_unplanned")
def plan_unplanned() -> int:
    """The safety net: procedures a lost wake-up left unplanned for 30 s."""
    from aftercare.procedures.sweep import plan_unplanned as sweep

    c = container()
    return sweep(sessions=c.sessions, plans=c.plans, policy=c.planning_policy, clock=c.clock)


@app.task(name="aftercare.read_replies")
def read_replies() -> int:
    """Woken by the webhook (and every 30 s by beat): read every reply not read yet."""
    from aftercare.replies.sweep import read_unread

    c = container()
    report = read_unread(sessions=c.sessions, plans=c.plans, settings=c.settings,
                         clock=c.clock)
    if report.urgent:  # the safety reply and alerts go now, not at the next beat tick
        c.queue.dispatch_now()
    return report.read


@app.task(name="aftercare.read_unread")
def read_unread() -> int:
    """The sweep's name in an earlier release, for tasks still queued under it."""
    return read_replies()


@app.task(name="aftercare.process_reply")
def process_reply(reply_id: int) -> None:
    """Tasks queued by an earlier release, one per reply."""
    from aftercare.replies.processing import process_reply as process

    c = container()
    with transaction(c.sessions) as session:
        urgent = process(session, reply_id=reply_id, plans=c.plans, settings=c.settings,
                         now=c.clock())
    if urgent:
        c.queue.dispatch_now()


@app.task(name="aftercare.escalate_urgent")
def escalate_urgent() -> int:
    from aftercare.replies.escalation import escalate_unreviewed

    c = container()
    escalated = escalate_unreviewed(sessions=c.sessions, settings=c.settings, clock=c.clock)
    if escalated:
        c.queue.dispatch_now()
    return escalated


# --- logging, task ids and the worker's metrics endpoint ---------------------------------


@signals.setup_logging.connect
def _setup_logging(loglevel: object = None, **_: object) -> None:
    """Connecting here stops Celery from configuring logging itself (worker and beat)."""
    from aftercare.observability.logs import setup_logging

    settings = _state.get("settings")
    if not isinstance(settings, Settings):  # `celery -A aftercare.worker ...` (e.g. Flower)
        settings = Settings()
    # Celery passes the --loglevel it parsed, as a number.
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    setup_logging(settings, level=level if isinstance(level, str) else None)


@signals.task_prerun.connect
def _task_started(task_id: str | None = None, task: object = None, **_: object) -> None:
    from aftercare.observability.logs import bind_task

    bind_task(task_id, getattr(task, "name", None))


@signals.task_postrun.connect
def _task_finished(**_: object) -> None:
    from aftercare.observability.logs import bind_task

    bind_task(None, None)


@signals.worker_init.connect
def _serve_metrics(**_: object) -> None:
    settings = _state.get("settings")
    if isinstance(settings, Settings) and settings.worker_metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.worker_metrics_port)
