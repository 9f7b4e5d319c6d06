"""Planning logged procedures in batches, on SQLite and PostgreSQL: the same outbox rows as
re-planning each procedure alone (as a reschedule does), a handful of statements per batch,
and concurrent planners that never plan a procedure twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from aftercare.bootstrap import celery_app
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure
from aftercare.db.session import transaction
from aftercare.outbox.planned import plan_pending, replan, waiting_for_a_plan
from aftercare.procedures.schemas import ProcedureIn
from aftercare.procedures.service import Logged, cancel, log_procedures
from aftercare.procedures.sweep import plan_unplanned
from tests.conftest import FrozenClock
from tests.support.factories import DEFAULT_LOCATION, patient_payload, procedure_payload
from tests.support.statements import counting_statements
from tests.support.threads import in_threads

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
# Everything a planning run decides about a row (its ids aside).
COLUMNS = ("step", "channel", "kind", "status", "reason", "due_at", "send_after", "local_due",
           "language", "subject", "body", "attempts", "audience", "patient_id", "error_code")

# (what the case covers, procedure overrides, patient overrides)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("logged just after", {}, {}),
    ("spanish, another zone, another plan", {"procedure_type": "endovenous-thermal-ablation"},
     {"language": "es", "timezone": "America/Los_Angeles"}),
    ("foam sclerotherapy with a follow-up", {
        "procedure_type": "ultrasound-guided-foam-sclerotherapy",
        "follow_up_at": (NOW + timedelta(days=20)).isoformat()}, {}),
    ("no SMS consent", {}, {"sms_consent": False}),
    ("no email", {}, {"email": None, "email_consent": False}),
    ("opted out of SMS", {}, {"first_name": "Olga"}),
    ("logged days late", {"performed_at": (NOW - timedelta(days=3)).isoformat()}, {}),
    ("cancelled before planning", {"side": "right"}, {"first_name": "Carl"}),
]


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


def log_twins(container: Container) -> list[tuple[int, int]]:
    """Each case logged twice for the same patient: (one to plan alone, one for the batch)."""
    twins = []
    with transaction(container.sessions) as session:
        for _, procedure, patient in CASES:
            request = ProcedureIn.model_validate({
                **procedure_payload(NOW - timedelta(minutes=10),
                                    patient=patient_payload(**patient)), **procedure,
                "allow_duplicate": True})  # twins on purpose
            pair = tuple(session.get_one(Procedure, _logged(container, session, request))
                         for _ in range(2))
            if pair[0].patient.first_name == "Olga":
                pair[0].patient.sms_opted_out_at = NOW - timedelta(days=1)
            session.flush()
            if pair[0].patient.first_name == "Carl":
                for p in pair:
                    cancel(session, procedure_id=p.id, reason="rebooked", actor="test",
                           now=NOW)
            twins.append((pair[0].id, pair[1].id))
    return twins


def _logged(container: Container, session: Any, request: ProcedureIn) -> int:
    [logged] = log_procedures(session, requests=[request], plans=container.plans,
                              phone_region="US", queue=container.queue, now=NOW, by="test")
    assert isinstance(logged, Logged)
    return logged.procedure_id


def plan_alone(container: Container, ids: list[int], *, plans: Any = None,
               now: datetime = NOW) -> None:
    for procedure_id in ids:
        with transaction(container.sessions) as session:
            replan(session, procedure_ids=[procedure_id], plans=plans or container.plans,
                   policy=container.planning_policy, now=now)


def plan_batch(container: Container, *, plans: Any = None, now: datetime = NOW,
               limit: int = 500) -> int:
    with transaction(container.sessions) as session:
        return plan_pending(session, plans=plans or container.plans,
                            policy=container.planning_policy, now=now, limit=limit)


def outbox(container: Container, procedure_id: int) -> dict[tuple[str, str], tuple[Any, ...]]:
    with container.sessions() as session:
        rows = session.scalars(select(Message).where(Message.procedure_id == procedure_id))
        return {(m.step, m.channel): tuple(getattr(m, c) for c in COLUMNS) for m in rows}


def assert_same_as_alone(container: Container, twins: list[tuple[int, int]]) -> None:
    with container.sessions() as session:
        for (alone, batched), (case, _, _) in zip(twins, CASES, strict=True):
            a, b = session.get(Procedure, alone), session.get(Procedure, batched)
            assert a is not None and b is not None
            assert (b.planned_at, b.plan_version, b.status) == (
                a.planned_at, a.plan_version, a.status), case
            assert outbox(container, batched) == outbox(container, alone), case
            keys = session.scalars(select(Message.dedupe_key)
                                   .where(Message.procedure_id == batched)).all()
            assert all(k.startswith(f"plan:{batched}:") for k in keys), case


def message_count(container: Container) -> int:
    with container.sessions() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def test_batch_writes_what_planning_alone_writes(container: Container) -> None:
    twins = log_twins(container)
    plan_alone(container, [a for a, _ in twins])
    assert plan_batch(container) == len(twins)
    assert_same_as_alone(container, twins)
    by_case = {case: outbox(container, b) for (_, b), (case, _, _) in zip(twins, CASES,
                                                                          strict=True)}
    assert by_case["cancelled before planning"] == {}
    opted_out = [row for key, row in by_case["opted out of SMS"].items() if key[1] == "sms"]
    assert opted_out and all(r[3] == "skipped" for r in opted_out)
    assert any(r[3] == "skipped" for r in by_case["logged days late"].values())


def test_a_second_run_writes_nothing(container: Container) -> None:
    twins = log_twins(container)
    assert plan_batch(container) == 2 * len(twins)
    before = message_count(container)
    assert before > 0
    assert plan_batch(container) == 0
    # Planning one of them again (a reschedule, a retried task) adds no row either.
    plan_alone(container, [b for _, b in twins])
    assert message_count(container) == before


def test_replanning_after_a_plan_edit_matches_planning_alone(container: Container) -> None:
    """Unsent rows rewritten, a step removed from the plan cancelled, a sent row untouched."""
    twins = log_twins(container)
    plan_batch(container)
    plan = container.plans["sclerotherapy"]
    dropped = plan.steps[1].key
    edited = {**container.plans,
              "sclerotherapy": plan.model_copy(update={"steps": plan.steps[:1] + plan.steps[2:],
                                                       "version": plan.version + 1})}
    with transaction(container.sessions) as session:
        for procedure_id in (i for pair in twins for i in pair):
            first = session.scalars(select(Message).where(Message.procedure_id == procedure_id)
                                    .order_by(Message.step, Message.channel)).first()
            if first is not None:
                first.status, first.sent_at = "sent", NOW
        session.execute(update(Procedure).values(planned_at=None))
    later = NOW + timedelta(hours=5)
    plan_alone(container, [a for a, _ in twins], plans=edited, now=later)
    assert plan_batch(container, plans=edited, now=later) == len(twins)
    assert_same_as_alone(container, twins)
    rows = outbox(container, twins[0][1])
    assert {r[3] for k, r in rows.items() if k[0] == dropped} == {"cancelled"}
    assert {r[4] for k, r in rows.items() if k[0] == dropped} == {
        "step removed from the care plan"}
    assert sum(r[3] == "sent" for r in rows.values()) == 1


def add_procedures(container: Container, count: int, *, performed_at: datetime) -> None:
    """Logged procedures straight into the tables: many, fast."""
    with transaction(container.sessions) as session:
        for i in range(count):
            patient = Patient(first_name=f"P{i}", phone=f"+1212555{i:04d}",
                              email=f"p{i}@example.org", timezone="America/New_York",
                              language="en", sms_consent=True, email_consent=i % 3 != 0)
            session.add(Procedure(location_id=DEFAULT_LOCATION,
                                  patient=patient, procedure_type="sclerotherapy",
                                  performed_at=performed_at, status="active"))


def test_a_batch_takes_a_handful_of_statements(container: Container) -> None:
    add_procedures(container, 100, performed_at=NOW - timedelta(minutes=10))
    with counting_statements(container) as statements:
        assert plan_batch(container, limit=100) == 100
    # Procedures, patients, messages; one stamp per plan version; the new rows in one INSERT
    # (PostgreSQL) or pages of 1,000 (SQLite).
    assert message_count(container) > 1_000
    assert len(statements) <= 7, statements
    assert statements.count("INSERT") <= 2


def test_the_sweep_plans_in_batches_up_to_its_limit(
        db_url: str, make_container: Callable[..., Container]) -> None:
    # created_at is the real time of logging: plan with a real clock.
    container = make_container(db_url)
    now = datetime.now(UTC)
    add_procedures(container, 250, performed_at=now - timedelta(minutes=10))

    def sweep(**kwargs: Any) -> int:
        return plan_unplanned(sessions=container.sessions, plans=container.plans,
                              policy=container.planning_policy, clock=container.clock, **kwargs)

    assert sweep() == 0  # logged under 30 s ago: the API's wake-up plans those
    commits: list[object] = []
    event.listen(container.engine, "commit", commits.append)
    assert sweep(older_than=timedelta(0), limit=230) == 230
    assert len(commits) == 2  # a batch of 200, then one of 30
    assert sweep(older_than=timedelta(0)) == 20
    assert sweep(older_than=timedelta(0)) == 0
    with container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Procedure)
                              .where(Procedure.planned_at.is_(None))) == 0


def test_concurrent_planners_plan_each_procedure_once(container: Container) -> None:
    add_procedures(container, 300, performed_at=NOW - timedelta(minutes=10))
    start = threading.Barrier(2)
    planned: list[int] = []

    def planner() -> None:
        start.wait()
        while (count := plan_batch(container, limit=25)) > 0:
            planned.append(count)

    errors = in_threads(planner)
    assert errors == []
    assert sum(planned) == 300
    with container.sessions() as session:
        per_procedure = session.execute(
            select(Message.procedure_id, func.count()).group_by(Message.procedure_id)).all()
        keys = session.scalar(select(func.count(func.distinct(Message.dedupe_key))))
        unplanned = session.scalar(select(func.count()).select_from(Procedure)
                                   .where(Procedure.planned_at.is_(None)))
    assert len(per_procedure) == 300 and unplanned == 0
    assert len({n for _, n in per_procedure}) <= 2  # with or without email
    assert keys == message_count(container)


def test_a_procedure_whose_care_plan_is_gone_waits_without_blocking_the_others(
        container: Container) -> None:
    """A schedules/ file removed after procedures of its type were logged: those wait (and
    the sweep says so), every other procedure is planned as usual."""
    add_procedures(container, 3, performed_at=NOW - timedelta(minutes=10))
    with transaction(container.sessions) as session:
        oldest = session.scalars(select(Procedure).order_by(Procedure.id)).first()
        assert oldest is not None
        oldest.procedure_type = "retired-plan"
    assert plan_batch(container, limit=10) == 2
    assert plan_batch(container, limit=10) == 0
    with container.sessions() as session:
        assert waiting_for_a_plan(session, plans=container.plans) == {"retired-plan": 1}
        assert session.get_one(Procedure, oldest.id).planned_at is None


def test_one_wake_up_plans_everything_logged_before_it(
        db_url: str, make_container: Callable[..., Container]) -> None:
    """Two batch imports in one wake-up window send one wake-up: its task plans both, not
    just the sweep's page of 500."""
    container = make_container(db_url)  # created_at is the real time of logging
    add_procedures(container, 700, performed_at=datetime.now(UTC) - timedelta(minutes=10))
    app = celery_app(container.settings, container=container)
    app.loader.import_default_modules()  # what the worker does: aftercare.worker's tasks
    assert app.tasks["aftercare.plan_pending"]() == 700
