"""Running what the recording queue collected, the way the worker's tasks would."""

from __future__ import annotations

from aftercare.bootstrap import Container, RecordingQueue
from aftercare.db.session import transaction
from aftercare.procedures.outbox import plan_procedure
from aftercare.replies.processing import process_reply


def run_planning(container: Container) -> None:
    queue = container.queue
    assert isinstance(queue, RecordingQueue)
    while queue.planned:
        with transaction(container.sessions) as session:
            plan_procedure(session, procedure_id=queue.planned.pop(0), plans=container.plans,
                           policy=container.planning_policy, now=container.clock())


def run_reading(container: Container) -> None:
    queue = container.queue
    assert isinstance(queue, RecordingQueue)
    while queue.replies:
        with transaction(container.sessions) as session:
            process_reply(session, reply_id=queue.replies.pop(0), plans=container.plans,
                          settings=container.settings, now=container.clock())
