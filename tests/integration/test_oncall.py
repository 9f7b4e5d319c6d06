# ruff: noqa: F811 (the fixtures of test_replies.py are imported and used by name)
"""The on-call rota on SQLite and PostgreSQL: urgent alerts reach the person on call now, the
escalation reaches the shift's backup, admins edit the rota, and clinicians see a banner
while nobody is on call. Plus the acknowledgement a non-urgent symptom reply gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from aftercare.container import Container
from aftercare.db.models import OnCallShift, Reply
from aftercare.db.session import transaction
from aftercare.replies.escalation import escalate_unreviewed
from tests.conftest import FrozenClock
from tests.integration.test_replies import (  # noqa: F401 (fixtures)
    NOW,
    PHONE,
    _sent_check_in,
    client,
    container,
    log_and_plan,
    message_rows,
    process_all,
)
from tests.integration.test_web_support import Web, add_user, make_web, text_of
from tests.support.webhooks import inbound_fields, post_signed


def add_rota(container: Container) -> None:
    # NOW is Monday 2 March 2026, 10:00 in New York (the clinic's zone).
    with transaction(container.sessions) as session:
        session.add_all([
            OnCallShift(weekday=0, starts="08:00", ends="18:00", name="Dr Day",
                        phone="+12125550301", email="day@clinic.example.org",
                        backup_name="Dr Lead", backup_phone="+12125550302"),
            OnCallShift(weekday=0, starts="18:00", ends="08:00", name="Dr Night",
                        phone="+12125550303")])


def test_urgent_alerts_go_to_the_rota_and_the_escalation_to_its_backup(
        client: TestClient, container: Container) -> None:
    add_rota(container)
    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "chest pain, cant breathe"))
    process_all(container)
    first = {m.to_address for m in message_rows(container) if m.kind == "alert"}
    assert first == {"+12125550301", "day@clinic.example.org"}  # not the settings contact
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    for minutes in (16, 32):
        clock.now = NOW + timedelta(minutes=minutes)
        escalate_unreviewed(sessions=container.sessions, settings=container.settings,
                            clock=clock, queue=container.queue)
    alerts = [m for m in message_rows(container) if m.kind == "alert"]
    assert [m.to_address for m in alerts if m.step == "alert3"] == ["+12125550302"]


def test_at_night_the_night_shift_is_alerted(client: TestClient,
                                             container: Container) -> None:
    add_rota(container)
    log_and_plan(client, container)
    clock = container.clock
    assert isinstance(clock, FrozenClock)
    clock.now = NOW + timedelta(hours=12)  # 22:00 in New York
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "I cant breathe"))
    process_all(container)
    assert {m.to_address for m in message_rows(container) if m.kind == "alert"} == {
        "+12125550303"}


def test_a_non_urgent_symptom_reply_to_a_check_in_is_acknowledged_once(
        client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    _sent_check_in(container, "day1_check_in")
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "2"))
    process_all(container)
    acks = [m for m in message_rows(container) if m.kind == "acknowledgement"]
    assert len(acks) == 1 and acks[0].channel == "sms" and acks[0].audience == "patient"
    assert "a nurse will look at your message today" in acks[0].body
    assert container.settings.clinic_phone in acks[0].body
    # Read again (a reread, or two workers): still one.
    with transaction(container.sessions) as session:
        reply = session.scalars(select(Reply)).one()
        reply.read_at = None
    process_all(container)
    assert len([m for m in message_rows(container) if m.kind == "acknowledgement"]) == 1


def test_all_clear_and_urgent_replies_get_no_acknowledgement(
        client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    _sent_check_in(container, "day1_check_in")
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "1"))
    post_signed(client, "/webhooks/twilio/sms",
                inbound_fields(PHONE, "my calf is hot swollen and sore"))
    process_all(container)
    kinds = [m.kind for m in message_rows(container) if m.reply_id is not None]
    assert "acknowledgement" not in kinds and "safety" in kinds


def test_admins_edit_the_rota_and_clinicians_see_when_nobody_is_on_call(
        make_container: Callable[..., Container], db_url: str) -> None:
    web: Web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "admin@example.org", "admin")
    add_user(web.container, "doc@example.org", "clinician")
    add_user(web.container, "desk@example.org", "staff")
    web.login("doc@example.org")
    assert "Nobody is on call now" in web.client.get("/review").text
    web.client.post("/logout", data={"csrf_token": web.csrf("/review")})
    web.login("desk@example.org")
    assert "Nobody is on call now" not in web.client.get("/procedures").text
    assert web.client.get("/admin/oncall").status_code == 403
    web.client.post("/logout", data={"csrf_token": web.csrf("/procedures")})

    web.login("admin@example.org")
    page = web.client.get("/admin/oncall")
    assert "Nobody is on call now" in page.text and "every hour of the week" in page.text
    bad = web.post("/admin/oncall", {"weekday": "0", "starts": "8am", "ends": "18:00",
                                     "name": "Dr Day", "phone": "+12125550301"},
                   token_from="/admin/oncall")
    assert bad.status_code == 422 and "24-hour clock" in bad.text
    unreachable = web.post("/admin/oncall", {"weekday": "0", "starts": "08:00",
                                             "ends": "18:00", "name": "Dr Day"},
                           token_from="/admin/oncall")
    assert unreachable.status_code == 422 and "mobile phone or an email" in unreachable.text
    wrong_phone = web.post("/admin/oncall", {"weekday": "0", "starts": "08:00", "ends": "18:00",
                                             "name": "Dr Day", "phone": "555-12"},
                           token_from="/admin/oncall")
    assert wrong_phone.status_code == 422 and "not a valid phone number" in wrong_phone.text
    with web.container.sessions() as session:
        assert session.scalars(select(OnCallShift)).all() == []
    added = web.post("/admin/oncall", {"weekday": "0", "starts": "08:00", "ends": "18:00",
                                       "name": "Dr Day", "phone": "(212) 555-0301",
                                       "backup_name": "Dr Lead",
                                       "backup_email": "lead@clinic.example.org"},
                     token_from="/admin/oncall")
    assert added.status_code == 303
    page = text_of(web.client.get("/admin/oncall"))
    assert "On call: Dr Day" in page and "Backup: Dr Lead" in page
    assert "Nobody is on call now" not in page
    assert "Monday 00:00-08:00" in page  # the hours still open
    with web.container.sessions() as session:
        shift = session.scalars(select(OnCallShift)).one()
        assert (shift.phone, shift.updated_by) == ("+12125550301", "admin@example.org")
    assert ("admin@example.org", "add_oncall_shift", f"oncall:{shift.id}") in web.audit()
    removed = web.post(f"/admin/oncall/{shift.id}/delete", {}, token_from="/admin/oncall")
    assert removed.status_code == 303
    assert web.post("/admin/oncall/999/delete", {}, token_from="/admin/oncall"
                    ).status_code == 404
    assert "Nobody is on call now" in web.client.get("/admin/oncall").text


def test_with_a_settings_contact_there_is_no_banner(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW),
                   settings={"oncall_email": "oncall@clinic.example.org"})
    add_user(web.container, "doc@example.org", "clinician")
    web.login("doc@example.org")
    assert "Nobody is on call now" not in web.client.get("/review").text


def test_the_review_page_title_and_icon_count_open_urgent_replies(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW),
                   settings={"oncall_email": "oncall@clinic.example.org"})
    add_user(web.container, "doc@example.org", "clinician")
    web.login("doc@example.org")
    assert "<title>Review ·" in web.client.get("/review").text
    with transaction(web.container.sessions) as session:
        for n in range(2):
            session.add(Reply(message_sid=f"SM{n:032d}", from_phone="+12125550142",
                              to_phone="+15550100000", body="chest pain", received_at=NOW,
                              read_at=NOW, triage="urgent", triage_rank=0,
                              review_status="open"))
    page = web.client.get("/review").text
    assert "<title>(2) Review ·" in page
    assert 'rel="icon"' in page and "data:image/svg+xml," in page and "%3E2%3C" in page


def test_a_lone_surrogate_in_any_json_api_is_a_422_and_writes_nothing(
        client: TestClient, container: Container) -> None:
    from aftercare.auth.tokens import create_token
    from aftercare.db.models import Review

    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "a little bruised"))
    process_all(container)
    with transaction(container.sessions) as session:
        token = create_token(session, name="dr", role="clinician")
        reply_id = session.scalars(select(Reply.id)).one()
    response = client.post(f"/api/replies/{reply_id}/review",
                           content='{"outcome": "called_patient", "note": "rang \\ud800"}',
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "note"]
    assert "rang" not in response.text  # the input is never echoed
    with container.sessions() as session:
        assert session.scalars(select(Review)).all() == []
        assert session.get_one(Reply, reply_id).review_status == "open"


def test_each_location_is_judged_on_its_own_rota(
        make_container: Callable[..., Container], db_url: str) -> None:
    """Uptown's rota covers every hour; the default location has no shift and no contact.
    Another location's full rota must not read as cover here: the page, the banner and
    `doctor` all name the location where an urgent reply would alert nobody."""
    from aftercare.auth.users import set_locations
    from aftercare.db.models import Location
    from aftercare.locations.store import add_location
    from aftercare.ops.doctor import on_call

    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    with transaction(web.container.sessions) as session:
        uptown = add_location(session, {
            "key": "uptown", "name": "Uptown Vein Care", "phone": "+1 212 555 0410",
            "timezone": "America/New_York", "sms_sender": "+12125550400"}, phone_region="US")
        session.flush()
        session.add_all([OnCallShift(location_id=uptown.id, weekday=day, starts="00:00",
                                     ends="00:00", name="Dr Up", phone="+12125550311")
                         for day in range(7)])
    with web.container.sessions() as session:
        main = session.scalars(select(Location).order_by(Location.id)).first()
        assert main is not None and main.key != "uptown"
        main_name = main.name
    add_user(web.container, "admin@example.org", "admin")
    add_user(web.container, "main@example.org", "clinician")  # at the default location
    up = add_user(web.container, "up@example.org", "clinician")
    with transaction(web.container.sessions) as session:
        set_locations(session, user_id=up, keys=["uptown"])

    web.login("admin@example.org")
    page = text_of(web.client.get("/admin/oncall"))
    assert "On call: Dr Up" in page
    assert f"Nobody is on call now at {main_name}" in page
    assert page.count("The rota covers every hour of the week.") == 1  # Uptown's only
    web.client.cookies.clear()
    web.login("main@example.org")
    assert f"Nobody is on call now at {main_name}" in text_of(web.client.get("/review"))
    web.client.cookies.clear()
    web.login("up@example.org")
    assert "Nobody is on call now" not in web.client.get("/review").text

    findings = {f.check: f for f in on_call(web.container.settings)}
    assert findings["on call (uptown)"].problem is None
    assert findings[f"on call ({main.key})"].problem == (
        "nobody: an urgent reply would alert no one")
