"""Reading every unread reply (aftercare/replies/sweep.py, what the worker's wake-up runs) on
SQLite and PostgreSQL: each reply matched and read once, oldest first, in its own
transaction; two sweeps at once claim each reply once; a check-in texted after a reply
arrived is not the one it answers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply, ReplyReading
from aftercare.db.session import transaction
from aftercare.replies import processing
from aftercare.replies.reading import read_reply
from aftercare.replies.sweep import ReadReport, read_unread
from tests.conftest import FrozenClock
from tests.support.factories import DEFAULT_LOCATION
from tests.support.threads import in_threads
from tests.support.webhooks import inbound_fields
from tests.support.webhooks import receive as webhook

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
URGENT = "my calf is swollen hot and painful"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container],
              clock: FrozenClock) -> Container:
    return make_container(db_url, clock=clock, settings={
        "oncall_phone": "+12125550100", "oncall_email": "oncall@clinic.example.org"})


def add_patient(container: Container, phone: str, *, sent: dict[str, datetime] | None = None
                ) -> tuple[int, int, dict[str, int]]:
    """A patient with a sclerotherapy procedure and these check-ins texted to them (step:
    when). Returns (patient id, procedure id, check-in id by step)."""
    with transaction(container.sessions) as session:
        patient = Patient(first_name="Maria", phone=phone, email=None,
                          timezone="America/New_York", language="en", sms_consent=True,
                          email_consent=False)
        procedure = Procedure(location_id=DEFAULT_LOCATION,
                              patient=patient, procedure_type="sclerotherapy",
                              performed_at=NOW - timedelta(days=3), status="active",
                              planned_at=NOW - timedelta(days=3))
        session.add(procedure)
        session.flush()
        check_ins = {}
        for step, at in (sent or {}).items():
            message = Message(
                dedupe_key=f"plan:{procedure.id}:{step}:sms", procedure_id=procedure.id,
                patient_id=patient.id, step=step, channel="sms", kind="check_in",
                status="sent", due_at=at, send_after=at, local_due=at.isoformat(),
                language="en", body=f"{step}?", attempts=1, sent_at=at)
            session.add(message)
            session.flush()
            check_ins[step] = message.id
        return patient.id, procedure.id, check_ins


def receive(container: Container, phone: str, body: str) -> int:
    """The reply as the webhook takes it in (the reply writer for plain replies)."""
    return webhook(container, inbound_fields(phone, body))


def sweep(container: Container, sessions: Any = None) -> ReadReport:
    return read_unread(sessions=sessions or container.sessions, plans=container.plans,
                       settings=container.settings, clock=container.clock,
                       queue=container.queue)


def replies(container: Container) -> dict[int, Reply]:
    with container.sessions() as session:
        return {r.id: r for r in session.scalars(select(Reply))}


def readings(container: Container) -> int:
    with container.sessions() as session:
        return session.scalar(select(func.count()).select_from(ReplyReading)) or 0


def test_every_unread_reply_is_matched_and_read_once(container: Container) -> None:
    phones = ["+12125550111", "+12125550112", "+12125550113"]
    patients = [add_patient(container, phone, sent={"day1_check_in": NOW - timedelta(hours=2)})
                for phone in phones]
    answers = [receive(container, phone, "2") for phone in phones]
    stranger = receive(container, "+13105550123", "thanks!")
    stop = receive(container, phones[2], "STOP")  # a keyword: honoured at once, never read

    assert sweep(container) == ReadReport(read=4, urgent=0, failed=0)
    assert sweep(container) == ReadReport(read=0, urgent=0, failed=0)

    stored = replies(container)
    for reply_id, (patient_id, procedure_id, check_ins) in zip(answers, patients, strict=True):
        reply = stored[reply_id]
        assert (reply.patient_id, reply.procedure_id, reply.answers_message_id) == (
            patient_id, procedure_id, check_ins["day1_check_in"])
        assert reply.read_at == NOW
        assert set(reply.present) == {"bruising", "itching", "pain"}  # read as answer 2
    assert stored[stranger].patient_id is None and stored[stranger].triage == "review"
    assert stored[stop].keyword == "opt_out" and stored[stop].reading is None
    assert readings(container) == 4


class SweepsInStep:
    """A session factory for concurrent sweeps: each sweep lists the unread replies, then
    waits for the others to have listed them too, so they all go for the same replies."""

    def __init__(self, sessions: sessionmaker[Session], sweeps: int) -> None:
        self._sessions = sessions
        self._listed = threading.Barrier(sweeps)
        self._calls = threading.local()

    def __call__(self) -> Session:
        calls = getattr(self._calls, "n", 0)
        self._calls.n = calls + 1
        if calls == 1:  # the first reply's transaction: every sweep has its list
            self._listed.wait(30)
        return self._sessions()


def test_two_sweeps_at_once_act_on_an_urgent_reply_once(container: Container) -> None:
    phones = [f"+1212555012{i}" for i in range(4)]
    for phone in phones:
        add_patient(container, phone)
    urgent = [receive(container, phone, URGENT) for phone in phones]
    in_step = cast(sessionmaker[Session], SweepsInStep(container.sessions, 2))
    reports: list[ReadReport] = []
    errors = in_threads(lambda: reports.append(sweep(container, in_step)), timeout=60)
    assert errors == [] and len(reports) == 2
    assert [r.failed for r in reports] == [0, 0]
    assert sum(r.urgent for r in reports) == len(urgent)  # each reply acted on by one sweep
    with container.sessions() as session:
        queued = session.execute(
            select(Message.reply_id, Message.kind, Message.channel, Message.audience)
            .where(Message.reply_id.is_not(None))).all()
    for reply_id in urgent:
        assert sorted(row[1:] for row in queued if row[0] == reply_id) == [
            ("alert", "email", "clinician"), ("alert", "sms", "clinician"),
            ("safety", "sms", "patient")]
    assert readings(container) == len(urgent)
    assert all(r.triage == "urgent" and r.escalation_level == 1
               for r in replies(container).values())


def test_a_reply_that_fails_to_read_is_set_aside_for_a_person_and_the_others_are_read(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    phone = "+12125550131"
    add_patient(container, phone)
    ids = [receive(container, phone, body) for body in ("a bit sore", "boom", "all good")]
    seen: list[str] = []

    def read_or_fail(text: str, **kwargs: Any) -> Any:
        seen.append(text)
        if text == "boom":
            raise ValueError("the reader tripped")
        return read_reply(text, **kwargs)

    monkeypatch.setattr(processing, "read_reply", read_or_fail)
    assert sweep(container) == ReadReport(read=2, urgent=0, failed=1)
    assert seen == ["a bit sore", "boom", "all good"]  # oldest first
    stored = replies(container)
    assert stored[ids[0]].read_at == stored[ids[2]].read_at == NOW
    # Its reading rolled back; it waits in the review queue with the reason instead.
    failed = stored[ids[1]]
    assert failed.read_error == "could not be read automatically (ValueError)"
    assert (failed.triage, failed.review_status, failed.read_at) == ("review", "open", NOW)
    assert readings(container) == 2

    monkeypatch.undo()
    assert sweep(container) == ReadReport(read=0, urgent=0, failed=0)  # not retried
    with transaction(container.sessions) as session:  # `aftercare replies reread`
        assert processing.reread(session, reply_id=ids[1], plans=container.plans,
                                 settings=container.settings, now=NOW, queue=container.queue)
    assert replies(container)[ids[1]].read_error is None


def test_a_check_in_texted_after_the_reply_arrived_is_not_the_one_it_answers(
        container: Container, clock: FrozenClock) -> None:
    phone, other = "+12125550141", "+12125550142"
    _, procedure_id, check_ins = add_patient(container, phone, sent={
        "day1_check_in": NOW - timedelta(hours=3), "day3_leg_screen": NOW - timedelta(minutes=30)})
    _, other_procedure, _ = add_patient(container, other, sent={
        "day1_check_in": NOW - timedelta(minutes=30)})
    clock.now = NOW - timedelta(hours=1)  # both replies arrived before the latest texts
    answer = receive(container, phone, "2")
    early = receive(container, other, "2")
    clock.now = NOW  # and are read now, after them

    assert sweep(container).read == 2
    stored = replies(container)
    assert stored[answer].received_at == NOW - timedelta(hours=1)
    assert stored[answer].answers_message_id == check_ins["day1_check_in"]
    assert (stored[answer].procedure_id, stored[early].procedure_id) == (
        procedure_id, other_procedure)
    assert stored[early].answers_message_id is None  # no check-in texted before it


def test_a_run_reads_every_page_and_a_failing_reply_does_not_stop_it(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wake-up stands for every reply stored in its window: a run goes page after page
    until none is left, and a reply that fails is not met again in the same run."""
    phone = "+12125550132"
    add_patient(container, phone)
    bodies = ["boom", *(f"a bit sore {n}" for n in range(6))]
    ids = [receive(container, phone, body) for body in bodies]

    def read_or_fail(text: str, **kwargs: Any) -> Any:
        if text == "boom":
            raise ValueError("the reader tripped")
        return read_reply(text, **kwargs)

    monkeypatch.setattr(processing, "read_reply", read_or_fail)
    report = read_unread(sessions=container.sessions, plans=container.plans,
                         settings=container.settings, clock=container.clock,
                         queue=container.queue, page=2)
    assert report == ReadReport(read=6, urgent=0, failed=1)
    stored = replies(container)
    assert all(stored[i].read_at == NOW for i in ids)
    assert [stored[i].read_error is not None for i in ids] == [True] + [False] * 6


def test_a_red_flag_is_read_ahead_of_every_reply_waiting(container: Container) -> None:
    """The webhook ranks a text that alone reads as a red flag first, so a backlog of
    ordinary replies never holds up its safety text; each is still read in full, once."""
    phone = "+12125550133"
    add_patient(container, phone, sent={"day1_check_in": NOW - timedelta(hours=2)})
    ordinary = [receive(container, phone, f"a bit sore {n}") for n in range(25)]
    red_flag = receive(container, phone, URGENT)
    stored = replies(container)
    assert stored[red_flag].triage_rank == 0 and {stored[i].triage_rank for i in ordinary} == {9}

    assert sweep(container) == ReadReport(read=26, urgent=1, failed=0)
    with container.sessions() as session:
        order = session.scalars(select(ReplyReading.reply_id).order_by(ReplyReading.id)).all()
    assert order == [red_flag, *ordinary]
    stored = replies(container)
    assert stored[red_flag].triage == "urgent" and stored[red_flag].triage_rank == 0
    assert "urgent" not in {stored[i].triage for i in ordinary}


def test_a_run_hands_the_thread_back_after_its_budget(container: Container) -> None:
    phone = "+12125550134"
    add_patient(container, phone)
    for n in range(3):
        receive(container, phone, f"a bit sore {n}")
    report = read_unread(sessions=container.sessions, plans=container.plans,
                         settings=container.settings, clock=container.clock,
                         queue=container.queue, budget_seconds=0)
    assert report == ReadReport(read=0, urgent=0, failed=0)  # the next wake-up's
    assert sweep(container).read == 3
