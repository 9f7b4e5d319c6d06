"""POST /api/procedures/batch, on SQLite and PostgreSQL: all or none, results in the order
sent, every problem located by its procedure's index, and the worker woken once per new
procedure after the commit. Also the single POST's problems, located without an index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import Patient, Procedure
from aftercare.db.session import transaction
from aftercare.procedures.schemas import MAX_BATCH
from aftercare.queue import RecordingQueue
from tests.conftest import FrozenClock
from tests.support.factories import patient_payload, procedure_payload

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class CommitCheckingQueue(RecordingQueue):
    """Records, for each wake-up, how many procedures another session could already see:
    the worker must never be sent to look for rows not committed yet."""

    sessions: Any = None
    visible: list[int] = field(default_factory=list)

    def wake_planning(self) -> None:
        with self.sessions() as session:
            self.visible.append(session.scalar(select(func.count()).select_from(Procedure)))
        super().wake_planning()


def make_api(container: Container) -> TestClient:
    with transaction(container.sessions) as session:
        token = create_token(session, name="scheduling system", role="staff")
    client = TestClient(create_app(container))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def queue() -> CommitCheckingQueue:
    return CommitCheckingQueue()


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container],
              queue: CommitCheckingQueue) -> Container:
    container = make_container(db_url, clock=FrozenClock(NOW), queue=queue)
    queue.sessions = container.sessions
    return container


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with make_api(container) as client:
        yield client


def counts(container: Container) -> tuple[int, int]:
    with container.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Patient)) or 0,
                s.scalar(select(func.count()).select_from(Procedure)) or 0)


def batch(*procedures: dict[str, Any]) -> dict[str, Any]:
    return {"procedures": list(procedures)}


def test_a_batch_is_logged_in_order_and_wakes_the_worker_after_the_commit(
        api: TestClient, container: Container, queue: CommitCheckingQueue) -> None:
    sent = [procedure_payload(NOW, side=side, procedure_type=kind, external_id=f"visit-{n}")
            for n, (side, kind) in enumerate([
                ("left", "sclerotherapy"), ("right", "endovenous-thermal-ablation"),
                ("both", "ultrasound-guided-foam-sclerotherapy")])]
    response = api.post("/api/procedures/batch", json=batch(*sent))
    assert response.status_code == 200, response.text
    results = response.json()["procedures"]
    assert [(r["status"], r["created"]) for r in results] == [("active", True)] * 3
    ids = [r["id"] for r in results]
    assert len(set(ids)) == 3
    for payload, procedure_id in zip(sent, ids, strict=True):
        body = api.get(f"/api/procedures/{procedure_id}").json()
        assert (body["external_id"], body["side"], body["procedure_type"]) == (
            payload["external_id"], payload["side"], payload["procedure_type"])
    assert queue.planning == 1  # one wake-up for the batch, after its commit
    assert queue.visible == [3]


def test_logged_before_or_repeated_in_the_batch_is_not_created_again(
        api: TestClient, queue: CommitCheckingQueue, container: Container) -> None:
    first = api.post("/api/procedures/batch", json=batch(
        procedure_payload(NOW, external_id="visit-1"),
        procedure_payload(NOW, external_id="visit-2"))).json()["procedures"]
    again = api.post("/api/procedures/batch", json=batch(
        procedure_payload(NOW, external_id="visit-2"),
        procedure_payload(NOW, external_id="visit-3"),
        procedure_payload(NOW, external_id="visit-3"),
        procedure_payload(NOW, external_id="visit-1")))
    assert again.status_code == 200, again.text
    results = [(r["id"], r["created"]) for r in again.json()["procedures"]]
    visit_3 = results[1][0]
    assert results == [(first[1]["id"], False), (visit_3, True), (visit_3, False),
                       (first[0]["id"], False)]
    assert queue.visible == [2, 3]  # a wake-up after each batch that created something
    assert counts(container)[1] == 3


def test_one_bad_procedure_refuses_the_batch_with_every_problem_located(
        api: TestClient, container: Container, queue: CommitCheckingQueue) -> None:
    response = api.post("/api/procedures/batch", json=batch(
        procedure_payload(NOW),
        procedure_payload(NOW, procedure_type="laser-hair-removal"),
        procedure_payload(NOW, patient=patient_payload(phone="555-12", email=None)),
        procedure_payload(NOW)))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["detail"]] == [
        ["body", "procedures", 1, "procedure_type"],
        ["body", "procedures", 2, "patient", "phone"],
        ["body", "procedures", 2, "patient", "email"]]
    assert counts(container) == (0, 0)
    assert queue.planning == 0


def test_a_malformed_procedure_is_located_by_its_index(
        api: TestClient, container: Container) -> None:
    naive = {**procedure_payload(NOW), "performed_at": "2026-03-02T10:00:00"}
    response = api.post("/api/procedures/batch", json=batch(procedure_payload(NOW), naive))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["detail"]] == [
        ["body", "procedures", 1, "performed_at"]]
    assert counts(container) == (0, 0)


def test_an_empty_batch_is_refused(api: TestClient) -> None:
    assert api.post("/api/procedures/batch", json=batch()).status_code == 422


def test_more_than_the_limit_is_refused(
        db_url: str, make_container: Callable[..., Container]) -> None:
    # A body big enough for the list, so the size limit (413) does not answer first.
    container = make_container(db_url, settings={"max_body_bytes": 1_000_000})
    payload = procedure_payload(NOW)
    with make_api(container) as api:
        response = api.post("/api/procedures/batch", json=batch(*[payload] * (MAX_BATCH + 1)))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "procedures"]
    assert counts(container) == (0, 0)


def test_the_largest_batch_fits_the_default_body_limit(
        api: TestClient, container: Container) -> None:
    payloads = [procedure_payload(NOW, patient=patient_payload(external_id=f"MRN-{n:06d}"),
                                  external_id=f"visit-{n:06d}") for n in range(MAX_BATCH)]
    response = api.post("/api/procedures/batch", json=batch(*payloads))
    assert response.status_code == 200, response.text
    assert counts(container) == (MAX_BATCH, MAX_BATCH)


def test_a_batch_needs_a_token(container: Container) -> None:
    with TestClient(create_app(container)) as client:
        response = client.post("/api/procedures/batch", json=batch(procedure_payload(NOW)))
    assert response.status_code == 401
    assert counts(container) == (0, 0)


def test_a_single_procedure_locates_its_problems_without_an_index(
        api: TestClient, container: Container, queue: CommitCheckingQueue) -> None:
    response = api.post("/api/procedures", json=procedure_payload(
        NOW, procedure_type="laser-hair-removal",
        patient=patient_payload(phone="555-12", email=None)))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["detail"]] == [
        ["body", "procedure_type"], ["body", "patient", "phone"], ["body", "patient", "email"]]
    assert counts(container) == (0, 0)
    assert queue.planning == 0


def test_a_single_procedure_wakes_the_worker_after_the_commit(
        api: TestClient, queue: CommitCheckingQueue) -> None:
    created = api.post("/api/procedures", json=procedure_payload(NOW, external_id="visit-1"))
    again = api.post("/api/procedures", json=procedure_payload(NOW, external_id="visit-1"))
    assert (created.status_code, again.status_code) == (201, 200)
    assert again.json() == {**created.json(), "created": False}
    assert queue.visible == [1]  # the retry created nothing: no second wake-up
