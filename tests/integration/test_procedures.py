"""Logging, planning, rescheduling and cancelling through the HTTP API, on SQLite and PostgreSQL.

The queue is a recording fake here: these tests run the planning service the way the worker
task does. tests/integration/test_worker.py covers the real Celery worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure
from aftercare.db.session import transaction
from tests.conftest import FrozenClock
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload
from tests.support.queue import run_planning

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container) as client:
        yield client


def counts(container: Container) -> tuple[int, int, int]:
    with container.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Patient)) or 0,
                s.scalar(select(func.count()).select_from(Procedure)) or 0,
                s.scalar(select(func.count()).select_from(Message)) or 0)


def test_log_then_plan(api: TestClient, container: Container) -> None:
    response = api.post("/api/procedures", json=procedure_payload(NOW - timedelta(minutes=10)))
    assert response.status_code == 201, response.text
    procedure_id = response.json()["id"]
    # The response does not wait for planning: the task is only queued, after the commit.
    assert container.queue.planning == 1  # type: ignore[attr-defined]
    assert api.get(f"/api/procedures/{procedure_id}").json()["messages"] == []

    run_planning(container)
    body = api.get(f"/api/procedures/{procedure_id}").json()
    assert body["planned"] is True
    assert body["patient"]["phone"].startswith("+1212555")
    messages = body["messages"]
    assert len(messages) >= 8
    for m in messages:
        assert {"step", "channel", "due_at", "status", "reason", "local_time"} <= m.keys()
        assert m["status"] in {"planned", "skipped"}
    keys = [(m["step"], m["channel"]) for m in messages]
    assert len(keys) == len(set(keys))
    # Planning again (a retried task, the sweep) adds nothing.
    container.queue.planning += 1  # type: ignore[attr-defined]
    before = counts(container)
    run_planning(container)
    assert counts(container) == before


def test_same_external_id_returns_the_same_procedure(api: TestClient, container: Container
                                                     ) -> None:
    payload = procedure_payload(NOW, external_id="visit-8812")
    first = api.post("/api/procedures", json=payload)
    again = api.post("/api/procedures", json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert container.queue.planning == 1  # type: ignore[attr-defined]
    assert counts(container)[1] == 1


def test_several_procedures_for_one_patient(api: TestClient, container: Container) -> None:
    person = patient_payload(external_id="MRN-1")
    left = api.post("/api/procedures", json=procedure_payload(NOW, patient=person, side="left"))
    right = api.post("/api/procedures", json=procedure_payload(NOW, patient=person,
                                                               side="right"))
    assert left.status_code == right.status_code == 201
    run_planning(container)
    patients, procedures, _ = counts(container)
    assert (patients, procedures) == (1, 2)
    for response in (left, right):
        assert api.get(f"/api/procedures/{response.json()['id']}").json()["messages"]


BAD_INPUT = [
    ("unknown procedure type", {"procedure_type": "laser-hair-removal"},
     "known: endovenous-thermal-ablation, sclerotherapy, ultrasound-guided-foam-sclerotherapy"),
    ("invalid phone", {"patient": patient_payload(phone="555-12")}, "phone"),
    ("naive datetime", {"performed_at": "2026-03-02T10:00:00"}, "timezone"),
    ("missing consent", {"patient": {k: v for k, v in patient_payload().items()
                                     if k != "sms_consent"}}, "sms_consent"),
    ("unknown time zone", {"patient": patient_payload(timezone="Mars/Olympus")}, "time zone"),
    ("email consent without address", {"patient": patient_payload(email=None)}, "email"),
    ("unknown field", {"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize(("case", "change", "says"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_refused_and_writes_nothing(api: TestClient, container: Container,
                                                 case: str, change: dict[str, object],
                                                 says: str) -> None:
    payload = {**procedure_payload(NOW), **change}
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 422, response.text
    assert says in response.text
    assert counts(container) == (0, 0, 0)
    assert container.queue.planning == 0  # type: ignore[attr-defined]


def test_auth_is_required(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        assert client.post("/api/procedures", json=procedure_payload(NOW)).status_code == 401
        client.headers["Authorization"] = "Bearer act_forged"
        assert client.get("/api/procedures/1").status_code == 401
    assert counts(container) == (0, 0, 0)


def test_oversized_body_is_refused(api: TestClient, container: Container) -> None:
    payload = procedure_payload(NOW, clinician="x" * 200_000)
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 413
    assert counts(container) == (0, 0, 0)


def test_reschedule_replans_unsent_messages(api: TestClient, container: Container) -> None:
    procedure_id = api.post("/api/procedures", json=procedure_payload(NOW)).json()["id"]
    run_planning(container)
    before = {(m["step"], m["channel"]): m for m in
              api.get(f"/api/procedures/{procedure_id}").json()["messages"]}
    later = NOW + timedelta(days=2)
    response = api.patch(f"/api/procedures/{procedure_id}",
                         json={"performed_at": later.isoformat(), "timezone": "America/Chicago"})
    assert response.status_code == 200, response.text
    after = {(m["step"], m["channel"]): m for m in response.json()["messages"]}
    assert after.keys() == before.keys()
    moved = [k for k in after if after[k]["due_at"] != before[k]["due_at"]]
    assert len(moved) == len(after)
    assert response.json()["patient"]["timezone"] == "America/Chicago"
    assert counts(container)[2] == len(before)


def test_reschedule_leaves_sent_messages_alone(api: TestClient, container: Container) -> None:
    procedure_id = api.post("/api/procedures", json=procedure_payload(NOW)).json()["id"]
    run_planning(container)
    with transaction(container.sessions) as session:
        first = session.scalars(select(Message).where(Message.procedure_id == procedure_id)
                                .order_by(Message.due_at)).first()
        assert first is not None
        first.status, first.sent_at = "sent", NOW
        sent_id, sent_due = first.id, first.due_at
    api.patch(f"/api/procedures/{procedure_id}",
              json={"performed_at": (NOW + timedelta(days=1)).isoformat()})
    with container.sessions() as session:
        row = session.get(Message, sent_id)
        assert row is not None and row.status == "sent" and row.due_at == sent_due


def test_cancel_cancels_unsent(api: TestClient, container: Container) -> None:
    procedure_id = api.post("/api/procedures", json=procedure_payload(NOW)).json()["id"]
    run_planning(container)
    response = api.post(f"/api/procedures/{procedure_id}/cancel",
                        json={"reason": "patient moved away"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    statuses = {m["status"] for m in body["messages"]}
    assert "planned" not in statuses
    assert any("patient moved away" in (m["reason"] or "") for m in body["messages"])
    # A cancelled procedure cannot be rescheduled back to life.
    again = api.patch(f"/api/procedures/{procedure_id}",
                      json={"performed_at": NOW.isoformat()})
    assert again.status_code == 422


def test_unknown_procedure_is_404(api: TestClient) -> None:
    assert api.get("/api/procedures/999").status_code == 404
