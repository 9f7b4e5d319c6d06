"""Patient replies on SQLite and PostgreSQL: signed webhooks, keywords, matching, reading,
urgent escalation, delivery status, the clinician API. Services run inline here (recording
queue); test_replies_worker.py runs them in a real Celery worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import DeliveryEvent, Message, Patient, Reply, ReplyReading
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.outbox.planned import plan_pending
from aftercare.outbox.writer import ROUTINE, URGENT
from aftercare.queue import RecordingQueue
from aftercare.replies.escalation import escalate_unreviewed
from aftercare.replies.processing import process_reply
from aftercare.replies.sweep import read_unread
from tests.conftest import FrozenClock
from tests.support.factories import patient_payload, procedure_payload
from tests.support.webhooks import AUTH_TOKEN, PUBLIC_URL, inbound_fields, post_signed

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
PHONE = "+12125550199"


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(db_url, clock=FrozenClock(NOW), settings={
        "twilio_auth_token": AUTH_TOKEN, "public_base_url": PUBLIC_URL,
        "oncall_phone": "+12125550100", "oncall_email": "oncall@clinic.example.org",
        "backup_phone": "+12125550101", "backup_email": "backup@clinic.example.org"})


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as c:
        yield c


def queue(container: Container) -> RecordingQueue:
    assert isinstance(container.queue, RecordingQueue)
    return container.queue


def log_and_plan(client: TestClient, container: Container,
                 procedure: dict[str, object] | None = None, **patient: object) -> int:
    with transaction(container.sessions) as session:
        token = create_token(session, name="desk", role="staff")
    payload = procedure_payload(NOW - timedelta(days=3, hours=1),
                                patient=patient_payload(phone=PHONE, **patient),
                                **(procedure or {}))
    response = client.post("/api/procedures", json=payload,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    procedure_id = int(response.json()["id"])
    with transaction(container.sessions) as session:  # as if logged at the time
        plan_pending(session, plans=container.plans, policy=container.planning_policy,
                     now=NOW - timedelta(days=3, hours=1), limit=10)
    queue(container).planning = 0
    return procedure_id


def send_due(container: Container) -> None:
    dispatch_due(sessions=container.sessions, channels=container.channels,
                 policy=container.dispatch_policy, clock=container.clock)


def process_all(container: Container) -> None:
    """What the woken worker does (aftercare.read_replies)."""
    queue(container).reading = 0
    read_unread(sessions=container.sessions, plans=container.plans,
                settings=container.settings, clock=container.clock, queue=container.queue)


def reply_count(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(Reply)) or 0


def message_rows(container: Container) -> list[Message]:
    with container.sessions() as s:
        return list(s.scalars(select(Message).order_by(Message.id)))


# --- signatures ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/status"])
@pytest.mark.parametrize(("case", "sign"), [("forged", "bm90IGEgc2lnbmF0dXJl"), ("missing", "")])
def test_unsigned_webhooks_are_refused(client: TestClient, container: Container, path: str,
                                       case: str, sign: str) -> None:
    fields = inbound_fields(PHONE, "chest pain")
    response = post_signed(client, path, fields, sign=sign)
    assert response.status_code == 403
    assert reply_count(container) == 0
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DeliveryEvent)) == 0


def test_signed_with_another_token_is_refused(client: TestClient, container: Container) -> None:
    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "hi"),
                           token="someone-elses-token")
    assert response.status_code == 403 and reply_count(container) == 0


def test_tampered_body_is_refused(client: TestClient, container: Container) -> None:
    fields = inbound_fields(PHONE, "all good")
    from tests.support.webhooks import signature

    sign = signature("/webhooks/twilio/sms", fields)
    fields["Body"] = "chest pain"
    assert post_signed(client, "/webhooks/twilio/sms", fields, sign=sign).status_code == 403


def test_same_webhook_twice_records_one_reply(client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    fields = inbound_fields(PHONE, "a bit bruised", NumMedia="1",
                            MediaUrl0="https://api.twilio.com/media/ME1",
                            MediaContentType0="image/jpeg")
    first = post_signed(client, "/webhooks/twilio/sms", fields)
    second = post_signed(client, "/webhooks/twilio/sms", fields)
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"].startswith("text/xml")
    assert reply_count(container) == 1
    assert queue(container).reading == 1
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert reply.media == [{"url": "https://api.twilio.com/media/ME1",
                                "content_type": "image/jpeg"}]
        # Stored raw at once; matched to the patient when it is read, in the worker.
        assert reply.body == "a bit bruised" and reply.patient_id is None
    process_all(container)
    with container.sessions() as s:
        assert s.scalars(select(Reply)).one().patient_id is not None


def test_a_nul_character_does_not_lose_the_reply(client: TestClient,
                                                  container: Container) -> None:
    """PostgreSQL refuses NUL in text; Twilio would get an error and the text be lost."""
    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "sore\x00 leg"))
    assert response.status_code == 200
    with container.sessions() as s:
        assert s.scalars(select(Reply.body)).one() == "sore leg"


# --- keywords ------------------------------------------------------------------------------

def test_stop_opts_out_of_sms_only_and_start_resumes(client: TestClient,
                                                     container: Container) -> None:
    log_and_plan(client, container)
    planned_sms = [m for m in message_rows(container)
                   if m.channel == "sms" and m.status == "planned"]
    assert planned_sms
    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "Stop"))
    assert "no more texts" in response.text
    assert queue(container).reading == 0  # a keyword needs no reading
    rows = message_rows(container)
    assert not [m for m in rows if m.channel == "sms" and m.status == "planned"]
    assert [m for m in rows if m.channel == "email" and m.status == "planned"]
    with container.sessions() as s:
        assert s.scalars(select(Patient)).one().sms_opted_out_at is not None

    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "START"))
    assert "back on" in response.text
    back = {m.id for m in message_rows(container) if m.channel == "sms" and m.status == "planned"}
    # What is still ahead comes back (and the never-sent guide, which is sent even late);
    # what fell due while opted out stays skipped.
    assert back == {m.id for m in planned_sms if m.due_at > NOW or m.step == "welcome"}
    assert len(back) < len(planned_sms)


def test_help_answers_with_the_clinic(client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "help"))
    assert container.settings.clinic_name in response.text
    assert container.settings.clinic_phone in response.text


@pytest.mark.parametrize("text", ["The bleeding won't stop", "cancel my appointment",
                                  "stop texting at night please", "yes"])
def test_sentences_are_not_keywords(client: TestClient, container: Container, text: str
                                    ) -> None:
    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, text))
    with container.sessions() as s:
        assert s.scalars(select(Patient)).one().sms_opted_out_at is None
        assert s.scalars(select(Reply)).one().keyword is None
    assert queue(container).reading == 1


# --- matching and reading ------------------------------------------------------------------

def _sent_check_in(container: Container, step: str, procedure_id: int | None = None) -> Message:
    with transaction(container.sessions) as s:
        query = select(Message).where(Message.step == step, Message.channel == "sms")
        if procedure_id is not None:
            query = query.where(Message.procedure_id == procedure_id)
        message = s.scalars(query).first()
        assert message is not None
        message.status, message.sent_at = "sent", NOW - timedelta(hours=1)
        return message


def test_numbered_answer_is_read_through_the_check_in(client: TestClient,
                                                      container: Container) -> None:
    log_and_plan(client, container)
    check_in = _sent_check_in(container, "day1_check_in")
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "2"))
    process_all(container)
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert reply.answers_message_id == check_in.id
        assert set(reply.present) == {"bruising", "itching", "pain"}
        assert reply.triage == "routine" and reply.review_status == "open"


def test_yes_to_the_one_leg_screen_is_urgent(client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    _sent_check_in(container, "day3_leg_screen")
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "YES"))
    process_all(container)
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert reply.keyword is None and reply.triage == "urgent"


def test_reply_matches_the_latest_check_in_across_procedures(client: TestClient,
                                                             container: Container) -> None:
    left = log_and_plan(client, container, {"side": "left"}, external_id="MRN-7")
    right = log_and_plan(client, container, {"side": "right"}, external_id="MRN-7")
    _sent_check_in(container, "day1_check_in", left)
    with transaction(container.sessions) as s:
        later = s.scalars(select(Message).where(Message.procedure_id == right,
                                                Message.step == "day3_leg_screen",
                                                Message.channel == "sms")).one()
        later.status, later.sent_at = "sent", NOW - timedelta(minutes=5)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "no"))
    process_all(container)
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert (reply.procedure_id, reply.answers_message_id) == (right, later.id)


def test_unknown_number_is_stored_and_shown_to_staff(client: TestClient,
                                                     container: Container) -> None:
    post_signed(client, "/webhooks/twilio/sms", inbound_fields("+13105550123", "thanks!"))
    process_all(container)
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert reply.patient_id is None
        assert reply.review_status == "open" and reply.triage == "review"
        assert "from a number not on file" in reply.reasons


def test_urgent_reply_sends_safety_sms_and_alerts(client: TestClient,
                                                  container: Container) -> None:
    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms",
                inbound_fields(PHONE, "my calf is swollen hot and painful"))
    process_all(container)
    urgent = [m for m in message_rows(container) if m.reply_id is not None]
    assert {(m.kind, m.channel, m.audience) for m in urgent} == {
        ("safety", "sms", "patient"), ("alert", "sms", "clinician"),
        ("alert", "email", "clinician")}
    # Ahead of every reminder in the outbox (see test_urgent_first.py).
    assert {m.priority for m in urgent} == {URGENT}
    assert {m.priority for m in message_rows(container) if m.reply_id is None} == {ROUTINE}
    send_due(container)
    sms = container.channels["sms"].sent  # type: ignore[attr-defined]
    safety = [m for m in sms if m.to == PHONE]
    assert safety and "911" in safety[-1].body and container.settings.clinic_phone in \
        safety[-1].body
    assert any(m.to == "+12125550100" for m in sms)
    emails = container.channels["email"].sent  # type: ignore[attr-defined]
    assert any(m.to == "oncall@clinic.example.org" for m in emails)
    with container.sessions() as s:
        reply = s.scalars(select(Reply)).one()
        assert reply.triage == "urgent" and reply.escalation_level == 1
        assert reply.reasons
        assert s.scalar(select(func.count()).select_from(ReplyReading)) == 1
    # Read again (two workers woken together): nothing new is sent.
    with transaction(container.sessions) as session:
        assert not process_reply(session, reply_id=reply.id, plans=container.plans,
                                 settings=container.settings, now=NOW, queue=container.queue)
    assert len([m for m in message_rows(container) if m.reply_id is not None]) == 3


def test_unreviewed_urgent_reply_escalates_then_reaches_backup(client: TestClient,
                                                               container: Container) -> None:
    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms",
                inbound_fields(PHONE, "chest pain and cant breathe"))
    process_all(container)
    clock = container.clock
    assert isinstance(clock, FrozenClock)

    def escalate() -> int:
        return escalate_unreviewed(sessions=container.sessions, settings=container.settings,
                                   clock=clock, queue=container.queue)

    clock.now = NOW + timedelta(minutes=14)
    assert escalate() == 0
    clock.now = NOW + timedelta(minutes=16)
    assert escalate() == 1
    clock.now = NOW + timedelta(minutes=32)
    assert escalate() == 1
    clock.now = NOW + timedelta(minutes=60)
    assert escalate() == 0  # backup was the last level
    alerts = [m for m in message_rows(container) if m.kind == "alert"]
    assert {m.to_address for m in alerts} == {"+12125550100", "oncall@clinic.example.org",
                                              "+12125550101", "backup@clinic.example.org"}
    assert len(alerts) == 6


def test_reviewed_urgent_reply_does_not_escalate(client: TestClient, container: Container
                                                 ) -> None:
    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "I'm short of breath"))
    process_all(container)
    with transaction(container.sessions) as session:
        token = create_token(session, name="dr", role="clinician")
    reply_id = client.get("/api/reviews", headers={"Authorization": f"Bearer {token}"}
                          ).json()["items"][0]["id"]
    response = client.post(f"/api/replies/{reply_id}/review",
                           json={"outcome": "sent_to_emergency_care", "note": "called 911"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    container.clock.now = NOW + timedelta(hours=1)  # type: ignore[attr-defined]
    assert escalate_unreviewed(sessions=container.sessions, settings=container.settings,
                               clock=container.clock, queue=container.queue) == 0


# --- delivery status -------------------------------------------------------------------------

def _sent_with_sid(container: Container, step: str, sid: str) -> int:
    message = _sent_check_in(container, step)
    with transaction(container.sessions) as s:
        row = s.get(Message, message.id)
        assert row is not None
        row.provider_id, row.provider_status = sid, "queued"
    return message.id


def status(client: TestClient, sid: str, value: str, **extra: str) -> int:
    fields = {"MessageSid": sid, "MessageStatus": value, "AccountSid": "AC" + "a" * 32,
              "From": "+15017122661", "To": PHONE, **extra}
    return int(post_signed(client, "/webhooks/twilio/status", fields).status_code)


def test_status_callbacks_out_of_order_never_step_back(client: TestClient,
                                                       container: Container) -> None:
    log_and_plan(client, container)
    message_id = _sent_with_sid(container, "walk_2h", "SM" + "1" * 32)
    for value in ("delivered", "sent", "sending", "delivered"):
        assert status(client, "SM" + "1" * 32, value) == 200
    with container.sessions() as s:
        row = s.get(Message, message_id)
        assert row is not None and (row.status, row.provider_status) == ("delivered",
                                                                         "delivered")
        assert row.delivered_at is not None
        assert s.scalar(select(func.count()).select_from(DeliveryEvent)) == 3


def test_unknown_sid_gets_200(client: TestClient) -> None:
    assert status(client, "SM" + "9" * 32, "delivered") == 200


def test_callback_before_the_send_committed_is_applied_later(client: TestClient,
                                                             container: Container) -> None:
    log_and_plan(client, container)

    class EarlyProvider:
        name = "early"

        def send(self, message):  # type: ignore[no-untyped-def]
            from aftercare.channels.base import Sent

            # Twilio's callback wins the race against our own commit.
            assert status(client, "SM" + "7" * 32, "delivered") == 200
            return Sent(provider_id="SM" + "7" * 32, provider_status="queued")

        def lookup(self, message):  # type: ignore[no-untyped-def]
            raise AssertionError

    container.channels["sms"] = EarlyProvider()  # type: ignore[assignment]
    with transaction(container.sessions) as s:
        for m in s.scalars(select(Message)):
            if m.channel == "sms" and m.step != "day14_check_in":
                m.status = "cancelled"
            elif m.channel == "sms":
                # When it falls due: later, past its expiry, it would be skipped.
                container.clock.now = m.due_at  # type: ignore[attr-defined]
    send_due(container)
    with container.sessions() as s:
        row = s.scalars(select(Message).where(Message.step == "day14_check_in",
                                              Message.channel == "sms")).one()
        assert row.status == "delivered"


def test_undelivered_check_in_falls_back_to_email(client: TestClient,
                                                  container: Container) -> None:
    log_and_plan(client, container)
    message_id = _sent_with_sid(container, "day1_check_in", "SM" + "2" * 32)
    status(client, "SM" + "2" * 32, "sent")
    assert queue(container).dispatches == 0  # nothing to send: dispatch is not woken
    status(client, "SM" + "2" * 32, "undelivered", ErrorCode="30003")
    status(client, "SM" + "2" * 32, "undelivered", ErrorCode="30003")
    rows = message_rows(container)
    original = next(m for m in rows if m.id == message_id)
    assert (original.status, original.error_code) == ("undelivered", "30003")
    fallback = [m for m in rows if m.dedupe_key == f"fallback:{message_id}:day1_check_in:email"]
    assert len(fallback) == 1 and fallback[0].body == original.body
    # No later than the text it replaces would have gone.
    assert original.expires_at is not None and fallback[0].expires_at == original.expires_at
    assert queue(container).dispatches == 1  # woken once, for the fallback


# --- the clinician API ---------------------------------------------------------------------

def test_review_queue_order_roles_and_paging(client: TestClient, container: Container) -> None:
    log_and_plan(client, container)
    texts = ["a little bruised", "there is a hard lump", "my chest hurts",
             "some itching", "lump getting bigger"]
    for i, text in enumerate(texts):
        container.clock.now = NOW + timedelta(minutes=i)  # type: ignore[attr-defined]
        post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, text))
    process_all(container)
    with transaction(container.sessions) as session:
        staff = create_token(session, name="desk", role="staff")
        clinician = create_token(session, name="dr", role="clinician")
    assert client.get("/api/reviews", headers={"Authorization": f"Bearer {staff}"}
                      ).status_code == 403
    auth = {"Authorization": f"Bearer {clinician}"}
    page = client.get("/api/reviews?status=open&limit=2", headers=auth).json()
    rest = client.get(f"/api/reviews?status=open&limit=10&offset={page['next_offset']}",
                      headers=auth).json()
    items = page["items"] + rest["items"]
    assert [i["triage"] for i in items] == sorted(
        (i["triage"] for i in items), key=["urgent", "review", "routine"].index)
    assert items[0]["body"] == "my chest hurts"
    reviews = [i for i in items if i["triage"] == "review"]
    assert [i["received_at"] for i in reviews] == sorted(i["received_at"] for i in reviews)
    assert rest["next_offset"] is None
    bad = client.post(f"/api/replies/{items[0]['id']}/review", json={"outcome": "shrugged"},
                      headers=auth)
    assert bad.status_code == 422
    ok = client.post(f"/api/replies/{items[0]['id']}/review",
                     json={"outcome": "called_patient", "note": "advised ED"}, headers=auth)
    assert ok.status_code == 201 and ok.json()["reviewer"] == "token:dr"
    remaining = client.get("/api/reviews", headers=auth).json()["items"]
    assert items[0]["id"] not in {i["id"] for i in remaining}


def test_reread_keeps_history_and_raw_text(client: TestClient, container: Container) -> None:
    from aftercare.replies.processing import reread

    log_and_plan(client, container)
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "bit swollen"))
    process_all(container)
    with transaction(container.sessions) as s:
        reply = s.scalars(select(Reply)).one()
        reply.reading = {"intent": "other", "reader_version": "reader-old"}  # an older reader
        reply.triage = "none"
    with transaction(container.sessions) as s:
        assert reread(s, reply_id=reply.id, plans=container.plans, settings=container.settings,
                      now=NOW, queue=container.queue)
    with transaction(container.sessions) as s:
        assert not reread(s, reply_id=reply.id, plans=container.plans,
                          settings=container.settings, now=NOW,
                          queue=container.queue)  # unchanged: no new row
    with container.sessions() as s:
        again = s.get(Reply, reply.id)
        assert again is not None and again.body == "bit swollen"
        assert again.present == ["swelling"]
        assert s.scalar(select(func.count()).select_from(ReplyReading)) == 2


def test_shared_phone_reply_goes_to_the_patient_texted_last(client: TestClient,
                                                            container: Container) -> None:
    """A family phone: two patients on one number; a reply that answers no check-in goes to
    the one we texted most recently."""
    log_and_plan(client, container, first_name="Ana")
    log_and_plan(client, container, first_name="Luis")
    with transaction(container.sessions) as s:
        luis = s.scalars(select(Patient).where(Patient.first_name == "Luis")).one()
        walk = s.scalars(select(Message).where(Message.patient_id == luis.id,
                                               Message.kind == "walking")).first()
        assert walk is not None
        # Later than Ana's record was created (created_at is the real clock, not NOW).
        walk.status, walk.sent_at = "sent", datetime.now(UTC) + timedelta(seconds=1)
        luis_id = luis.id
    post_signed(client, "/webhooks/twilio/sms", inbound_fields(PHONE, "thanks"))
    process_all(container)
    with container.sessions() as s:
        assert s.scalars(select(Reply)).one().patient_id == luis_id
