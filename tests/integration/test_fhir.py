"""FHIR over HTTP, on SQLite and PostgreSQL: a Bundle logged through the logging service and
read back with `$everything`, every resource validated again with fhir.resources; refusals
as an OperationOutcome with nothing stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import func, select, update

from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import AuditEvent, Message, Patient, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.fhir import codes
from tests.conftest import FrozenClock
from tests.support.api import api_client
from tests.support.fhir import bundle, contained, procedure
from tests.support.queue import run_planning, run_reading

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
PERFORMED = NOW - timedelta(days=1, hours=2)
FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container, name="scheduling system") as client:
        yield client


def counts(container: Container) -> tuple[int, int]:
    with container.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Patient)) or 0,
                s.scalar(select(func.count()).select_from(Procedure)) or 0)


def test_a_bundle_logged_then_read_back_whole(api: TestClient, container: Container) -> None:
    sent = bundle(PERFORMED, follow_up=NOW + timedelta(days=13))
    first = api.post("/fhir/Bundle", json=sent, headers=FHIR)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/fhir+json")
    answer = Bundle.model_validate_json(first.text)
    assert answer.type == "transaction-response"
    [patient_entry, procedure_entry] = answer.entry or []
    assert procedure_entry.response.status == "201 Created"
    patient_id = int(patient_entry.response.location.removeprefix("Patient/"))
    # A retry of the same visit: the same procedure, nothing new.
    again = Bundle.model_validate_json(api.post("/fhir/Bundle", json=sent, headers=FHIR).text)
    assert again.entry[1].response.status == "200 OK"  # type: ignore[index]
    assert again.entry[1].response.location == procedure_entry.response.location  # type: ignore[index]
    assert counts(container) == (1, 1)

    # The care plan is planned; two texts went out and the patient answered one.
    run_planning(container)
    with transaction(container.sessions) as session:
        first_two = session.scalars(select(Message.id).where(Message.channel == "sms")
                                    .order_by(Message.due_at).limit(2)).all()
        session.execute(update(Message).where(Message.id.in_(first_two)).values(
            status="delivered", sent_at=NOW - timedelta(hours=3)))
        session.add(Reply(message_sid="SMfhir1", from_phone="+12125550142",
                          to_phone="+15005550006", received_at=NOW - timedelta(hours=1),
                          body="a bit of bruising but no swelling. my chest hurts though"))
    run_reading(container)

    response = api.get(f"/fhir/Patient/{patient_id}/$everything")
    assert response.status_code == 200
    everything = Bundle.model_validate_json(response.text)  # validated again, whole
    kinds = [e.resource.get_resource_type() for e in everything.entry or []]
    assert kinds.count("Patient") == 1 and kinds.count("Procedure") == 1
    assert kinds.count("Communication") == 3 and "Flag" in kinds
    resources = {e.resource.id: e.resource for e in everything.entry or []}
    procedure = next(r for r in resources.values()
                     if r.get_resource_type() == "Procedure")
    assert (codes.CPT, "36470") in {(c.system, c.code) for c in procedure.code.coding}
    assert procedure.performedDateTime == PERFORMED
    reply = next(r for key, r in resources.items() if key.startswith("reply-")
                 and r.get_resource_type() == "Communication")
    assert "bruising" in reply.payload[0].contentString
    observed = {(o.code.text, o.valueBoolean) for o in resources.values()
                if o.get_resource_type() == "Observation"}
    assert {("bruising", True), ("swelling", False), ("chest pain", True)} <= observed
    chest = next(o for o in resources.values() if o.get_resource_type() == "Observation"
                 and o.code.text == "chest pain")
    assert (codes.SNOMED, "29857009") in {(c.system, c.code) for c in chest.code.coding}
    with container.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "fhir_everything" in actions and "fhir_log_procedure" in actions


def test_a_procedure_with_its_patient_contained_or_logged_before(
        api: TestClient, container: Container) -> None:
    response = api.post("/fhir/Procedure", json=contained(PERFORMED), headers=FHIR)
    assert response.status_code == 201, response.text
    assert response.headers["location"].startswith("Procedure/")
    again = api.post("/fhir/Procedure", json=contained(PERFORMED), headers=FHIR)
    assert again.status_code == 200 and counts(container) == (1, 1)
    patient_id = json.loads(response.text)["subject"]["reference"]
    # Sessions on earlier days for the same patient, sent by the scheduling system late:
    # referred to by our id, then by their MRN.
    for n, subject in enumerate(({"reference": patient_id},
                                 {"identifier": {"value": "MRN-1001"}})):
        other_leg = procedure(PERFORMED - timedelta(days=1 + n), patient_url="x",
                              identifier=[{"value": f"VISIT-{80 + n}"}],
                              bodySite=[{"text": "right leg"}], subject=subject)
        logged = api.post("/fhir/Procedure", json=other_leg, headers=FHIR)
        assert logged.status_code == 201, logged.text
    assert counts(container) == (1, 3)
    stranger = procedure(PERFORMED, identifier=[{"value": "VISIT-99"}],
                         subject={"reference": "Patient/999"})
    refused = api.post("/fhir/Procedure", json=stranger, headers=FHIR)
    assert refused.status_code == 422 and counts(container) == (1, 3)
    assert "Procedure.subject" in refused.text


@pytest.mark.parametrize(("body", "status", "element"), [
    (bundle(PERFORMED, procedure_changes={"code": {"coding": [
        {"system": codes.CPT, "code": "99213"}]}}), 422, "Procedure.code"),
    (bundle(PERFORMED, procedure_changes={"performedDateTime": "not a date"}), 400,
     "Bundle.entry.resource.performedDateTime"),
    (bundle(PERFORMED - timedelta(days=400)), 422, "Procedure.performedDateTime"),
    (bundle(PERFORMED, patient_changes={"telecom": [{"system": "phone", "value": "12"}]}),
     422, "Patient.telecom"),
    ({"resourceType": "Patient"}, 400, "Bundle"),
])
def test_refusals_are_an_operation_outcome_and_store_nothing(
        api: TestClient, container: Container, body: dict[str, Any], status: int,
        element: str) -> None:
    response = api.post("/fhir/Bundle", json=body, headers=FHIR)
    assert response.status_code == status, response.text
    outcome = OperationOutcome.model_validate_json(response.text)
    assert element in [e for issue in outcome.issue for e in issue.expression or []]
    assert counts(container) == (0, 0)


def test_bodies_that_are_not_fhir_json_are_refused(api: TestClient,
                                                   container: Container) -> None:
    as_form = api.post("/fhir/Bundle", content=b"a=b",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert as_form.status_code == 415
    OperationOutcome.model_validate_json(as_form.text)
    broken = api.post("/fhir/Bundle", content=b"{not json", headers=FHIR)
    assert broken.status_code == 400
    huge = api.post("/fhir/Bundle", content=b" " * (1024 * 1024), headers=FHIR)
    assert huge.status_code == 413
    assert counts(container) == (0, 0)


def test_unknown_patients_and_missing_tokens(api: TestClient, container: Container) -> None:
    missing = api.get("/fhir/Patient/999/$everything")
    assert missing.status_code == 404
    assert OperationOutcome.model_validate_json(missing.text).issue[0].code == "not-found"
    with TestClient(create_app(container)) as anonymous:
        assert anonymous.get("/fhir/Patient/1/$everything").status_code == 401
        assert anonymous.post("/fhir/Bundle", json=bundle(PERFORMED)).status_code == 401
