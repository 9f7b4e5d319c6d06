"""API tokens see what their owner sees, narrowed to one location when made for a location's
own system: another location's procedures, patients, replies and FHIR records are "not
found" (404, as for ids that do not exist), nothing is changed through them, and a procedure
is logged only at the caller's locations (unnamed: its own). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftercare.auth.tokens import create_token
from aftercare.auth.users import set_locations
from aftercare.bootstrap import create_app
from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import ApiToken, Location, Message, Procedure, Reply, User
from aftercare.db.session import transaction
from aftercare.locations.store import add_location
from aftercare.replies.sweep import read_unread
from tests.conftest import FrozenClock
from tests.integration.test_locations import LAKESIDE, NOW, UPTOWN, UPTOWN_SENDER, log
from tests.integration.test_web_support import add_user, make_web
from tests.support import fhir
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload
from tests.support.webhooks import AUTH_TOKEN, PUBLIC_URL, inbound_fields, post_signed

FHIR = {"Content-Type": "application/fhir+json"}


@dataclass
class Clinic:
    container: Container
    main_procedure: int
    main_patient: int
    main_reply: int
    uptown_procedure: int
    uptown_reply: int


@pytest.fixture
def clinic(db_url: str, make_container: Callable[..., Container]) -> Clinic:
    """Two patients, one at the default location ("main") and one at Uptown, each with a
    reply waiting for review; logged by a system token that sees everywhere."""
    container = make_container(db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL})
    with transaction(container.sessions) as session:
        for values in (UPTOWN, LAKESIDE):
            add_location(session, values, phone_region="US")
    with api_client(container) as api:
        main_procedure = log(api, container, location=None, phone="+12125550192",
                             first_name="Ours")
        uptown_procedure = log(api, container, location="uptown", phone="+12125550193",
                               first_name="Theirs")
        post_signed(api, "/webhooks/twilio/sms", inbound_fields("+12125550192", "my calf hurts"))
        post_signed(api, "/webhooks/twilio/sms", inbound_fields(
            "+12125550193", "bruising on my thigh", To=UPTOWN_SENDER))
    read_unread(sessions=container.sessions, plans=container.plans,
                settings=container.settings, clock=container.clock, queue=container.queue)
    with container.sessions() as session:
        main_patient = session.get(Procedure, main_procedure).patient_id  # type: ignore[union-attr]
        replies = {r.procedure_id: r.id for r in session.scalars(select(Reply))}
    return Clinic(container, main_procedure, main_patient, replies[main_procedure],
                  uptown_procedure, replies[uptown_procedure])


def client(container: Container, *, role: str = "staff", owner: int | None = None,
           location: str | None = None) -> TestClient:
    with transaction(container.sessions) as session:
        place = session.scalar(select(Location.id).where(Location.key == location))
        token = create_token(session, name=f"{location or 'all'} system", role=role,  # type: ignore[arg-type]
                             owner_id=owner, location_id=place)
    api = TestClient(create_app(container))
    api.headers["Authorization"] = f"Bearer {token}"
    return api


@pytest.fixture
def uptown(clinic: Clinic) -> Iterator[TestClient]:
    """Uptown's own scheduling system, allowed to review too."""
    with client(clinic.container, role="clinician", location="uptown") as api:
        yield api


def counts(container: Container) -> tuple[int, int]:
    with container.sessions() as session:
        return (session.scalar(select(func.count()).select_from(Procedure)) or 0,
                session.scalar(select(func.count()).select_from(Message)) or 0)


def test_another_locations_records_are_not_found_and_not_changed(
        clinic: Clinic, uptown: TestClient) -> None:
    before = counts(clinic.container)
    theirs, patient = clinic.main_procedure, clinic.main_patient
    for path in (f"/api/procedures/{theirs}", f"/api/patients/{patient}",
                 f"/api/patients/{patient}/export", f"/api/replies/{clinic.main_reply}"):
        answer = uptown.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["detail"].startswith("no "), path  # as for an unknown id
    everything = uptown.get(f"/fhir/Patient/{patient}/$everything")
    assert everything.status_code == 404 and "OperationOutcome" in everything.text
    writes = [
        uptown.patch(f"/api/procedures/{theirs}",
                     json={"performed_at": (NOW - timedelta(days=1)).isoformat()}),
        uptown.post(f"/api/procedures/{theirs}/cancel", json={"reason": "not ours"}),
        uptown.patch(f"/api/patients/{patient}", json={"email": "x@example.org"}),
        uptown.post(f"/api/procedures/{theirs}/messages", json={"body": "Hello"}),
        uptown.post(f"/api/replies/{clinic.main_reply}/review",
                    json={"outcome": "no_action_needed"}),
    ]
    assert [w.status_code for w in writes] == [404] * len(writes)
    assert counts(clinic.container) == before
    with clinic.container.sessions() as session:
        procedure = session.get(Procedure, theirs)
        assert procedure is not None and procedure.status == "active"
        assert procedure.patient.email != "x@example.org"
        assert session.get(Reply, clinic.main_reply).review_status == "open"  # type: ignore[union-attr]

    # Its own location's records are there as before.
    assert uptown.get(f"/api/procedures/{clinic.uptown_procedure}").status_code == 200
    assert uptown.get(f"/api/replies/{clinic.uptown_reply}").status_code == 200
    queue = uptown.get("/api/reviews").json()["items"]
    assert [item["id"] for item in queue] == [clinic.uptown_reply]


def test_a_location_token_logs_at_its_own_location_only(clinic: Clinic,
                                                        uptown: TestClient) -> None:
    unnamed = uptown.post("/api/procedures", json=procedure_payload(
        NOW - timedelta(hours=3), patient=patient_payload(phone="+12125550194")))
    assert unnamed.status_code == 201, unnamed.text
    before = counts(clinic.container)
    elsewhere = uptown.post("/api/procedures", json=procedure_payload(
        NOW - timedelta(hours=3), location="main",
        patient=patient_payload(phone="+12125550195")))
    assert elsewhere.status_code == 422
    assert elsewhere.json()["detail"][0]["loc"] == ["body", "location"]
    assert "not one of your locations (uptown)" in elsewhere.json()["detail"][0]["msg"]
    batch = uptown.post("/api/procedures/batch", json={"procedures": [
        procedure_payload(NOW - timedelta(hours=2), patient=patient_payload(phone="+12125550196")),
        procedure_payload(NOW - timedelta(hours=2), location="lakeside",
                          patient=patient_payload(phone="+12125550197"))]})
    assert batch.status_code == 422
    assert [d["loc"] for d in batch.json()["detail"]] == [["body", "procedures", 1, "location"]]
    assert counts(clinic.container) == before  # all or none

    # FHIR: logged at Uptown; another location's patient cannot be referred to.
    sent = uptown.post("/fhir/Bundle", json=fhir.bundle(NOW - timedelta(hours=1)), headers=FHIR)
    assert sent.status_code == 200, sent.text
    stranger = fhir.procedure(NOW - timedelta(hours=1), identifier=[{"value": "VISIT-5"}],
                              subject={"reference": f"Patient/{clinic.main_patient}"})
    refused = uptown.post("/fhir/Procedure", json=stranger, headers=FHIR)
    assert refused.status_code == 422 and "Procedure.subject" in refused.text
    with clinic.container.sessions() as session:
        places = session.execute(select(Location.key).join(
            Procedure, Procedure.location_id == Location.id).where(
            Procedure.id > clinic.uptown_procedure)).scalars().all()
    assert places == ["uptown", "uptown"]


def test_a_users_token_sees_what_they_see_and_follows_their_locations(
        clinic: Clinic, db_url: str, make_container: Callable[..., Container]) -> None:
    container = clinic.container
    owner = add_user(container, "desk@example.org", "staff")
    with transaction(container.sessions) as session:
        set_locations(session, user_id=owner, keys=["lakeside"])
    with client(container, owner=owner) as api:
        assert api.get(f"/api/procedures/{clinic.uptown_procedure}").status_code == 404
        assert api.get(f"/api/procedures/{clinic.main_procedure}").status_code == 404
        logged = api.post("/api/procedures", json=procedure_payload(
            NOW - timedelta(hours=3), patient=patient_payload(phone="+12125550198")))
        assert logged.status_code == 201, logged.text
        with container.sessions() as session:
            assert session.get(Procedure, logged.json()["id"]).location.key == "lakeside"  # type: ignore[union-attr]

        # An admin puts them at Uptown too: their token follows at once, though this
        # process had cached what it could see (the cache lives ten seconds).
        web = make_web(lambda *_a, **_k: container, db_url)
        add_user(container, "boss@example.org", "admin")
        assert web.login("boss@example.org").status_code == 303
        moved = web.post(f"/admin/users/{owner}/locations",
                         {"location": ["lakeside", "uptown"]}, token_from="/admin/users")
        assert moved.status_code == 303
        assert api.get(f"/api/procedures/{clinic.uptown_procedure}").status_code == 200
        # Named twice now, so an unnamed location is refused, not guessed.
        unnamed = api.post("/api/procedures", json=procedure_payload(
            NOW - timedelta(hours=2), patient=patient_payload(phone="+12125550199")))
        assert unnamed.status_code == 422
        assert "say where it was done: one of" in unnamed.json()["detail"][0]["msg"]


def test_tokens_for_one_location_from_the_admin_page_and_the_command_line(
        clinic: Clinic, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    container = clinic.container
    web = make_web(lambda *_a, **_k: container, db_url)
    add_user(container, "boss@example.org", "admin")
    assert web.login("boss@example.org").status_code == 303
    page = web.post("/admin/tokens", {"name": "uptown desk", "role": "staff",
                                      "location": "uptown"}, token_from="/admin/tokens")
    assert page.status_code == 200
    found = re.search(r'id="new-token">(act_[^<]+)<', page.text)
    assert found is not None
    listed = web.client.get("/admin/tokens").text
    assert "Uptown Vein Care" in listed
    bad = web.post("/admin/tokens", {"name": "x", "role": "staff", "location": "nowhere"},
                   token_from="/admin/tokens")
    assert bad.status_code == 422
    with TestClient(create_app(container)) as api:
        api.headers["Authorization"] = f"Bearer {found.group(1)}"
        assert api.get(f"/api/procedures/{clinic.main_procedure}").status_code == 404
        assert api.get(f"/api/procedures/{clinic.uptown_procedure}").status_code == 200

    monkeypatch.setenv("AFTERCARE_DATABASE_URL", db_url)
    runner = CliRunner()
    refused = runner.invoke(main, ["tokens", "create", "--name", "lake", "--role", "staff",
                                   "--location", "nowhere"])
    assert refused.exit_code != 0 and "no location 'nowhere'" in refused.output
    made = runner.invoke(main, ["tokens", "create", "--name", "lake", "--role", "staff",
                                "--location", "lakeside"])
    assert made.exit_code == 0, made.output
    with container.sessions() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "lake")).one()
        assert session.get(Location, token.location_id).key == "lakeside"  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(User)) == 1
