"""A clinic group's locations, on SQLite and PostgreSQL: texts in each location's name from
its own sender, its quiet hours, replies matched within the location whose number they
reached, alerts to the location's rota, the checks on a location's details, and staff who
see only their own locations' patients (404 for the others', not 403)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import ConsentEvent, Location, Message, OnCallShift, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.errors import InvalidRequest
from aftercare.locations.store import add_location, all_locations
from aftercare.outbox.planned import plan_pending
from aftercare.replies.sweep import read_unread
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import add_user, make_web, text_of
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload
from tests.support.webhooks import AUTH_TOKEN, PUBLIC_URL, inbound_fields, post_signed

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday, 10:00 in New York, 07:00 in LA
UPTOWN_SENDER = "+12125550400"
LAKESIDE_SENDER = "MG" + "c" * 32
UPTOWN = {"key": "uptown", "name": "Uptown Vein Care", "phone": "+1 212 555 0410",
          "timezone": "America/New_York", "sms_sender": UPTOWN_SENDER,
          "emergency_number": "911", "oncall_phone": "+12125550499"}
LAKESIDE = {"key": "lakeside", "name": "Lakeside Legs", "phone": "+1 312 555 0420",
            "timezone": "America/Chicago", "sms_sender": LAKESIDE_SENDER,
            "quiet_hours_start": "19:00", "quiet_hours_end": "10:00"}


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    container = make_container(db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL,
        "oncall_phone": "+12125550100"})
    with transaction(container.sessions) as session:
        for values in (UPTOWN, LAKESIDE):
            add_location(session, values, phone_region="US")
    return container


@pytest.fixture
def api(container: Container) -> Iterator[TestClient]:
    with api_client(container) as client:
        yield client


def log(api: TestClient, container: Container, *, location: str | None, phone: str,
        days_ago: float = 3, **patient: object) -> int:
    extra = {"location": location} if location else {}
    payload = procedure_payload(NOW - timedelta(days=days_ago), **extra,
                                patient=patient_payload(phone=phone, **patient))
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 201, response.text
    with transaction(container.sessions) as session:  # planned as if logged at the time
        plan_pending(session, plans=container.plans, policy=container.planning_policy,
                     now=NOW - timedelta(days=days_ago), limit=10)
    return int(response.json()["id"])


def rows(container: Container, **where: object) -> list[Message]:
    with container.sessions() as session:
        query = select(Message).order_by(Message.id)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return list(session.scalars(query))


def test_the_settings_are_the_default_location(container: Container) -> None:
    with container.sessions() as session:
        default, *others = all_locations(session)
    assert (default.key, default.name, default.phone) == (
        "main", container.settings.clinic_name, container.settings.clinic_phone)
    assert default.sms_sender == ""  # the settings' own sender
    assert [o.key for o in others] == ["uptown", "lakeside"]


def test_texts_name_the_location_and_keep_its_quiet_hours(
        api: TestClient, container: Container) -> None:
    main_id = log(api, container, location=None, phone="+12125550181")
    uptown_id = log(api, container, location="uptown", phone="+12125550182")
    lakeside_id = log(api, container, location="lakeside", phone="+12125550183",
                      timezone="America/Chicago")
    assert api.get(f"/api/procedures/{uptown_id}").json()["location"] == "uptown"
    main_texts = " ".join(m.body for m in rows(container, procedure_id=main_id))
    uptown_texts = " ".join(m.body for m in rows(container, procedure_id=uptown_id))
    assert container.settings.clinic_name in main_texts and "Uptown" not in main_texts
    assert "Uptown Vein Care" in uptown_texts and container.settings.clinic_name not in \
        uptown_texts
    # Lakeside keeps quiet until 10:00: nothing of its plan is due before then locally.
    for m in rows(container, procedure_id=lakeside_id, status="planned"):
        local = datetime.fromisoformat(m.local_due)
        assert not (local.hour >= 19 or local.hour < 10), (m.step, m.local_due)


def test_an_unknown_location_is_refused_and_nothing_is_logged(
        api: TestClient, container: Container) -> None:
    payload = procedure_payload(NOW, location="nowhere",
                                patient=patient_payload(phone="+12125550184"))
    response = api.post("/api/procedures", json=payload)
    assert response.status_code == 422
    assert "unknown location 'nowhere'" in response.text and "uptown" in response.text
    with container.sessions() as session:
        assert session.scalars(select(Procedure)).all() == []


def test_each_location_sends_from_its_own_sender(api: TestClient,
                                                 container: Container) -> None:
    log(api, container, location="uptown", phone="+12125550185", days_ago=0.1)
    log(api, container, location="lakeside", phone="+12125550186", days_ago=0.1,
        timezone="America/New_York")
    log(api, container, location=None, phone="+12125550187", days_ago=0.1)
    dispatch_due(sessions=container.sessions, channels=container.channels,
                 policy=container.dispatch_policy, clock=container.clock)
    sent = container.channels["sms"].sent  # type: ignore[attr-defined]
    by_phone = {o.to: o for o in sent}
    assert by_phone["+12125550185"].sender == UPTOWN_SENDER
    assert by_phone["+12125550186"].sender == LAKESIDE_SENDER
    assert by_phone["+12125550187"].sender == ""  # the settings' sender
    assert by_phone["+12125550185"].clinic_name == "Uptown Vein Care"


def test_a_reply_is_matched_within_the_location_whose_number_it_reached(
        api: TestClient, container: Container) -> None:
    phone = "+12125550188"  # one patient, treated at two locations
    at_main = log(api, container, location=None, phone=phone, first_name="Rita")
    at_uptown = log(api, container, location="uptown", phone=phone, first_name="Rita",
                    days_ago=2)
    with transaction(container.sessions) as session:
        for m in session.scalars(select(Message).where(Message.kind == "check_in",
                                                       Message.channel == "sms")):
            m.status, m.sent_at = "sent", NOW - timedelta(hours=2)
    post_signed(api, "/webhooks/twilio/sms", inbound_fields(phone, "a little bruising",
                                                            To=UPTOWN_SENDER))
    post_signed(api, "/webhooks/twilio/sms", inbound_fields(phone, "fine thanks"))
    post_signed(api, "/webhooks/twilio/sms", inbound_fields("+12125550999", "who is this?",
                                                            To=UPTOWN_SENDER))
    read_unread(sessions=container.sessions, plans=container.plans,
                settings=container.settings, clock=container.clock, queue=container.queue)
    with container.sessions() as session:
        uptown = session.scalar(select(Location.id).where(Location.key == "uptown"))
        replies = {r.body: r for r in session.scalars(select(Reply))}
    assert replies["a little bruising"].procedure_id == at_uptown
    assert replies["a little bruising"].location_id == uptown
    assert replies["fine thanks"].procedure_id in (at_main, at_uptown)
    assert replies["who is this?"].patient_id is None
    assert replies["who is this?"].location_id == uptown  # its inbox, not the default's


def test_urgent_alerts_go_to_the_location_rota(api: TestClient, container: Container) -> None:
    with transaction(container.sessions) as session:
        lakeside = session.scalar(select(Location.id).where(Location.key == "lakeside"))
        session.add_all(OnCallShift(location_id=lakeside, weekday=day, starts="00:00",
                                    ends="00:00", name="Dr Lake", phone="+13125550500")
                        for day in range(7))
    log(api, container, location="lakeside", phone="+12125550189")
    log(api, container, location="uptown", phone="+12125550190")
    log(api, container, location=None, phone="+12125550191")
    for phone in ("+12125550189", "+12125550190", "+12125550191"):
        post_signed(api, "/webhooks/twilio/sms", inbound_fields(phone, "chest pain, can't breathe"))
    read_unread(sessions=container.sessions, plans=container.plans,
                settings=container.settings, clock=container.clock, queue=container.queue)
    alerts = {m.reply_id: m.to_address for m in rows(container, kind="alert", channel="sms")}
    safety = {m.reply_id: m.body for m in rows(container, kind="safety")}
    with container.sessions() as session:
        by_phone = {r.from_phone: r.id for r in session.scalars(select(Reply))}
    assert alerts[by_phone["+12125550189"]] == "+13125550500"  # Lakeside's rota
    assert alerts[by_phone["+12125550190"]] == "+12125550499"  # Uptown's own on-call phone
    assert alerts[by_phone["+12125550191"]] == "+12125550100"  # the settings' contact
    assert "Lakeside Legs" in safety[by_phone["+12125550189"]]
    assert "+1 212 555 0410" in safety[by_phone["+12125550190"]]


@pytest.mark.parametrize("values, field", [
    ({**UPTOWN, "key": "Up Town"}, "key"),
    ({**UPTOWN, "key": "uptown2", "timezone": "Mars/Base"}, "timezone"),
    ({**UPTOWN, "key": "uptown2", "sms_sender": "555"}, "sms_sender"),
    ({**UPTOWN, "key": "uptown2"}, "sms_sender"),  # Uptown's number already
    ({**LAKESIDE, "key": "lake2", "sms_sender": "", "quiet_hours_end": ""}, "quiet_hours_end"),
    ({**LAKESIDE, "key": "lake2", "sms_sender": "", "quiet_hours_start": "7pm"},
     "quiet_hours_start"),
    ({**UPTOWN, "key": "uptown", "sms_sender": ""}, "key"),  # taken
    ({**UPTOWN, "key": "x", "name": "", "sms_sender": ""}, "name"),
])
def test_a_location_with_a_wrong_detail_is_refused(container: Container,
                                                   values: dict[str, str], field: str) -> None:
    with transaction(container.sessions) as session, pytest.raises(InvalidRequest) as refused:
        add_location(session, values, phone_region="US")
    assert refused.value.field == (field,)
    with container.sessions() as session:
        assert len(all_locations(session)) == 3


def test_locations_from_the_command_line(container: Container, db_url: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AFTERCARE_DATABASE_URL": db_url,
                       "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                       "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
                       "AFTERCARE_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    added = runner.invoke(main, ["locations", "add", "riverside", "--name", "Riverside",
                                 "--phone", "+1 555 010 9999", "--timezone", "America/Denver"])
    assert added.exit_code == 0, added.output
    changed = runner.invoke(main, ["locations", "set", "riverside", "--sms-sender",
                                   "(720) 555-0143"])
    assert changed.exit_code == 0, changed.output
    refused = runner.invoke(main, ["locations", "set", "riverside", "--timezone", "Nowhere"])
    assert refused.exit_code != 0 and "timezone" in refused.output
    listed = runner.invoke(main, ["locations", "list"])
    assert "riverside\tRiverside\t+1 555 010 9999\tAmerica/Denver\t+17205550143" in listed.output
    assert "main\t" in listed.output.splitlines()[0] and "[default]" in listed.output


def test_staff_see_only_their_locations_patients(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL})
    with transaction(web.container.sessions) as session:
        add_location(session, UPTOWN, phone_region="US")
    with api_client(web.container) as api:
        ours = log(api, web.container, location=None, phone="+12125550192", first_name="Ours")
        theirs = log(api, web.container, location="uptown", phone="+12125550193",
                     first_name="Theirs")
        post_signed(api, "/webhooks/twilio/sms", inbound_fields("+12125550193", "my calf hurts",
                                                                To=UPTOWN_SENDER))
        read_unread(sessions=web.container.sessions, plans=web.container.plans,
                    settings=web.container.settings, clock=web.container.clock,
                    queue=web.container.queue)
    with web.container.sessions() as session:
        their_patient = session.get(Procedure, theirs).patient_id  # type: ignore[union-attr]
        their_reply = session.scalars(select(Reply)).one().id
    add_user(web.container, "desk@example.org", "clinician")  # at the default location
    assert web.login("desk@example.org").status_code == 303

    listed = text_of(web.client.get("/procedures"))
    assert "Ours" in listed and "Theirs" not in listed
    assert "Theirs" not in text_of(web.client.get("/procedures?q=Theirs"))
    assert "my calf hurts" not in web.client.get("/review").text
    for path in (f"/procedures/{theirs}", f"/patients/{their_patient}",
                 f"/patients/{their_patient}/export", f"/review/{their_reply}",
                 f"/phone/{their_patient}"):
        assert web.client.get(path).status_code == 404, path
    cancel = web.post(f"/procedures/{theirs}/cancel", {"reason": "x"})
    assert cancel.status_code == 404
    assert web.client.get(f"/procedures/{ours}").status_code == 200

    add_user(web.container, "boss@example.org", "admin")
    web.client.cookies.clear()
    assert web.login("boss@example.org").status_code == 303
    assert "Theirs" in text_of(web.client.get("/procedures"))
    assert web.client.get(f"/review/{their_reply}").status_code == 200
    # The admin puts the clinician at Uptown too; now they see its patients.
    with web.container.sessions() as session:
        desk = session.scalar(select(Location.id).where(Location.key == "main"))
    assert desk is not None
    from aftercare.db.models import User
    with web.container.sessions() as session:
        clinician = session.scalars(select(User).where(User.email == "desk@example.org")).one()
    saved = web.post(f"/admin/users/{clinician.id}/locations",
                     {"location": ["main", "uptown"]}, token_from="/admin/users")
    assert saved.status_code == 303
    web.client.cookies.clear()
    assert web.login("desk@example.org").status_code == 303
    assert web.client.get(f"/procedures/{theirs}").status_code == 200
    assert "my calf hurts" in web.client.get("/review").text


def test_the_form_asks_for_the_location_only_where_there_is_a_choice(
        make_container: Callable[..., Container], db_url: str) -> None:
    from tests.integration.test_web_procedures import form

    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "one@example.org", "staff")  # at the default location only
    assert web.login("one@example.org").status_code == 303
    assert 'name="location"' not in web.client.get("/procedures/new").text.replace(
        'type="hidden" name="location"', "")
    with transaction(web.container.sessions) as session:
        add_location(session, UPTOWN, phone_region="US")
    add_user(web.container, "admin@example.org", "admin")  # every location
    web.client.cookies.clear()
    assert web.login("admin@example.org").status_code == 303
    assert 'id="location"' in web.client.get("/procedures/new").text
    unchosen = web.post("/procedures/new", form(), token_from="/procedures/new")
    assert unchosen.status_code == 422 and "Choose where the procedure was done." in \
        text_of(unchosen)
    preview = web.post("/procedures/new", form(location="uptown"), token_from="/procedures/new")
    assert preview.status_code == 200 and "Uptown Vein Care" in preview.text
    saved = web.post("/procedures/new", form(location="uptown", step="save"),
                     token_from="/procedures/new")
    assert saved.status_code == 303
    with web.container.sessions() as session:
        procedure = session.scalars(select(Procedure)).one()
        assert procedure.location.key == "uptown"
        assert {(c.method, c.actor) for c in session.scalars(select(ConsentEvent))} == {
            ("intake", "admin@example.org")}
    forged = web.post("/procedures/new", form(location="elsewhere", step="save",
                                              phone="(212) 555-0143"),
                      token_from="/procedures/new")
    assert forged.status_code == 422


def test_a_day_list_names_each_rows_location(container: Container) -> None:
    from aftercare.procedures.daylist_import import import_day_list

    csv = (b"first_name,phone,sms_consent,email_consent,procedure_type,performed_at,location\n"
           b"Ada,(212) 555-0171,yes,no,sclerotherapy,2026-03-02 09:00,uptown\n"
           b"Bea,(212) 555-0172,yes,no,sclerotherapy,2026-03-02 09:30,\n")

    def run(locations: set[str | None] | None) -> object:
        with transaction(container.sessions) as session:
            return import_day_list(session, data=csv, plans=container.plans,
                                   phone_region="US", clinic_zone="America/New_York",
                                   queue=container.queue, now=NOW, dry_run=False,
                                   by="desk@example.org", locations=locations)

    refused = run({None, "main"})  # someone who works at the default location only
    assert [(p.line, p.column) for p in refused.problems] == [(2, "location")]  # type: ignore[attr-defined]
    with container.sessions() as session:
        assert session.scalars(select(Procedure)).all() == []
    logged = run(None)
    assert logged.ok  # type: ignore[attr-defined]
    with container.sessions() as session:
        where = {p.patient.first_name: p.location.key for p in session.scalars(select(Procedure))}
    assert where == {"Ada": "uptown", "Bea": "main"}


def test_reports_per_location(api: TestClient, container: Container, db_url: str,
                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from aftercare.reports.queries import report

    log(api, container, location="uptown", phone="+12125550194")
    log(api, container, location="uptown", phone="+12125550195")
    log(api, container, location=None, phone="+12125550196")
    since, until = NOW - timedelta(days=10), NOW + timedelta(days=1)
    with container.sessions() as session:
        uptown = session.scalar(select(Location.id).where(Location.key == "uptown"))
        assert uptown is not None
        assert report(session, plan=None, since=since, until=until).procedures == 3
        assert report(session, plan=None, since=since, until=until,
                      locations=[uptown]).procedures == 2
    for key, value in {"AFTERCARE_DATABASE_URL": db_url,
                       "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                       "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
                       "AFTERCARE_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(key, value)
    printed = CliRunner().invoke(main, ["report", "--location", "uptown", "--since",
                                        "2026-02-20", "--until", "2026-03-03", "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["figures"]["procedures"] == 2
    unknown = CliRunner().invoke(main, ["report", "--location", "nowhere", "--since",
                                        "2026-02-20"])
    assert unknown.exit_code != 0 and "unknown location 'nowhere'" in unknown.output


def test_an_admin_puts_a_shift_on_one_locations_rota(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    with transaction(web.container.sessions) as session:
        add_location(session, LAKESIDE, phone_region="US")
    add_user(web.container, "boss@example.org", "admin")
    assert web.login("boss@example.org").status_code == 303
    shift = {"weekday": "0", "starts": "08:00", "ends": "18:00", "name": "Dr Lake",
             "phone": "(312) 555-0501"}
    assert web.post("/admin/oncall", {**shift, "location": "lakeside"},
                    token_from="/admin/oncall").status_code == 303
    assert web.post("/admin/oncall", {**shift, "location": ""},
                    token_from="/admin/oncall").status_code == 303
    assert web.post("/admin/oncall", {**shift, "location": "nowhere"},
                    token_from="/admin/oncall").status_code == 422
    with web.container.sessions() as session:
        lakeside = session.scalar(select(Location.id).where(Location.key == "lakeside"))
        where = [s.location_id for s in session.scalars(select(OnCallShift)
                                                        .order_by(OnCallShift.id))]
    assert where == [lakeside, None]
    assert "Lakeside Legs" in web.client.get("/admin/oncall").text


@pytest.mark.redis
def test_a_claim_paces_each_location_sender_on_its_own(api: TestClient,
                                                       container: Container) -> None:
    import uuid

    import redis

    from aftercare.dispatch.ratelimit import build_limiter
    from aftercare.outbox.claim import claim_due
    from tests.conftest import REDIS_URL

    for location, phone in (("uptown", "+12125550197"), ("uptown", "+12125550198"),
                            (None, "+12125550199")):
        log(api, container, location=location, phone=phone, days_ago=0.01,
            timezone="America/New_York")
    default = f"+1555{uuid.uuid4().hex[:6]}"
    # The channel's own sender is fast (its room lets one claim take all three); Uptown's
    # number may send one a second.
    limiter = build_limiter(redis_url=f"{REDIS_URL}/7", sender=default, rate_per_second=50.0,
                            overrides={UPTOWN_SENDER: 1.0})
    client = redis.Redis.from_url(f"{REDIS_URL}/7")

    def forget() -> None:  # Uptown's number is the same in every run
        for key in client.scan_iter("aftercare:rate:sms:*"):
            if default in str(key) or UPTOWN_SENDER in str(key):
                client.delete(key)

    forget()
    try:
        with transaction(container.sessions) as session:
            slots = claim_due(session, now=NOW, limit=50, limiter=limiter)
            sender_of = {m.id: m.procedure.location.key  # type: ignore[union-attr]
                         for m in session.scalars(select(Message).where(
                             Message.id.in_(list(slots)), Message.channel == "sms"))}
    finally:
        forget()
        client.close()
    waits = {where: sorted(slots[i] for i, w in sender_of.items() if w == where)
             for where in ("uptown", "main")}
    assert len(waits["uptown"]) == 2 and len(waits["main"]) == 1
    assert waits["uptown"] == pytest.approx([0.0, 1.0], abs=0.05)  # its own number, 1/s
    assert waits["main"] == pytest.approx([0.0], abs=0.05)  # not behind Uptown's queue


def test_a_changed_location_phone_reaches_the_texts_not_sent_yet(
        make_container: Callable[..., Container], db_url: str) -> None:
    """The admin corrects Uptown's phone: every text still to go says the new number (none
    the old), texts already sent stay as they went, and the planner is woken."""
    from aftercare.procedures.sweep import plan_unplanned
    from tests.support.queue import RecordingQueue

    web = make_web(make_container, db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL})
    container = web.container
    with transaction(container.sessions) as session:
        add_location(session, UPTOWN, phone_region="US")
    with api_client(container) as api:
        procedure = log(api, container, location="uptown", phone="+12125550188")
    dispatch_due(sessions=container.sessions, channels=container.channels,
                 policy=container.dispatch_policy, clock=container.clock)
    sent_before = {m.id: m.body for m in rows(container, procedure_id=procedure)
                   if m.status not in ("planned", "skipped")}
    ahead = [m for m in rows(container, procedure_id=procedure) if m.status == "planned"]
    assert sent_before and ahead
    assert any("212-555-0410" in m.body or "555 0410" in m.body for m in ahead), ahead[0].body
    queue = container.queue
    assert isinstance(queue, RecordingQueue)
    woken = queue.planning

    add_user(container, "boss@example.org", "admin")
    assert web.login("boss@example.org").status_code == 303
    changed = web.post("/admin/locations/uptown", {**UPTOWN, "phone": "+1 212 555 0477"},
                       token_from="/admin/locations")
    assert changed.status_code == 303, changed.text
    assert queue.planning == woken + 1
    plan_unplanned(sessions=container.sessions, plans=container.plans,
                   policy=container.planning_policy, clock=container.clock,
                   older_than=timedelta(0))
    after = rows(container, procedure_id=procedure)
    assert {m.id: m.body for m in after if m.id in sent_before} == sent_before
    still_ahead = [m for m in after if m.status == "planned"]
    assert len(still_ahead) == len(ahead)
    assert not any("0410" in m.body for m in still_ahead)
    assert sum("0477" in m.body for m in still_ahead) == sum(
        "0410" in m.body for m in ahead)

    # A change no text shows (the address) re-plans nothing.
    with container.sessions() as session:
        assert session.get(Procedure, procedure).planned_at is not None  # type: ignore[union-attr]
    web.post("/admin/locations/uptown", {**UPTOWN, "phone": "+1 212 555 0477",
                                         "address": "1 Main St"}, token_from="/admin/locations")
    with container.sessions() as session:
        assert session.get(Procedure, procedure).planned_at is not None  # type: ignore[union-attr]
