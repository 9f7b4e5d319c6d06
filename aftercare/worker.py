"""The Celery app and its tasks: each takes ids, calls one service function, and is short.

The app object exists at import (Celery needs it to register tasks), but it is configured
from Settings by `configure()` at start-up, and the container (engine, channels) is built
lazily in each worker process, after any fork.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery import Celery

from aftercare.db.session import transaction
from aftercare.settings import Settings

if TYPE_CHECKING:
    from aftercare.bootstrap import Container

log = logging.getLogger(__name__)

app = Celery("aftercare")

_state: dict[str, object] = {}


def configure(settings: Settings, *, container: Container | None = None) -> Celery:
    """Point the app at the broker and schedule from Settings; optionally inject a container
    (tests pass one with fake or stand-in channels)."""
    transport_options: dict[str, object] = {}
    if settings.broker_url.startswith("filesystem://"):
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
    app.conf.update(
        broker_url=settings.broker_url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={
            "dispatch-due": {"task": "aftercare.dispatch_due", "schedule": interval,
                             "options": {"expires": max(interval * 3, 5)}},
            "reconcile-sending": {"task": "aftercare.reconcile_sending", "schedule": 60.0,
                                  "options": {"expires": 60}},
            "plan-unplanned": {"task": "aftercare.plan_unplanned", "schedule": 30.0,
                               "options": {"expires": 30}},
            "read-unread-replies": {"task": "aftercare.read_unread", "schedule": 30.0,
                                    "options": {"expires": 30}},
            "escalate-urgent": {"task": "aftercare.escalate_urgent", "schedule": 60.0,
                                "options": {"expires": 60}},
        },
    )
    _state["settings"] = settings
    if container is not None:
        _state["container"] = container
    else:
        _state.pop("container", None)
    return app


def container() -> Container:
    found = _state.get("container")
    if found is None:
        from aftercare.bootstrap import build

        settings = _state.get("settings")
        if not isinstance(settings, Settings):
            settings = Settings()
            configure(settings)
        found = build(settings, queue=CeleryQueue(app))
        _state["container"] = found
    return found  # type: ignore[return-value]


@dataclass
class CeleryQueue:
    celery: Celery

    def plan_procedure(self, procedure_id: int) -> None:
        self._send("aftercare.plan_procedure", procedure_id)

    def process_reply(self, reply_id: int) -> None:
        self._send("aftercare.process_reply", reply_id)

    def dispatch_now(self) -> None:
        self._send("aftercare.dispatch_due")

    def _send(self, task: str, *args: int) -> None:
        try:
            self.celery.send_task(task, args=list(args))
        except Exception:
            # The row is committed; a periodic sweep picks it up when the broker is back.
            log.warning("could not enqueue %s%s; the sweep will", task, args, exc_info=True)


@app.task(name="aftercare.plan_procedure")
def plan_procedure(procedure_id: int) -> None:
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
                      clock=c.clock)
    return report.__dict__


@app.task(name="aftercare.reconcile_sending")
def reconcile_sending() -> dict[str, int]:
    from aftercare.dispatch.reconcile import reconcile_stuck

    c = container()
    return reconcile_stuck(sessions=c.sessions, channels=c.channels, policy=c.dispatch_policy,
                           clock=c.clock)


@app.task(name="aftercare.plan_unplanned")
def plan_unplanned() -> int:
    from aftercare.procedures.sweep import plan_unplanned as sweep

    c = container()
    return sweep(sessions=c.sessions, plans=c.plans, policy=c.planning_policy, clock=c.clock)


@app.task(name="aftercare.process_reply")
def process_reply(reply_id: int) -> None:
    from aftercare.replies.processing import process_reply as process

    c = container()
    with transaction(c.sessions) as session:
        urgent = process(session, reply_id=reply_id, plans=c.plans, settings=c.settings,
                         now=c.clock())
    if urgent:  # the safety reply and alerts go now, not at the next beat tick
        c.queue.dispatch_now()


@app.task(name="aftercare.read_unread")
def read_unread() -> int:
    from aftercare.replies.sweep import read_unread as sweep

    c = container()
    return sweep(sessions=c.sessions, queue=c.queue, clock=c.clock)


@app.task(name="aftercare.escalate_urgent")
def escalate_urgent() -> int:
    from aftercare.replies.escalation import escalate_unreviewed

    c = container()
    escalated = escalate_unreviewed(sessions=c.sessions, settings=c.settings, clock=c.clock)
    if escalated:
        c.queue.dispatch_now()
    return escalated
