"""A patient's data rights, on SQLite and PostgreSQL: export of everything held (API, web,
CLI, audited), erasure that leaves nothing personal in any table while the counts stay, and
retention that removes old words in batches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, func, select, update

from aftercare.bootstrap import celery_app
from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import (
    AuditEvent,
    Base,
    Message,
    OnCallShift,
    Patient,
    Procedure,
    Reply,
    Review,
)
from aftercare.db.session import transaction
from aftercare.patients.erasure import erase_patient
from aftercare.patients.retention import purge_expired
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import add_user, make_web, signed_in_staff
from tests.support.api import api_client
from tests.support.factories import procedure_payload
from tests.support.queue import run_planning, run_reading

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
NAME, PHONE, EMAIL = "Philippa", "+12125550187", "philippa.quill@example.org"
REPLY = "a bit of bruising on my shin and the stocking pinches"
NOTE = "called Philippa back, she is fine"
URGENT = "Philippa here, chest pain and I can't breathe"


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container, name="records office") as client:
        yield client


def history(api: TestClient, container: Container) -> int:
    """A patient two days into sclerotherapy: texts sent, a reply read and reviewed, the
    rest of the plan still to come. Their id."""
    payload = procedure_payload(NOW - timedelta(days=2), external_id="VISIT-9", patient={
        "first_name": NAME, "phone": PHONE, "email": EMAIL, "timezone": "America/New_York",
        "language": "en", "sms_consent": True, "email_consent": True,
        "external_id": "MRN-77"})
    assert api.post("/api/procedures", json=payload).status_code == 201
    run_planning(container)
    with transaction(container.sessions) as session:
        session.add_all(OnCallShift(weekday=day, starts="00:00", ends="00:00",
                                    name="Dr. Okafor", phone="+12125550100",
                                    email="oncall@example.org") for day in range(7))
        sent = session.scalars(select(Message.id).where(Message.due_at < NOW)).all()
        session.execute(update(Message).where(Message.id.in_(sent)).values(
            status="delivered", sent_at=NOW - timedelta(days=1), provider_id="SMx1"))
        session.add(Reply(message_sid="SMreply1", from_phone=PHONE, to_phone="+15005550006",
                          received_at=NOW - timedelta(hours=20), body=REPLY))
        # A red flag too: a safety text to the patient and alerts about them to the on-call
        # clinician, whose words name the patient.
        session.add(Reply(message_sid="SMreply2", from_phone=PHONE, to_phone="+15005550006",
                          received_at=NOW - timedelta(hours=19),
                          body=URGENT))
    run_reading(container)
    with transaction(container.sessions) as session:
        alerts = session.scalars(select(Message.body).where(
            Message.audience == "clinician")).all()
        assert alerts and any(NAME in body for body in alerts)
        reply = session.scalars(select(Reply).where(Reply.message_sid == "SMreply1")).one()
        assert reply.patient_id is not None and "bruising" in reply.present
        session.add(Review(reply_id=reply.id, reviewer="nurse@example.org",
                           outcome="advice_given", note=NOTE, created_at=NOW))
        reply.review_status = "reviewed"
        return reply.patient_id


def personal_data_left(container: Container) -> list[str]:
    """Every text and JSON cell of every table that still holds something of the patient."""
    needles = [NAME.lower(), PHONE[2:], EMAIL.lower(), "mrn-77", "visit-9", "stocking pinches",
               "called philippa"]
    found = []
    with container.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = json.dumps(value).lower() if value is not None else ""
                    digits = "".join(ch for ch in text if ch.isdigit())
                    for needle in needles:
                        if needle in text or (needle.isdigit() and needle in digits):
                            found.append(f"{table.name}.{column.name}: {needle}")
    return found


def counts(container: Container) -> dict[str, Any]:
    with container.sessions() as session:
        return {
            "procedures": session.scalar(select(func.count()).select_from(Procedure)),
            "messages": sorted(session.execute(select(Message.status, func.count()).group_by(
                Message.status)).all()),
            "replies": sorted(session.execute(select(Reply.triage, func.count()).group_by(
                Reply.triage)).all()),
            "present": [r.present for r in session.scalars(select(Reply))],
            "reviews": session.scalar(select(func.count()).select_from(Review)),
        }


def test_export_holds_everything_and_is_audited(api: TestClient,
                                                container: Container) -> None:
    patient_id = history(api, container)
    response = api.get(f"/api/patients/{patient_id}/export")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store, private"
    data = response.json()
    assert data["patient"]["phone"] == PHONE and data["patient"]["external_id"] == "MRN-77"
    assert [p["external_id"] for p in data["procedures"]] == ["VISIT-9"]
    assert {m["status"] for m in data["messages"]} >= {"delivered", "planned"}
    assert data["replies"][0]["body"] == REPLY and data["reviews"][0]["note"] == NOTE
    assert any(m["audience"] == "clinician" for m in data["messages"])  # alerts about them
    assert data["reply_readings"] and data["fhir"]["resourceType"] == "Bundle"
    assert data["photos"] == []  # none sent; tests/integration/test_photos.py has some
    assert api.get("/api/patients/999/export").status_code == 404
    with container.sessions() as session:
        assert session.scalars(select(AuditEvent.subject).where(
            AuditEvent.action == "export_patient")).all() == [f"patient:{patient_id}"]


def test_erasure_leaves_nothing_personal_and_the_counts_intact(
        api: TestClient, container: Container) -> None:
    patient_id = history(api, container)
    assert personal_data_left(container)  # the check finds what is there
    before = counts(container)
    with transaction(container.sessions) as session:
        erased = erase_patient(session, patient_id=patient_id, reason="patient's letter",
                               actor="admin@example.org", now=NOW,
                               store=container.media_store)
    assert erased.replies == 2 and erased.procedures == 1
    assert personal_data_left(container) == []
    after = counts(container)
    planned = dict(before["messages"]).get("planned", 0)
    assert planned > 0 and "planned" not in dict(after["messages"])
    assert dict(after["messages"])["cancelled"] == (
        dict(before["messages"]).get("cancelled", 0) + planned)
    assert {k: v for k, v in after.items() if k != "messages"} == {
        k: v for k, v in before.items() if k != "messages"}
    with container.sessions() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "erase_patient")).one()
        patient = session.get(Patient, patient_id)
        assert patient is not None and patient.erased_at is not None
    assert event.detail == {"reason": "patient's letter", "procedures": 1,
                            "messages": erased.messages, "replies": 2}
    # A text from their old number is now a stranger's.
    with transaction(container.sessions) as session:
        session.add(Reply(message_sid="SMlater", from_phone=PHONE, to_phone="+15005550006",
                          received_at=NOW, body="hello"))
    run_reading(container)
    with container.sessions() as session:
        assert session.scalars(select(Reply.patient_id).where(
            Reply.message_sid == "SMlater")).one() is None


def test_erasure_in_the_web_app_is_for_admins_and_confirmed(
        make_container: Callable[..., Container], db_url: str) -> None:
    staff = signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))
    with api_client(staff.container) as client:
        patient_id = history(client, staff.container)
    download = staff.client.get(f"/patients/{patient_id}/export")
    assert download.status_code == 200 and NAME in download.text
    assert download.headers["cache-control"] == "no-store, private"
    assert "attachment" in download.headers["content-disposition"]
    refused = staff.post(f"/patients/{patient_id}/erase",
                         {"reason": "asked", "confirm": str(patient_id)})
    assert refused.status_code in (403, 404)
    assert personal_data_left(staff.container)

    admin = make_web(lambda *_a, **_k: staff.container, db_url)
    add_user(staff.container, "admin@example.org", "admin")
    assert admin.login("admin@example.org").status_code == 303
    wrong = admin.post(f"/patients/{patient_id}/erase", {"reason": "asked", "confirm": "1234"})
    assert wrong.status_code == 303 and personal_data_left(staff.container)
    done = admin.post(f"/patients/{patient_id}/erase",
                      {"reason": "asked by letter", "confirm": str(patient_id)})
    assert done.status_code == 303
    assert personal_data_left(staff.container) == []
    page = admin.client.get(done.headers["location"])
    assert "no personal data is kept" in page.text


def test_the_command_line_exports_and_erases_only_when_confirmed(
        tmp_path: Any, sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
        make_container: Callable[..., Container]) -> None:
    for key, value in {"AFTERCARE_DATABASE_URL": sqlite_url,
                       "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                       "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
                       "AFTERCARE_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(key, value)
    container = make_container(sqlite_url)
    with api_client(container) as client:
        payload = procedure_payload(datetime.now(UTC) - timedelta(hours=3), patient={
            "first_name": NAME, "phone": PHONE, "timezone": "America/New_York",
            "sms_consent": True, "email_consent": False})
        assert client.post("/api/procedures", json=payload).status_code == 201
    runner = CliRunner()
    exported = runner.invoke(main, ["patients", "export", "1", "--by", "records"])
    assert exported.exit_code == 0 and json.loads(exported.stdout)["patient"]["phone"] == PHONE
    unconfirmed = runner.invoke(main, ["patients", "erase", "1", "--reason", "asked"],
                                input="2\n")
    assert unconfirmed.exit_code == 1 and "nothing was erased" in unconfirmed.stderr
    no_reason = runner.invoke(main, ["patients", "erase", "1", "--yes"])
    assert no_reason.exit_code == 2
    blank = runner.invoke(main, ["patients", "erase", "1", "--yes", "--reason", " "])
    assert blank.exit_code == 1 and "say why" in blank.stderr
    assert personal_data_left(container)
    done = runner.invoke(main, ["patients", "erase", "1", "--reason", "asked"], input="1\n")
    assert done.exit_code == 0, done.stderr
    assert personal_data_left(container) == []
    again = runner.invoke(main, ["patients", "erase", "1", "--yes", "--reason", "asked"])
    assert again.exit_code == 1 and "was erased" in again.stderr


def test_retention_removes_old_words_in_batches_and_spares_what_is_unsettled(
        api: TestClient, container: Container) -> None:
    history(api, container)
    with transaction(container.sessions) as session:
        # Everything so far is 100 days old; the red flag still waits for a clinician.
        session.execute(update(Message).values(created_at=NOW - timedelta(days=100)))
        session.execute(update(Reply).values(received_at=NOW - timedelta(days=100)))
        settled = session.scalar(select(func.count()).select_from(Message).where(
            Message.status.not_in(("planned", "sending"))))
    def purge(days: int | None, **limits: int) -> Any:
        return purge_expired(sessions=container.sessions, days=days, now=NOW,
                             store=container.media_store, **limits)

    assert purge(None).messages == 0
    first = purge(90, batch=2, max_batches=1)
    assert (first.messages, first.replies) == (min(2, settled), 1)
    rest = purge(90, batch=2, max_batches=100)
    assert first.messages + rest.messages == settled
    with container.sessions() as session:
        kept = dict(session.execute(select(Message.status, func.count()).where(
            Message.body != "").group_by(Message.status)).all())
        assert set(kept) == {"planned"}  # the words of what is still to be sent
        assert session.scalars(select(Reply.body).order_by(Reply.id)).all() == [
            "", URGENT]
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "purge_expired")).all() == ["purge_expired"] * 2
    assert purge(90).messages == 0


def test_the_beat_schedule_purges_hourly_only_when_retention_is_set(
        make_container: Callable[..., Container], db_url: str) -> None:
    off = make_container(db_url).settings
    on = make_container(db_url, settings={"retention_days": 365}).settings
    assert "purge-expired" not in celery_app(off).conf.beat_schedule
    entry = celery_app(on).conf.beat_schedule["purge-expired"]
    assert entry["task"] == "aftercare.purge_expired" and entry["schedule"] == 3600.0
