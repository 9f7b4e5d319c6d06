"""What a procedure may be logged with, through the API, the batch API, the web form and the
CLI, on SQLite and PostgreSQL: no future procedure, no date outside a sane window, a second
one the same day only when confirmed, no lone surrogate; a follow-up date named only when
booked, and re-planned when rebooked; page numbers that cannot break a page."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.session import transaction
from tests.conftest import FrozenClock
from tests.integration.test_cli import LOG, env, run  # noqa: F401  (env: a fixture)
from tests.integration.test_procedures import counts
from tests.integration.test_web_procedures import form
from tests.integration.test_web_support import Web, add_user, make_web, signed_in_staff, text_of
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload
from tests.support.queue import run_planning

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW))


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container, raise_server_exceptions=False) as client:
        yield client


def fields(response: Any) -> list[list[Any]]:
    return [d["loc"] for d in response.json()["detail"]]


@pytest.mark.parametrize(("performed_at", "follow_up_at", "field"), [
    (NOW + timedelta(minutes=6), None, "performed_at"),
    (NOW + timedelta(days=2), None, "performed_at"),
    (NOW - timedelta(days=366), None, "performed_at"),
    ("0001-01-01T00:00:00Z", None, "performed_at"),
    ("0001-01-01T00:00:00+05:00", None, "performed_at"),
    ("9999-12-31T23:59:59-05:00", None, "performed_at"),
    (NOW, NOW + timedelta(days=366), "follow_up_at"),
    (NOW, NOW - timedelta(days=1), "follow_up_at"),
    (NOW, "0001-01-01T00:00:00+05:00", "follow_up_at"),
])
def test_dates_outside_the_window_are_refused(api: TestClient, container: Container,
                                              performed_at: Any, follow_up_at: Any,
                                              field: str) -> None:
    payload = procedure_payload(NOW)
    payload["performed_at"] = performed_at if isinstance(performed_at, str) \
        else performed_at.isoformat()
    if follow_up_at is not None:
        payload["follow_up_at"] = follow_up_at if isinstance(follow_up_at, str) \
            else follow_up_at.isoformat()
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 422, response.text
    assert ["body", field] in fields(response)
    batch = api.post("/api/procedures/batch", json={"procedures": [payload]})
    assert batch.status_code == 422, batch.text
    assert ["body", "procedures", 0, field] in fields(batch)
    assert counts(container) == (0, 0, 0)


def test_a_clock_a_few_minutes_fast_is_fine(api: TestClient) -> None:
    payload = procedure_payload(NOW + timedelta(minutes=4))
    assert api.post("/api/procedures", json=payload).status_code == 201


@pytest.mark.parametrize("change", [
    {"performed_at": "0001-01-01T00:00:00+05:00"},
    {"performed_at": (NOW - timedelta(days=400)).isoformat()},
    {"follow_up_at": "0001-01-01T00:00:00Z"},
    {"follow_up_at": (NOW + timedelta(days=400)).isoformat()},
])
def test_reschedule_outside_the_window_is_refused(api: TestClient, container: Container,
                                                  change: dict[str, str]) -> None:
    procedure_id = api.post("/api/procedures", json=procedure_payload(NOW)).json()["id"]
    run_planning(container)
    before = api.get(f"/api/procedures/{procedure_id}").json()
    response = api.patch(f"/api/procedures/{procedure_id}", json=change)
    assert response.status_code == 422, response.text
    assert api.get(f"/api/procedures/{procedure_id}").json() == before


def test_a_second_procedure_the_same_day_needs_confirming(api: TestClient,
                                                          container: Container) -> None:
    person = patient_payload()
    first = api.post("/api/procedures", json=procedure_payload(NOW - timedelta(hours=3),
                                                               patient=person))
    assert first.status_code == 201
    again = procedure_payload(NOW, patient=person)
    refused = api.post("/api/procedures", json=again)
    assert refused.status_code == 422
    assert fields(refused) == [["body", "allow_duplicate"]]
    assert f"procedure {first.json()['id']}" in refused.json()["detail"][0]["msg"]
    assert counts(container)[1] == 1
    # Another leg is another procedure; the next day is another day.
    assert api.post("/api/procedures", json=procedure_payload(NOW, patient=person,
                                                              side="right")).status_code == 201
    confirmed = api.post("/api/procedures", json={**again, "allow_duplicate": True})
    assert confirmed.status_code == 201
    assert counts(container)[1] == 3


def test_a_known_external_id_still_wins(api: TestClient, container: Container) -> None:
    person = patient_payload()
    payload = procedure_payload(NOW, patient=person, external_id="visit-1")
    first = api.post("/api/procedures", json=payload)
    retry = api.post("/api/procedures", json=payload)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    other = api.post("/api/procedures", json=procedure_payload(NOW, patient=person,
                                                                 external_id="visit-2"))
    assert other.status_code == 422 and fields(other) == [["body", "allow_duplicate"]]


def test_a_batch_with_the_same_visit_twice_needs_confirming(api: TestClient,
                                                            container: Container) -> None:
    person = patient_payload()
    twice = {"procedures": [procedure_payload(NOW, patient=person),
                            procedure_payload(NOW, patient=person)]}
    refused = api.post("/api/procedures/batch", json=twice)
    assert refused.status_code == 422
    assert fields(refused) == [["body", "procedures", 1, "allow_duplicate"]]
    assert counts(container)[1] == 0
    twice["procedures"][1]["allow_duplicate"] = True
    assert api.post("/api/procedures/batch", json=twice).status_code == 200
    assert counts(container)[1] == 2


def test_a_lone_surrogate_is_refused_and_never_logged(
        api: TestClient, container: Container, caplog: pytest.LogCaptureFixture) -> None:
    payload = procedure_payload(NOW)
    payload["patient"]["first_name"] = "\ud800"
    body = json.dumps(payload)  # ensure_ascii: the JSON holds the escape "\ud800"
    assert "\\ud800" in body
    with caplog.at_level(logging.DEBUG):
        response = api.post("/api/procedures", content=body,
                            headers={"Content-Type": "application/json"})
        bad_phone = api.post("/api/procedures", json={
            **procedure_payload(NOW), "patient": {**payload["patient"],
                                                  "first_name": "Ana", "phone": 2125550142}})
    assert response.status_code == 422, response.text
    assert fields(response) == [["body", "patient", "first_name"]]
    assert bad_phone.status_code == 422
    assert "2125550142" not in bad_phone.text  # the input is never echoed
    assert "2125550142" not in caplog.text
    assert counts(container) == (0, 0, 0)


def _messages(api: TestClient, procedure_id: int) -> dict[str, Any]:
    return {m["step"]: m for m in api.get(f"/api/procedures/{procedure_id}").json()["messages"]
            if m["channel"] == "sms"}


def test_a_follow_up_is_named_only_once_booked_and_rebooking_replans(
        api: TestClient, container: Container) -> None:
    procedure_id = api.post("/api/procedures", json=procedure_payload(NOW)).json()["id"]
    run_planning(container)
    reminder = _messages(api, procedure_id)["follow_up_reminder"]
    assert reminder["status"] == "planned"
    assert "Call" in reminder["body"] and "to book it" in reminder["body"]
    booked = datetime(2026, 4, 14, 14, 30, tzinfo=UTC)  # 10:30 in New York
    response = api.patch(f"/api/procedures/{procedure_id}",
                         json={"follow_up_at": booked.isoformat()})
    assert response.status_code == 200, response.text
    rebooked = _messages(api, procedure_id)["follow_up_reminder"]
    assert rebooked["status"] == "planned"
    assert "is on Tue 14 Apr 10:30" in rebooked["body"]


@pytest.mark.parametrize("page", ["0", "-3", "99999999999999999999", "9" * 5000, "١", "²",
                                  "abc"])
def test_page_numbers_out_of_range_never_break_the_list(
        make_container: Callable[..., Container], db_url: str, page: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "admin@example.org", "admin", name="Admin")
    assert web.login("admin@example.org").status_code == 303
    assert web.client.get("/procedures", params={"page": page}).status_code == 200
    assert web.client.get("/admin/audit", params={"page": page}).status_code == 200


@pytest.mark.parametrize("offset", ["-1", "99999999999999999999", "١", "9" * 5000])
def test_review_api_offsets_out_of_range_are_a_4xx(container: Container, offset: str) -> None:
    with transaction(container.sessions) as session:
        token = create_token(session, name="doc", role="clinician")
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        response = client.get("/api/reviews", params={"offset": offset},
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, response.text


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    return signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))


def submit(web: Web, **overrides: str) -> Any:
    return web.post("/procedures/new", form(**overrides), token_from="/procedures/new")


def test_web_form_refuses_a_future_procedure_inline(web: Web) -> None:
    response = submit(web, date="2026-03-04")
    assert response.status_code == 422
    assert "in the future" in text_of(response)
    response = submit(web, date="0001-01-01")
    assert response.status_code == 422
    assert "more than a year ago" in text_of(response)


def test_web_form_follow_up_is_checked_and_named(web: Web) -> None:
    response = submit(web, follow_up_date="2028-01-01", follow_up_time="10:00")
    assert response.status_code == 422 and "more than a year ahead" in text_of(response)
    response = submit(web, follow_up_date="2026-04-14", follow_up_time="10:30")
    assert response.status_code == 200
    assert "Tue 14 Apr 10:30" in text_of(response)
    assert "call" in text_of(submit(web))  # unbooked: the reminder asks to call and book


def test_web_form_asks_to_confirm_a_second_procedure_the_same_day(web: Web) -> None:
    saved = submit(web, step="save")
    assert saved.status_code == 303, text_of(saved)[:2000]
    again = submit(web, step="save")
    assert again.status_code == 422
    assert "Log it anyway" in text_of(again)
    assert 'name="allow_duplicate"' in again.text
    confirmed = submit(web, step="save", allow_duplicate="yes")
    assert confirmed.status_code == 303


def test_web_reschedule_outside_the_window_is_refused(web: Web) -> None:
    saved = submit(web, step="save")
    procedure = saved.headers["location"]
    response = web.post(f"{procedure}/reschedule", {
        "date": "0001-01-01", "time": "00:00", "timezone": "America/New_York",
        "timezone_other": ""}, token_from=procedure)
    assert response.status_code == 422
    assert "more than a year ago" in text_of(response)


def _cli_args(performed_at: datetime, *extra: str) -> list[str]:
    args = list(LOG)
    args[args.index("--performed-at") + 1] = performed_at.isoformat()
    return [*args, *extra]


@pytest.mark.usefixtures("env")
def test_cli_guards() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    code, _, err = run(*_cli_args(now + timedelta(days=1)))
    assert code == 2 and "in the future" in err
    code, _, err = run(*_cli_args(now, "--follow-up", "0001-01-01T00:00:00+05:00"))
    assert code == 2 and "follow_up_at" in err
    code, out, err = run(*_cli_args(now, "--follow-up", (now + timedelta(days=30)).isoformat()))
    assert code == 0, err
    code, _, err = run(*_cli_args(now))
    assert code == 2 and "allow_duplicate" in err
    code, out, err = run(*_cli_args(now, "--allow-duplicate"))
    assert code == 0 and json.loads(out)["created"] is True



def test_web_reschedule_books_the_follow_up_and_replans(web: Web) -> None:
    procedure = submit(web, step="save").headers["location"]
    run_planning(web.container)
    page = web.client.get(procedure)
    assert "to book it" in text_of(page)
    base = {"date": "2026-03-02", "time": "09:00", "timezone": "America/New_York",
            "timezone_other": ""}
    refused = web.post(f"{procedure}/reschedule", {
        **base, "follow_up_date": "2026-03-01", "follow_up_time": "10:00"}, token_from=procedure)
    assert refused.status_code == 422
    assert "before the procedure" in text_of(refused)
    booked = web.post(f"{procedure}/reschedule", {
        **base, "follow_up_date": "2026-04-14", "follow_up_time": "10:30"}, token_from=procedure)
    assert booked.status_code == 303
    page = web.client.get(procedure)
    assert "is on Tue 14 Apr 10:30" in text_of(page)
    assert 'value="2026-04-14"' in page.text
