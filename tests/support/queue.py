"""Running what the recording queue was woken for, the way the worker's tasks would: the
same service functions as aftercare/worker.py, on the test's container."""

from __future__ import annotations

import sys
from datetime import timedelta

from aftercare.container import Container
from aftercare.procedures.sweep import plan_unplanned
from aftercare.queue import RecordingQueue
from aftercare.replies.sweep import read_unread


def run_planning(container: Container) -> int:
    """`aftercare.plan_pending`: plan everything logged so far."""
    _queue(container).planning = 0
    return plan_unplanned(sessions=container.sessions, plans=container.plans,
                          policy=container.planning_policy, clock=container.clock,
                          older_than=timedelta(0), limit=sys.maxsize)


def run_reading(container: Container) -> int:
    """`aftercare.read_replies`: read every reply not read yet."""
    _queue(container).reading = 0
    return read_unread(sessions=container.sessions, plans=container.plans,
                       settings=container.settings, clock=container.clock,
                       queue=container.queue).read


def _queue(container: Container) -> RecordingQueue:
    queue = container.queue
    assert isinstance(queue, RecordingQueue)
    return queue
