"""The patient record staff correct, on SQLite and PostgreSQL: each correction re-plans what
is still ahead and nothing else; consent keeps when, how and by whom; a correction planning
cannot carry out changes nothing; the email unsubscribe link (RFC 8058) works without a
sign-in and cannot be forged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from aftercare.container import Container
from aftercare.db.models import AuditEvent, ConsentEvent, Message, Patient
from aftercare.db.session import transaction
from aftercare.patients.unsubscribe import link_for, token_for
from tests.conftest import FrozenClock
from tests.integration.test_web_support import signed_in_staff, text_of
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload
from tests.support.queue import run_planning
from tests.support.webhooks import AUTH_TOKEN, PUBLIC_URL, inbound_fields, post_signed

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL})


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container, name="records office") as client:
        yield client


def logged(api: TestClient, container: Container, **patient: object) -> tuple[int, int]:
    """A patient a day into sclerotherapy, their plan planned; (patient id, procedure id)."""
    payload = procedure_payload(NOW - timedelta(days=1), patient=patient_payload(**patient))
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 201, response.text
    run_planning(container)
    procedure_id = response.json()["id"]
    return api.get(f"/api/procedures/{procedure_id}").json()["patient"]["id"], procedure_id


def messages(container: Container, patient_id: int) -> dict[tuple[str, str], Message]:
    with container.sessions() as session:
        return {(m.step, m.channel): m for m in session.scalars(
            select(Message).where(Message.patient_id == patient_id))}


def ahead(rows: dict[tuple[str, str], Message], channel: str) -> list[Message]:
    return [m for (_, c), m in rows.items() if c == channel and m.due_at > NOW]


def consent_rows(container: Container, patient_id: int, *, intake: bool = False
                 ) -> list[tuple[str, bool, str, str]]:
    """The patient's consent history; the answers logged with the procedure too if `intake`."""
    with container.sessions() as session:
        return [(c.channel, c.granted, c.method, c.actor) for c in session.scalars(
            select(ConsentEvent).where(ConsentEvent.patient_id == patient_id)
            .order_by(ConsentEvent.id)) if intake or c.method != "intake"]


def test_a_new_time_zone_moves_what_is_ahead_and_leaves_what_went(
        api: TestClient, container: Container) -> None:
    patient_id, _ = logged(api, container)
    with transaction(container.sessions) as session:  # the first day's texts went out
        session.execute(update(Message).where(Message.due_at <= NOW).values(
            status="delivered", sent_at=NOW - timedelta(hours=20)))
    before = messages(container, patient_id)

    response = api.patch(f"/api/patients/{patient_id}", json={"timezone": "America/Los_Angeles"})

    assert response.status_code == 200, response.text
    assert response.json()["timezone"] == "America/Los_Angeles"
    after = messages(container, patient_id)
    for key, row in before.items():
        if row.status == "delivered":  # gone: untouched
            assert after[key].due_at == row.due_at and after[key].status == "delivered"
        elif row.status == "planned" and row.local_due.endswith("09:00:00-05:00"):
            # A 9 am step is 9 am on the patient's new wall clock: three hours later in UTC.
            assert after[key].due_at - row.due_at == timedelta(hours=3), key
            assert after[key].local_due.endswith("09:00:00-08:00")
    with container.sessions() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "correct_patient")).all()
    assert (event.actor, event.subject, event.detail) == (
        "token:records office", f"patient:{patient_id}", {"changed": ["timezone"]})


def test_consent_withdrawn_and_given_again_with_how_and_by_whom(
        api: TestClient, container: Container) -> None:
    patient_id, _ = logged(api, container)
    assert ahead(messages(container, patient_id), "sms")
    assert all(m.status == "planned" for m in ahead(messages(container, patient_id), "sms"))

    refused = api.patch(f"/api/patients/{patient_id}", json={"sms_consent": False})
    assert refused.status_code == 422
    assert "consent_method" in refused.text
    assert all(m.status == "planned" for m in ahead(messages(container, patient_id), "sms"))

    withdrawn = api.patch(f"/api/patients/{patient_id}", json={
        "sms_consent": False, "consent_method": "verbal", "note": "asked at follow-up call"})
    assert withdrawn.status_code == 200, withdrawn.text
    sms = ahead(messages(container, patient_id), "sms")
    assert sms and all(m.status == "skipped" for m in sms)
    assert all(m.status == "planned" for m in ahead(messages(container, patient_id), "email"))

    given = api.patch(f"/api/patients/{patient_id}", json={
        "sms_consent": True, "consent_method": "form"})
    assert given.status_code == 200, given.text
    assert all(m.status == "planned" for m in ahead(messages(container, patient_id), "sms"))
    assert consent_rows(container, patient_id, intake=True) == [
        ("sms", True, "intake", "token:records office"),  # logged with the procedure
        ("email", True, "intake", "token:records office"),
        ("sms", False, "verbal", "token:records office"),
        ("sms", True, "form", "token:records office")]


def test_a_stop_text_is_kept_as_the_patients_own_consent_change(
        api: TestClient, container: Container) -> None:
    patient_id, _ = logged(api, container, phone="+12125550166")
    response = post_signed(api, "/webhooks/twilio/sms", inbound_fields("+12125550166", "STOP"))
    assert response.status_code == 200
    assert consent_rows(container, patient_id) == [("sms", False, "sms_keyword", "patient")]


@pytest.mark.parametrize("patch, field", [
    ({"phone": "12"}, "phone"),
    ({"phone": "+1 212 555"}, "phone"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"language": "fr"}, "language"),
    ({"email": "not an address"}, "email"),
    ({"email_consent": True, "email": "", "consent_method": "form"}, "email"),
    ({"first_name": "Eve"}, "first_name"),  # not a correction this form makes
])
def test_a_bad_correction_is_refused_and_changes_nothing(
        api: TestClient, container: Container, patch: dict[str, object], field: str) -> None:
    patient_id, _ = logged(api, container)
    before = messages(container, patient_id)
    with container.sessions() as session:
        was = session.get(Patient, patient_id)
        assert was is not None
        record = (was.phone, was.email, was.timezone, was.language, was.email_consent)

    response = api.patch(f"/api/patients/{patient_id}", json=patch)

    assert response.status_code == 422, response.text
    assert field in response.text
    with container.sessions() as session:
        now = session.get(Patient, patient_id)
        assert now is not None
        assert (now.phone, now.email, now.timezone, now.language, now.email_consent) == record
    assert {k: (m.status, m.due_at) for k, m in messages(container, patient_id).items()} == {
        k: (m.status, m.due_at) for k, m in before.items()}
    assert consent_rows(container, patient_id) == []


def test_a_phone_in_any_common_format_is_stored_as_e164(
        api: TestClient, container: Container) -> None:
    patient_id, _ = logged(api, container)
    response = api.patch(f"/api/patients/{patient_id}", json={"phone": "(646) 555-0123"})
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "+16465550123"


def test_unknown_and_erased_patients_are_404(api: TestClient, container: Container) -> None:
    assert api.patch("/api/patients/999999", json={"language": "es"}).status_code == 404
    assert api.get("/api/patients/999999").status_code == 404
    assert api.patch("/api/patients/0", json={"language": "es"}).status_code == 422


def test_the_unsubscribe_link_stops_email_only_and_cannot_be_forged(
        api: TestClient, container: Container) -> None:
    patient_id, _ = logged(api, container)
    other_id, _ = logged(api, container)
    secret = container.settings.secret_key.get_secret_value()
    link = link_for(patient_id, secret_key=secret, base_url="https://care.example")
    path = link.removeprefix("https://care.example")
    client = TestClient(api.app)  # a mail client: no token, no cookie, no CSRF token

    page = client.get(path)
    assert page.status_code == 200 and "Stop the emails" in page.text
    assert all(m.status == "planned" for m in ahead(messages(container, patient_id), "email"))

    for bad in (token_for(patient_id, secret_key="another key"), path.rsplit("/", 1)[1][:-2],
                "x" * 5000, token_for(other_id, secret_key=secret) + "A"):
        assert client.get(f"/unsubscribe/{bad}").status_code == 404
        assert client.post(f"/unsubscribe/{bad}").status_code == 404

    # RFC 8058 one-click: the mail client's POST.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "No more emails" in done.text
    assert client.post(path).status_code == 200  # twice is once
    rows = messages(container, patient_id)
    assert all(m.status == "skipped" for m in ahead(rows, "email"))
    assert all(m.status == "planned" for m in ahead(rows, "sms"))
    assert all(m.status == "planned" for m in ahead(messages(container, other_id), "email"))
    assert consent_rows(container, patient_id) == [("email", False, "email_link", "patient")]


def test_staff_correct_the_record_on_the_patient_page(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))
    with api_client(web.container) as api:
        patient_id, procedure_id = logged(api, web.container, first_name="Inés")
    page = web.client.get(f"/patients/{patient_id}")
    assert page.status_code == 200
    assert "Inés" in page.text and f'href="/procedures/{procedure_id}"' in page.text
    assert f'href="/patients/{patient_id}"' in web.client.get(f"/procedures/{procedure_id}").text
    form = {"phone": "+12125550199", "email": "ines@example.org", "language": "es",
            "timezone": "America/New_York", "timezone_other": "", "sms_consent": "yes",
            "email_consent": "no", "consent_method": "", "note": ""}

    missing_method = web.post(f"/patients/{patient_id}", form, token_from=f"/patients/{patient_id}")
    assert missing_method.status_code == 422
    assert "Say how the patient gave or withdrew consent" in text_of(missing_method)

    saved = web.post(f"/patients/{patient_id}", {**form, "consent_method": "verbal",
                                                 "note": "prefers texts"},
                     token_from=f"/patients/{patient_id}")
    assert saved.status_code == 303
    shown = text_of(web.client.get(f"/patients/{patient_id}"))
    assert "Saved: email, email consent, language, phone" in shown
    assert "Withdrew" in shown and "told staff" in shown and "nurse@example.org" in shown
    rows = messages(web.container, patient_id)
    assert all(m.status == "skipped" for m in ahead(rows, "email"))
    spanish = [m for m in ahead(rows, "sms") if m.status == "planned"]
    assert spanish and all(m.language == "es" or m.body for m in spanish)
    with web.container.sessions() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        assert (patient.phone, patient.language, patient.email_consent) == (
            "+12125550199", "es", False)
    assert ("nurse@example.org", "view_patient", f"patient:{patient_id}") in web.audit()
    assert ("nurse@example.org", "correct_patient", f"patient:{patient_id}") in web.audit()

    bad = web.post(f"/patients/{patient_id}", {**form, "phone": "555"},
                   token_from=f"/patients/{patient_id}")
    assert bad.status_code == 422 and "not a valid phone number" in text_of(bad)


def test_the_consent_answers_logged_with_a_procedure_are_kept_with_who_logged_them(
        make_container: Callable[..., Container], db_url: str) -> None:
    """The first procedure's answers for both channels; a later procedure that changes one
    answer adds that change alone; a retry of the same visit adds nothing. Shown on the
    patient page with the method and who logged it."""
    web = signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))
    container = web.container
    first = {"first_name": "Rosa", "phone": "+12125550171", "email": "rosa@example.org",
             "sms_consent": True, "email_consent": False}
    with api_client(container, name="scheduler") as api:
        patient_id, _ = logged(api, container, **first)
        assert consent_rows(container, patient_id, intake=True) == [
            ("sms", True, "intake", "token:scheduler"),
            ("email", False, "intake", "token:scheduler")]
        later = procedure_payload(NOW - timedelta(hours=2), external_id="VISIT-2", side="right",
                                  patient=patient_payload(**{**first, "email_consent": True}))
        assert api.post("/api/procedures", json=later).status_code == 201
        assert api.post("/api/procedures", json=later).status_code == 200  # a retry
    assert consent_rows(container, patient_id, intake=True)[2:] == [
        ("email", True, "intake", "token:scheduler")]
    with container.sessions() as session:
        assert session.get(Patient, patient_id).email_consent is True  # type: ignore[union-attr]

    page = text_of(web.client.get(f"/patients/{patient_id}"))
    assert "logged with a procedure" in page and "token:scheduler" in page
