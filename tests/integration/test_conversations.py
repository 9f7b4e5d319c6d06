"""Two-way conversations on PostgreSQL: a clinician or staff texts a patient back through
the outbox (consent, opt-out, quiet hours unless urgent, once per form, delivery status),
canned replies, the inbox of unknown numbers, and email replies read like texts (a real
SMTP round trip, then the inbound-email webhook)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aftercare.channels.base import RecordingChannel
from aftercare.channels.smtp_email import SmtpEmail
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from aftercare.outbox.status import StatusCallback, record_statuses
from tests.conftest import FrozenClock
from tests.integration.test_web_support import Web, add_user, make_web, text_of
from tests.support.api import api_client
from tests.support.factories import DEFAULT_LOCATION
from tests.support.queue import run_reading
from tests.support.smtp import SmtpServer

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York
NIGHT = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # 23:00 in New York
SECRET = "inbound-secret-for-tests"
SETTINGS = {"oncall_phone": "+12125559999", "oncall_email": "oncall@example.org",
            "inbound_email_secret": SECRET}
KEY = re.compile(r'name="key" value="([0-9a-f]{32})"')


@pytest.fixture
def web(make_container: Callable[..., Container], pg_db: str) -> Web:
    web = make_web(make_container, pg_db, clock=FrozenClock(NOW), settings=SETTINGS)
    add_user(web.container, "doc@example.org", "clinician", name="Dr. Okafor")
    add_user(web.container, "nurse@example.org", "staff")
    add_user(web.container, "admin@example.org", "admin")
    return web


def seed(container: Container, *, phone: str = "+12125550142",
         email: str = "maria@example.org") -> dict[str, int]:
    """A patient, her procedure and a reply of hers asking a question."""
    with transaction(container.sessions) as session:
        patient = Patient(first_name="Maria", phone=phone, email=email,
                          timezone="America/New_York", language="en", sms_consent=True,
                          email_consent=True)
        procedure = Procedure(location_id=DEFAULT_LOCATION, patient=patient,
                              procedure_type="sclerotherapy",
                              performed_at=NOW - timedelta(days=2), status="active",
                              planned_at=NOW - timedelta(days=2))
        session.add(procedure)
        session.flush()
        reply = Reply(message_sid="SM" + "1" * 32, from_phone=phone, to_phone="+15550100000",
                      body="my calf aches a bit, should I come in?",
                      received_at=NOW - timedelta(minutes=30), patient_id=patient.id,
                      procedure_id=procedure.id, location_id=DEFAULT_LOCATION, read_at=NOW,
                      intent="question", triage="review", triage_rank=1,
                      review_status="open")
        session.add(reply)
        session.flush()
        return {"patient": patient.id, "procedure": procedure.id, "reply": reply.id}


def form_key(web: Web, path: str) -> str:
    found = KEY.search(web.client.get(path).text)
    assert found, f"no answer form on {path}"
    return found.group(1)


def answers(container: Container) -> list[Message]:
    with container.sessions() as session:
        return list(session.scalars(select(Message).where(Message.step == "answer")
                                    .order_by(Message.id)))


def send_due(container: Container) -> None:
    dispatch_due(sessions=container.sessions, channels=container.channels,
                 policy=container.dispatch_policy, clock=container.clock)


def test_a_clinician_answers_a_reply_once_and_it_is_delivered_and_shown(web: Web) -> None:
    ids = seed(web.container)
    web.login("doc@example.org")
    path = f"/review/{ids['reply']}"
    key = form_key(web, path)
    form = {"body": "That is normal: keep walking and wear your stockings.", "key": key}
    first = web.post(f"{path}/answer", form, token_from=path)
    again = web.post(f"{path}/answer", form, token_from=path)  # a double click
    assert (first.status_code, again.status_code) == (303, 303)
    [message] = answers(web.container)
    assert (message.kind, message.channel, message.status) == ("answer", "sms", "planned")
    assert (message.patient_id, message.procedure_id, message.reply_id) == (
        ids["patient"], ids["procedure"], ids["reply"])
    assert message.sent_by == "doc@example.org" and message.sent_by_user_id is not None
    assert "Already sent" in text_of(web.client.get(path))
    send_due(web.container)
    [outgoing] = web.container.channels["sms"].sent  # type: ignore[attr-defined]
    assert (outgoing.to, outgoing.body) == ("+12125550142", form["body"])
    [sent] = answers(web.container)
    assert sent.status == "sent" and sent.provider_id
    with transaction(web.container.sessions) as session:  # Twilio's status callback
        record_statuses(session, [StatusCallback(sent.provider_id, "delivered")], now=NOW,
                        queue=web.container.queue)
    assert answers(web.container)[0].status == "delivered"
    page = text_of(web.client.get(path))
    assert "Sent by doc@example.org" in page and "keep walking" in page
    assert "From the patient" in page and "should I come in?" in page
    assert page.index("should I come in?") < page.index("keep walking")  # by time
    timeline = text_of(web.client.get(f"/procedures/{ids['procedure']}"))
    assert "by doc@example.org" in timeline and "keep walking" in timeline
    assert [a for a in web.audit() if a[1] == "text_patient"] == [
        ("doc@example.org", "text_patient", f"procedure:{ids['procedure']}")]


def test_an_opted_out_patient_is_not_texted(web: Web) -> None:
    ids = seed(web.container)
    with transaction(web.container.sessions) as session:
        session.get_one(Patient, ids["patient"]).sms_opted_out_at = NOW
    web.login("nurse@example.org")
    path = f"/procedures/{ids['procedure']}"
    done = web.post(f"{path}/texts", {"body": "Please call us", "key": form_key(web, path)},
                    token_from=path)
    assert done.status_code == 303
    assert "Not sent: the patient opted out of texts" in text_of(web.client.get(path))
    assert answers(web.container) == []


def test_quiet_hours_hold_an_answer_unless_it_is_urgent(web: Web) -> None:
    ids = seed(web.container)
    web.container.clock = FrozenClock(NIGHT)
    web.login("nurse@example.org")
    path = f"/procedures/{ids['procedure']}"
    web.post(f"{path}/texts", {"body": "Routine: see you Monday", "key": form_key(web, path)},
             token_from=path)
    shown = text_of(web.client.get(path))
    assert "waits for the end of the patient&#39;s quiet hours" in shown
    web.post(f"{path}/texts", {"body": "Please call us tonight", "urgent": "yes",
                               "key": form_key(web, path)}, token_from=path)
    send_due(web.container)
    sent = [o.body for o in web.container.channels["sms"].sent]  # type: ignore[attr-defined]
    assert sent == ["Please call us tonight"]
    routine, urgent = answers(web.container)
    assert (routine.status, urgent.kind, urgent.status) == ("planned", "urgent_answer", "sent")
    assert routine.send_after > NIGHT and "quiet hours" in (routine.reason or "")


def test_canned_replies_are_managed_by_admins_and_filled_in(web: Web) -> None:
    ids = seed(web.container)
    web.login("admin@example.org")
    bad = web.post("/admin/canned", {"label": "Call", "body": "Call {doctor}"},
                   token_from="/admin/canned")
    assert bad.status_code == 422 and "unknown placeholder {doctor}" in bad.text
    web.post("/admin/canned", {"label": "Please call us",
                               "body": "Please call us on {clinic_phone}."},
             token_from="/admin/canned")
    web.post("/admin/canned", {"label": "Gone", "body": "x"}, token_from="/admin/canned")
    with web.container.sessions() as session:
        from aftercare.db.models import CannedReply
        call, gone = session.scalars(select(CannedReply).order_by(CannedReply.id)).all()
    web.post(f"/admin/canned/{gone.id}/archive", {}, token_from="/admin/canned")
    path = f"/procedures/{ids['procedure']}"
    page = web.client.get(path).text
    assert "Please call us</option>" in page and "Gone</option>" not in page
    web.post(f"{path}/texts", {"body": "", "canned": str(call.id), "key": form_key(web, path)},
             token_from=path)
    [message] = answers(web.container)
    assert message.body.startswith("Please call us on ") and "{" not in message.body
    assert ("admin@example.org", "add_canned_reply", f"canned:{call.id}") in web.audit()


def test_staff_cannot_manage_canned_replies(web: Web) -> None:
    web.login("nurse@example.org")
    assert web.client.get("/admin/canned").status_code == 403


def test_the_api_texts_once_per_idempotency_key_and_refuses_an_opt_out(web: Web) -> None:
    ids = seed(web.container)
    with api_client(web.container) as client:
        url = f"/api/procedures/{ids['procedure']}/messages"
        headers = {"Idempotency-Key": "visit-1-question-answer"}
        first = client.post(url, json={"body": "We will call you today."}, headers=headers)
        again = client.post(url, json={"body": "We will call you today."}, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200), first.text
        assert first.json()["message_id"] == again.json()["message_id"]
        assert client.post("/api/procedures/999999/messages",
                           json={"body": "x"}).status_code == 404
        with transaction(web.container.sessions) as session:  # cancelled: still answered
            session.get_one(Procedure, ids["procedure"]).status = "cancelled"
        send_due(web.container)
        assert answers(web.container)[0].status == "sent"
        with transaction(web.container.sessions) as session:
            session.get_one(Patient, ids["patient"]).sms_opted_out_at = NOW
        refused = client.post(url, json={"body": "Another"})
        assert refused.status_code == 422 and "opted out" in refused.text
    [message] = answers(web.container)
    assert message.sent_by == "token:front desk"
    assert ("token:front desk", "text_patient", f"procedure:{ids['procedure']}") in web.audit()


def test_an_unknown_number_is_in_the_inbox_answered_and_attached(web: Web) -> None:
    ids = seed(web.container)
    web.login("nurse@example.org")
    # A text from a new phone: Maria's daughter's, say.
    from aftercare.replies.webhooks import accept_sms
    from tests.support.loop import run_async
    run_async(lambda: accept_sms(web.container, {
        "MessageSid": "SM" + "9" * 32, "From": "+13105550199", "To": "+15550100777",
        "Body": "this is Maria, new phone. my calf is swollen, hot and painful"}))
    run_reading(web.container)
    with web.container.sessions() as session:
        stranger = session.scalars(select(Reply).where(
            Reply.from_phone == "+13105550199")).one()
        assert stranger.patient_id is None and stranger.triage == "urgent"
    inbox = text_of(web.client.get("/inbox"))
    assert "new phone" in inbox
    path = f"/inbox/{stranger.id}"
    assert "new phone" in text_of(web.client.get(path))
    web.post(f"{path}/answer", {"body": "Who is this, please?", "key": form_key(web, path)},
             token_from=path)
    [message] = answers(web.container)
    assert (message.to_address, message.patient_id, message.reply_id) == (
        "+13105550199", None, stranger.id)
    send_due(web.container)
    sms = web.container.channels["sms"].sent  # type: ignore[attr-defined]
    assert [(o.to, o.sender) for o in sms if o.body == "Who is this, please?"] == [
        ("+13105550199", "+15550100777")]  # from the number they texted
    assert "Who is this" in text_of(web.client.get(path))
    refused = web.post(f"{path}/attach", {"patient": "999999"}, token_from=path)
    assert refused.status_code == 303
    attached = web.post(f"{path}/attach", {"patient": str(ids["patient"])}, token_from=path)
    assert attached.headers["location"] == f"/procedures/{ids['procedure']}"
    with web.container.sessions() as session:
        reply = session.get_one(Reply, stranger.id)
        assert (reply.patient_id, reply.procedure_id) == (ids["patient"], ids["procedure"])
        assert reply.triage == "urgent" and "from a number not on file" not in reply.reasons
    assert ("nurse@example.org", "attach_reply", f"reply:{stranger.id}") in web.audit()
    assert "new phone" not in text_of(web.client.get("/inbox"))


def test_email_reply_round_trip_is_read_and_an_urgent_one_alerts_on_call(
        make_container: Callable[..., Container], pg_db: str, smtp_server: SmtpServer
        ) -> None:
    smtp = SmtpEmail(host=smtp_server.host, port=smtp_server.port,
                     email_from="aftercare@riverside.example",
                     clinic_name="Riverside Vein Clinic", clinic_phone="+1 555 010 2030",
                     timeout=5.0)
    web = make_web(make_container, pg_db, clock=FrozenClock(NOW), settings=SETTINGS,
                   channels={"sms": RecordingChannel("fake-sms"), "email": smtp})
    ids = seed(web.container)
    with transaction(web.container.sessions) as session:
        from aftercare.outbox import writer
        writer.insert(session, [writer.NewMessage(
            dedupe_key=writer.dedupe_key("plan", ids["procedure"], "day2_email", "email"),
            step="day2_email", channel="email", kind="check_in", due_at=NOW,
            local_due="", subject="How are your legs?", body="Reply to tell us how you are.",
            procedure_id=ids["procedure"], patient_id=ids["patient"])])
    send_due(web.container)
    [ours] = smtp_server.received
    assert ours.rcpt_tos == ["maria@example.org"]
    their_reply = {
        "from": "Maria <Maria@Example.org>", "to": "aftercare@riverside.example",
        "subject": "Re: " + str(ours.message["Subject"]),
        "text": ("My calf is swollen, hot and painful since this morning.\n\n"
                 "On Wed, Mar 4, 2026 Riverside Vein Clinic wrote:\n"
                 "> Reply to tell us how you are. No swelling is good.\n"),
        "headers": (f"Message-ID: <reply-1@mail.example.org>\n"
                    f"In-Reply-To: {ours.message['Message-ID']}\n"),
    }
    url = "/webhooks/email/inbound"
    assert web.client.post(url, data=their_reply).status_code == 403
    assert web.client.post(url + "?key=wrong", data=their_reply).status_code == 403
    basic = base64.b64encode(f"inbound:{SECRET}".encode()).decode()
    stored = web.client.post(url, data=their_reply, files={"attachment1": ("a.txt", b"x")},
                             headers={"Authorization": f"Basic {basic}"})
    assert stored.status_code == 200, stored.text
    assert web.client.post(f"{url}?key={SECRET}", data=their_reply).status_code == 200
    too_big = web.client.post(f"{url}?key={SECRET}", data={**their_reply,
                                                          "html": "x" * 2_000_000})
    assert too_big.status_code == 413
    run_reading(web.container)
    with web.container.sessions() as session:
        [reply] = session.scalars(select(Reply).where(Reply.channel == "email")).all()
        assert (reply.patient_id, reply.procedure_id, reply.from_email) == (
            ids["patient"], ids["procedure"], "maria@example.org")
        assert reply.answers is not None and reply.answers.step == "day2_email"
        assert "wrote:" not in reply.body and "No swelling" not in reply.body
        assert reply.triage == "urgent" and reply.review_status == "open"
        alerts = session.scalars(select(Message).where(Message.kind == "alert")).all()
    assert {(a.channel, a.to_address) for a in alerts} == {
        ("sms", "+12125559999"), ("email", "oncall@example.org")}
    send_due(web.container)
    assert any(r.rcpt_tos == ["oncall@example.org"] for r in smtp_server.received)


def test_an_unknown_email_is_in_the_inbox_and_another_locations_is_not(web: Web) -> None:
    ids = seed(web.container)
    with transaction(web.container.sessions) as session:
        from aftercare.db.models import Location
        uptown = Location(key="uptown", name="Uptown", phone="+1 555 010 9999",
                          timezone="America/New_York")
        session.add(uptown)
        session.flush()
        elsewhere = Reply(message_sid="SM" + "8" * 32, from_phone="+13105550100",
                          to_phone="+15550100001", body="uptown stranger here",
                          received_at=NOW, location_id=uptown.id, read_at=NOW,
                          triage="review", triage_rank=1, review_status="open")
        session.add(elsewhere)
        session.flush()
        elsewhere_id = elsewhere.id
    posted = web.client.post(f"/webhooks/email/inbound?key={SECRET}", data={
        "from": "someone@elsewhere.example", "to": "aftercare@clinic.example",
        "subject": "question", "text": "is my appointment on Monday?"})
    assert posted.status_code == 200
    run_reading(web.container)
    web.login("nurse@example.org")
    inbox = text_of(web.client.get("/inbox"))
    assert "someone@elsewhere.example" in inbox and "uptown stranger" not in inbox
    with web.container.sessions() as session:
        email = session.scalars(select(Reply).where(Reply.channel == "email")).one()
        assert email.patient_id is None and email.triage == "review"
    page = web.client.get(f"/inbox/{email.id}")
    assert "appointment on Monday" in page.text and 'name="key"' not in page.text  # no SMS
    assert web.client.get(f"/inbox/{elsewhere_id}").status_code == 404
    refused = web.post(f"/inbox/{elsewhere_id}/answer", {"body": "hi", "key": "k" * 32},
                       token_from="/inbox")
    assert refused.status_code == 404
    web.post(f"/inbox/{email.id}/attach", {"patient": str(ids["patient"])},
             token_from="/inbox")
    with web.container.sessions() as session:
        assert session.get_one(Reply, email.id).procedure_id == ids["procedure"]
