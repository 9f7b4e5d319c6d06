"""The Celery tasks: each takes no objects, calls one service function on the container
of the app running it (bootstrap.WorkerApp), and is short. Nothing imports this module:
the worker loads it by name (`include` in bootstrap.celery_app).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from celery import Task, shared_task

from aftercare.container import Container
from aftercare.queue import Flights


class ContainerTask(Task):  # type: ignore[misc]
    @property
    def container(self) -> Container:
        return self.app.container  # type: ignore[no-any-return]


def task(name: str) -> Any:
    return shared_task(name=name, bind=True, base=ContainerTask)


@task("aftercare.plan_pending")
def plan_pending(self: ContainerTask) -> int:
    """Woken after procedures were logged: plan every one not planned yet, in batches. No
    limit: one wake-up may stand for several day lists logged in its window."""
    from aftercare.procedures.sweep import plan_unplanned

    c = self.container
    return plan_unplanned(sessions=c.sessions, plans=c.plans, policy=c.planning_policy,
                          clock=c.clock, older_than=timedelta(0), limit=sys.maxsize)


@task("aftercare.plan_unplanned")
def plan_unplanned(self: ContainerTask) -> int:
    """The safety net: procedures a lost wake-up left unplanned for 30 s."""
    from aftercare.procedures.sweep import plan_unplanned as sweep

    c = self.container
    return sweep(sessions=c.sessions, plans=c.plans, policy=c.planning_policy, clock=c.clock)


# Per worker process: two dispatch runs at once (each with its own senders in flight), one
# reading run; the other threads stay free for planning, reading and the sweeps.
DISPATCHING, READING = Flights(limit=2), Flights(limit=1)


@task("aftercare.dispatch_due")
def dispatch_due(self: ContainerTask) -> list[dict[str, int]]:
    from aftercare.dispatch.loop import dispatch_due as dispatch

    c = self.container
    return DISPATCHING.run(lambda: dispatch(
        sessions=c.sessions, channels=c.channels, policy=c.dispatch_policy, clock=c.clock,
        limiter=c.limiter, on_backlog=c.queue.dispatch_now).__dict__)


@task("aftercare.reconcile_sending")
def reconcile_sending(self: ContainerTask) -> dict[str, int]:
    from aftercare.dispatch.reconcile import reconcile_stuck

    c = self.container
    return reconcile_stuck(sessions=c.sessions, channels=c.channels, policy=c.dispatch_policy,
                           clock=c.clock)


@task("aftercare.read_replies")
def read_replies(self: ContainerTask) -> int:
    """Woken by the webhook (and every 30 s by beat): read every reply not read yet, one
    reading run at a time in this worker."""
    from aftercare.replies.sweep import read_unread

    c = self.container
    return sum(READING.run(lambda: read_unread(sessions=c.sessions, plans=c.plans,
                                               settings=c.settings, clock=c.clock,
                                               queue=c.queue).read))


@task("aftercare.escalate_urgent")
def escalate_urgent(self: ContainerTask) -> int:
    from aftercare.replies.escalation import escalate_unreviewed

    c = self.container
    return escalate_unreviewed(sessions=c.sessions, settings=c.settings, clock=c.clock,
                               queue=c.queue)


@task("aftercare.purge_expired")
def purge_expired(self: ContainerTask) -> dict[str, int]:
    """Hourly when `AFTERCARE_RETENTION_DAYS` is set: remove old messages' and replies' words."""
    from aftercare.patients.retention import purge_expired as purge

    c = self.container
    purged = purge(sessions=c.sessions, days=c.settings.retention_days, now=c.clock(),
                   store=c.media_store)
    return {"messages": purged.messages, "replies": purged.replies}


@task("aftercare.forget_stale_sign_ins")
def forget_stale_sign_ins(self: ContainerTask) -> dict[str, int]:
    """Hourly: old sessions and quiet sign-in throttles."""
    from aftercare.auth.housekeeping import forget_stale_sign_ins as forget

    c = self.container
    return forget(factory=c.sessions, now=c.clock())


@task("aftercare.fetch_photos")
def fetch_photos(self: ContainerTask) -> dict[str, int]:
    """Every 15 s: fetch the photos replies carried, keep them, delete them at Twilio."""
    from aftercare.media.service import fetch_pending

    c = self.container
    fetched = fetch_pending(sessions=c.sessions, source=c.media_source, store=c.media_store,
                            max_bytes=c.settings.media_max_bytes, clock=c.clock)
    return {"stored": fetched.stored, "refused": fetched.refused, "waiting": fetched.waiting}
