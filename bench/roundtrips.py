"""SQL round trips per procedure logged, per procedure planned (alone, and in a batch as the
worker plans them) and per message sent.

In-process, with the service's own functions on the scratch database and fakes for the
queue and channels, counting every statement the engine executes. The profiles show the
workers mostly waiting on PostgreSQL; these counts say how many waits each unit of work has,
and are what batching should bring down.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from aftercare.bootstrap import build
from aftercare.channels.base import RecordingChannel
from aftercare.db.session import transaction
from aftercare.queue import RecordingQueue
from aftercare.settings import Settings
from bench.data import add_due_sms, add_patients, clear_messages
from bench.plan import payloads
from bench.report import Results
from bench.stack import REPO, Stack

PROCEDURES = 50
MESSAGES = 200


def run(stack: Stack, results: Results) -> None:
    from aftercare.dispatch.loop import dispatch_due
    from aftercare.outbox.planned import plan_pending, replan
    from aftercare.procedures.schemas import ProcedureIn
    from aftercare.procedures.service import Logged, log_procedures
    from aftercare.procedures.sweep import BATCH_SIZE

    settings = Settings(_env_file=None, database_url=stack.db_url,  # type: ignore[call-arg]
                        schedules_dir=REPO / "schedules", var_dir=stack.workdir / "inproc",
                        broker_url="memory://")
    c = build(settings, queue=RecordingQueue(),
              channels={"sms": RecordingChannel("fake-sms"), "email": RecordingChannel("e")})
    counted = {"statements": 0, "commits": 0}
    event.listen(c.engine, "before_cursor_execute",
                 lambda *a, **k: counted.__setitem__("statements", counted["statements"] + 1))
    event.listen(c.engine, "commit",
                 lambda *a: counted.__setitem__("commits", counted["commits"] + 1))

    def measure(work: Any) -> dict[str, int]:
        before = dict(counted)
        work()
        return {k: counted[k] - before[k] for k in counted}

    requests = [ProcedureIn.model_validate(p["json"])
                for p in payloads(PROCEDURES + BATCH_SIZE, "-")]
    ids: list[int] = []

    def log_all(some: list[ProcedureIn]) -> None:
        for request in some:
            with transaction(c.sessions) as session:
                [logged] = log_procedures(session, requests=[request], plans=c.plans,
                                          phone_region="US", queue=c.queue,
                                          now=datetime.now(UTC), by="bench")
                assert isinstance(logged, Logged)
                ids.append(logged.procedure_id)

    def plan_all() -> None:
        for procedure_id in ids:  # one at a time, as a reschedule re-plans
            with transaction(c.sessions) as session:
                replan(session, procedure_ids=[procedure_id], plans=c.plans,
                       policy=c.planning_policy, now=datetime.now(UTC))

    def plan_batch() -> None:
        with transaction(c.sessions) as session:
            done = plan_pending(session, plans=c.plans, policy=c.planning_policy,
                                now=datetime.now(UTC), limit=BATCH_SIZE)
        assert done == BATCH_SIZE, done

    logged = measure(lambda: log_all(requests[:PROCEDURES]))
    planned = measure(plan_all)
    rows = stack.scalar("SELECT count(*) FROM messages")
    log_all(requests[PROCEDURES:])  # not planned yet: one batch's worth
    batched = measure(plan_batch)
    clear_messages(stack)
    add_patients(stack, 100, tag="rt")
    add_due_sms(stack, MESSAGES, tag="rt", first_due=datetime.now(UTC) - timedelta(seconds=1),
                patients_tag="rt")
    sent = measure(lambda: dispatch_due(sessions=c.sessions, channels=c.channels,
                                        policy=c.dispatch_policy, clock=c.clock))
    clear_messages(stack)
    stack.execute("TRUNCATE procedures, patients RESTART IDENTITY CASCADE")
    c.engine.dispose()

    per = {"log": {k: v / PROCEDURES for k, v in logged.items()},
           "plan": {k: v / PROCEDURES for k, v in planned.items()},
           "plan_batch": {k: v / BATCH_SIZE for k, v in batched.items()},
           "dispatch": {k: v / MESSAGES for k, v in sent.items()}}
    results.details["roundtrips"] = {**per, "messages_per_procedure": rows / PROCEDURES}
    results.add("roundtrips", "SQL statements per procedure logged", per["log"]["statements"],
                note="service only; the API adds the token check (SELECT + UPDATE last_used_at, "
                     "its own commit)")
    results.add("roundtrips", "SQL statements per procedure planned", per["plan"]["statements"],
                note=f"{rows / PROCEDURES:.1f} outbox rows per procedure, one INSERT each")
    results.add("roundtrips", "SQL statements per procedure planned in a batch",
                per["plan_batch"]["statements"],
                note=f"plan_pending over {BATCH_SIZE} procedures, one transaction")
    results.add("roundtrips", "SQL statements / commits per message sent",
                f"{per['dispatch']['statements']:.1f} / {per['dispatch']['commits']:.1f}",
                note=f"dispatch_due over {MESSAGES} due SMS, fake channel")
