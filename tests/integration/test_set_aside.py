"""No poison pills: a row already stored that cannot be planned, sent or read is set aside
with its reason, and every other row is still planned, sent and read. The bad rows are
planted straight in the database (as an import or an older release could have left them),
beside good ones, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.exc import DataError

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import create_app
from aftercare.channels.base import Outgoing, RecordingChannel, Sent
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.dispatch.policy import DispatchPolicy
from aftercare.dispatch.reconcile import reconcile_stuck
from aftercare.errors import InvalidRequest
from aftercare.observability.stuck import stuck_work
from aftercare.procedures.schemas import ProcedurePatch
from aftercare.procedures.service import reschedule
from aftercare.replies.sweep import read_unread
from aftercare.review.service import open_queue
from tests.conftest import FrozenClock
from tests.support.factories import DEFAULT_LOCATION, add_due_messages
from tests.support.queue import run_planning

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)  # a scheduling system's "no date"


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


def plant_procedure(container: Container, *, performed_at: datetime = NOW - timedelta(hours=1),
                    timezone: str = "America/New_York", language: str = "en",
                    phone: str = "+12125550100") -> int:
    with transaction(container.sessions) as session:
        procedure = Procedure(
            location_id=DEFAULT_LOCATION,
            patient=Patient(first_name="Maria", phone=phone, email="maria@example.org",
                            timezone=timezone, language=language, sms_consent=True,
                            email_consent=True),
            procedure_type="sclerotherapy", performed_at=performed_at, status="active",
            created_at=NOW - timedelta(minutes=10))
        session.add(procedure)
        session.flush()
        return procedure.id


def procedure_row(container: Container, procedure_id: int) -> Procedure:
    with container.sessions() as session:
        procedure = session.get_one(Procedure, procedure_id)
        procedure.messages  # noqa: B018 - loaded before the session closes
        return procedure


def test_a_procedure_that_cannot_be_planned_is_set_aside_and_the_rest_are_planned(
        container: Container) -> None:
    # The bad rows come first: before, the first of them failed every batch after it.
    bad = {
        "year one": plant_procedure(container, performed_at=YEAR_ONE, phone="+12125550101"),
        "unknown zone": plant_procedure(container, timezone="Mars/Olympus_Mons",
                                        phone="+12125550102"),
        "unknown language": plant_procedure(container, language="xx", phone="+12125550103"),
    }
    good = [plant_procedure(container, phone=f"+1212555020{i}") for i in range(3)]

    assert run_planning(container) == 6  # three planned, three set aside
    for procedure_id in good:
        procedure = procedure_row(container, procedure_id)
        assert procedure.planned_at == NOW and procedure.plan_error is None
        assert len(procedure.messages) > 5
    reasons = {case: procedure_row(container, pid).plan_error for case, pid in bad.items()}
    assert reasons == {
        "year one": "a date is out of range (performed or follow-up): correct it",
        "unknown zone": "the patient's time zone is not one this server knows: choose another",
        "unknown language": "the patient's language is not one the care plans are written in",
    }
    for procedure_id in bad.values():
        procedure = procedure_row(container, procedure_id)
        assert procedure.planned_at is None and procedure.messages == []
    assert run_planning(container) == 0  # set aside: no longer picked up
    with container.sessions() as session:
        stuck = stuck_work(session, now=NOW)
    assert stuck.procedures_set_aside == 3 and stuck.procedures_unplanned == 0

    # The good ones go out; nothing of the set-aside ones does.
    report = dispatch_due(sessions=container.sessions, channels=container.channels,
                          policy=container.dispatch_policy, clock=container.clock)
    sms = container.channels["sms"]
    assert isinstance(sms, RecordingChannel)
    assert report.sent >= 3 and report.set_aside == 0
    sent_to = {m.to for m in sms.sent}
    assert {"+12125550200", "+12125550201", "+12125550202"} <= sent_to
    assert not sent_to & {"+12125550101", "+12125550102", "+12125550103"}


def test_a_reschedule_that_plans_it_clears_the_reason(container: Container) -> None:
    year_one = plant_procedure(container, performed_at=YEAR_ONE)
    zone = plant_procedure(container, timezone="Mars/Olympus_Mons", phone="+12125550104")
    run_planning(container)

    with pytest.raises(InvalidRequest) as refused, transaction(container.sessions) as session:
        reschedule(session, procedure_id=zone,
                   patch=ProcedurePatch(performed_at=NOW - timedelta(hours=2)),
                   plans=container.plans, policy=container.planning_policy, now=NOW,
                   actor="test")
    assert refused.value.field == ("timezone",)
    assert "time zone" in refused.value.message
    unchanged = procedure_row(container, zone)
    assert unchanged.performed_at == NOW - timedelta(hours=1) and unchanged.plan_error

    for procedure_id, patch in ((year_one, ProcedurePatch(performed_at=NOW - timedelta(hours=2))),
                                (zone, ProcedurePatch(timezone="America/Chicago"))):
        with transaction(container.sessions) as session:
            reschedule(session, procedure_id=procedure_id, patch=patch, plans=container.plans,
                       policy=container.planning_policy, now=NOW, actor="test")
        procedure = procedure_row(container, procedure_id)
        assert procedure.plan_error is None and procedure.planned_at == NOW
        assert any(m.status == "planned" for m in procedure.messages)


def test_a_message_that_cannot_be_prepared_is_set_aside_and_the_rest_go_out(
        container: Container) -> None:
    good = add_due_messages(container.sessions, count=6, due_at=NOW - timedelta(minutes=1),
                            patients=3)
    with transaction(container.sessions) as session:
        # Planned before its patient's zone was broken (an import, a hand edit).
        patient = session.get_one(Message, good[0]).patient
        assert patient is not None
        patient.timezone = "Mars/Olympus_Mons"
        broken = [m.id for m in session.scalars(
            select(Message).where(Message.patient_id == patient.id))]
    report = dispatch_due(sessions=container.sessions, channels=container.channels,
                          policy=container.dispatch_policy, clock=container.clock)
    assert report.set_aside == len(broken) == 2
    assert report.sent == 4
    with container.sessions() as session:
        for message in session.scalars(select(Message)):
            if message.id in broken:
                assert message.status == "failed"
                assert message.reason == ("set aside: the patient's time zone is not one "
                                          "this server knows")
            else:
                assert message.status == "sent"
        assert stuck_work(session, now=NOW).messages_set_aside_recently == 2
    # Not retried: the next run finds nothing to do.
    again = dispatch_due(sessions=container.sessions, channels=container.channels,
                         policy=container.dispatch_policy, clock=container.clock)
    assert again.claimed == 0


def plant_reply(container: Container, sid: str, body: str, *, phone: str,
                received_at: datetime = NOW - timedelta(minutes=5)) -> int:
    with transaction(container.sessions) as session:
        reply = Reply(message_sid=sid, from_phone=phone, to_phone="+15550100000", body=body,
                      media=[], received_at=received_at)
        session.add(reply)
        session.flush()
        return reply.id


def test_a_reply_that_cannot_be_read_goes_to_a_person_and_the_rest_are_read(
        container: Container) -> None:
    phone = "+12125550300"
    plant_procedure(container, phone=phone)
    bad = plant_reply(container, "SM-bad", "is this normal?", phone=phone,
                      received_at=YEAR_ONE)  # matching looks back from it: out of range
    good = [plant_reply(container, "SM-good-1", "all fine, walking daily", phone=phone),
            plant_reply(container, "SM-good-2", "my calf is swollen hot and painful",
                        phone=phone)]

    def sweep() -> tuple[int, int]:
        report = read_unread(sessions=container.sessions, plans=container.plans,
                             settings=container.settings, clock=container.clock,
                             queue=container.queue)
        return report.read, report.failed

    assert sweep() == (2, 1)
    with container.sessions() as session:
        replies = {r.id: r for r in session.scalars(select(Reply))}
        assert replies[good[0]].triage in ("none", "routine")
        assert replies[good[1]].triage == "urgent"
        set_aside = replies[bad]
        assert set_aside.read_error == "could not be read automatically (OverflowError)"
        assert (set_aside.triage, set_aside.review_status) == ("review", "open")
        assert set_aside.read_at == NOW
        assert bad in [item.reply.id for item in open_queue(session)]
        assert stuck_work(session, now=NOW).replies_set_aside_open == 1
    assert sweep() == (0, 0)  # read once: a person has it now


def test_a_message_whose_send_keeps_raising_is_set_aside_after_the_last_attempt(
        container: Container) -> None:
    [bad, good] = add_due_messages(container.sessions, count=2, due_at=NOW - timedelta(minutes=1),
                                   patients=2)

    class Tripping(RecordingChannel):
        def send(self, message: Outgoing) -> Sent:
            if message.message_id == bad:
                raise RuntimeError("the adapter tripped on this one")
            return super().send(message)

    container.channels["sms"] = sms = Tripping()
    policy = DispatchPolicy(sending_timeout_seconds=60, max_attempts=3)
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    for attempt in range(1, 4):
        report = dispatch_due(sessions=container.sessions, channels=container.channels,
                              policy=policy, clock=clock)
        assert report.errors == 1  # left "sending": the provider may have it
        clock.now += timedelta(minutes=2)
        reconcile_stuck(sessions=container.sessions, channels=container.channels,
                        policy=policy, clock=clock)  # not found there: again, or set aside
        with container.sessions() as session:
            row = session.get_one(Message, bad)
            assert row.status == ("planned" if attempt < 3 else "failed")
    assert row.reason == "set aside: interrupted mid-send 3 times; see the worker's log"
    assert [m.message_id for m in sms.sent] == [good]


def test_a_procedure_whose_rows_the_database_refuses_is_set_aside_and_the_rest_planned(
        container: Container) -> None:
    ids = [plant_procedure(container, phone=f"+1212555050{i}") for i in range(3)]
    refused = ids[1]

    def refuse(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # What PostgreSQL says of a value too long for its column, for this procedure only.
        if statement.lstrip().upper().startswith("INSERT") and f"plan:{refused}:" in str(
                parameters):
            raise DataError(statement, None, Exception("value too long"))

    event.listen(container.engine, "before_cursor_execute", refuse)
    try:
        assert run_planning(container) == 3
    finally:
        event.remove(container.engine, "before_cursor_execute", refuse)
    set_aside = procedure_row(container, refused)
    assert set_aside.plan_error == ("its messages could not be stored (DataError); "
                                    "see the log")
    assert set_aside.planned_at is None and set_aside.messages == []
    for procedure_id in (ids[0], ids[2]):
        procedure = procedure_row(container, procedure_id)
        assert procedure.planned_at == NOW and len(procedure.messages) > 5


def test_the_api_shows_the_reason_and_a_patch_that_plans_it_clears_it(
        container: Container) -> None:
    zone = plant_procedure(container, timezone="Mars/Olympus_Mons")
    run_planning(container)
    with transaction(container.sessions) as session:
        token = create_token(session, name="front desk", role="staff")
    with TestClient(create_app(container)) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        shown = api.get(f"/api/procedures/{zone}").json()
        assert shown["planned"] is False
        assert shown["plan_error"] == ("the patient's time zone is not one this server "
                                       "knows: choose another")
        refused = api.patch(f"/api/procedures/{zone}",
                            json={"performed_at": (NOW - timedelta(hours=2)).isoformat()})
        assert refused.status_code == 422, refused.text
        assert "time zone" in refused.text
        assert api.get(f"/api/procedures/{zone}").json()["performed_at"] == "2026-03-02T14:00:00Z"
        fixed = api.patch(f"/api/procedures/{zone}", json={"timezone": "America/New_York"})
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["planned"] is True and fixed.json()["plan_error"] is None
        assert fixed.json()["messages"]
