"""Single POSTs logged many to a transaction.

The front desk and per-visit integrations log one procedure a request; at hundreds a second
a transaction per request (4 statements and a commit) cost the API and PostgreSQL more CPU
than the request's parsing. Each request hands its procedure to one writer per process
(db/batch_writer.py) and waits for the commit; the writer logs what has queued up meanwhile
with `log_each` (a request that breaks a rule is refused alone), then wakes planning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aftercare.db.batch_writer import BatchWriter
from aftercare.db.session import transaction
from aftercare.procedures.logbook import InvalidBatch, Logged, log_each
from aftercare.procedures.schemas import ProcedureIn

if TYPE_CHECKING:
    from aftercare.bootstrap import Container


class ProcedureIntake(BatchWriter[ProcedureIn, Logged | InvalidBatch]):
    """`submit(request)`: the future holds the procedure logged, or the rules it broke."""

    def __init__(self, container: Container) -> None:
        def log(requests: list[ProcedureIn]) -> list[Logged | InvalidBatch]:
            with transaction(container.sessions) as session:
                results = log_each(session, requests=requests, plans=container.plans,
                                   phone_region=container.settings.default_phone_region)
            wake_planning(container, results)
            return results

        super().__init__(log, name="aftercare-procedures", what="the procedure")


def wake_planning(container: Container, results: Sequence[Logged | InvalidBatch]) -> None:
    """After the commit, so the worker never looks for a procedure not there yet."""
    for one in results:
        if isinstance(one, Logged) and one.created:
            container.queue.plan_procedure(one.procedure_id)
