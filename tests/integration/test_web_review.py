"""The clinicians' review queue and the patient phone, through the web app, on SQLite and
PostgreSQL. Replies are inserted as the reader leaves them, or come in through the patient
phone, which must take the webhook's own path (`accept_sms`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply, Review
from aftercare.db.session import transaction
from tests.conftest import FrozenClock
from tests.integration.test_web_support import Web, add_user, make_web, text_of
from tests.support.factories import DEFAULT_LOCATION
from tests.support.queue import run_reading

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "doc@example.org", "clinician", name="Dr. Okafor")
    add_user(web.container, "nurse@example.org", "staff")
    return web


def seed(container: Container) -> dict[str, int]:
    """One patient with a sent check-in and replies at every triage level."""
    with transaction(container.sessions) as session:
        patient = Patient(first_name="Maria", phone="+12125550142", email="m@example.org",
                          timezone="America/New_York", language="en", sms_consent=True,
                          email_consent=True)
        procedure = Procedure(location_id=DEFAULT_LOCATION,
                              patient=patient, procedure_type="sclerotherapy",
                              performed_at=NOW - timedelta(days=2), status="active",
                              planned_at=NOW - timedelta(days=2))
        session.add(procedure)
        session.flush()
        checkin = Message(dedupe_key=f"plan:{procedure.id}:checkin_day2:sms",
                          procedure_id=procedure.id, patient_id=patient.id,
                          step="checkin_day2", channel="sms", kind="check_in",
                          status="delivered", due_at=NOW - timedelta(hours=3),
                          send_after=NOW - timedelta(hours=3), local_due="",
                          language="en", body="How are your legs today? Reply 1 fine, 2 ...",
                          sent_at=NOW - timedelta(hours=3), attempts=1)
        email = Message(dedupe_key=f"plan:{procedure.id}:welcome:email",
                        procedure_id=procedure.id, patient_id=patient.id, step="welcome",
                        channel="email", kind="guidance", status="sent", due_at=NOW,
                        send_after=NOW, local_due="", language="en", body="EMAIL BODY",
                        sent_at=NOW - timedelta(days=2), attempts=1)
        planned = Message(dedupe_key=f"plan:{procedure.id}:later:sms",
                          procedure_id=procedure.id, patient_id=patient.id, step="later",
                          channel="sms", kind="guidance", status="planned",
                          due_at=NOW + timedelta(days=1), send_after=NOW + timedelta(days=1),
                          local_due="", language="en", body="NOT SENT YET", attempts=0)
        session.add_all([checkin, email, planned])
        session.flush()
        ids = {"patient": patient.id, "procedure": procedure.id, "checkin": checkin.id}
        for n, (name, triage, minutes) in enumerate([
                ("routine_old", "routine", 300), ("urgent_new", "urgent", 5),
                ("review_old", "review", 200), ("urgent_old", "urgent", 60),
                ("none", "none", 30)]):
            reply = Reply(
                message_sid=f"SM{n:032d}", from_phone=patient.phone, to_phone="+15550100000",
                body=f"reply {name}", received_at=NOW - timedelta(minutes=minutes),
                patient_id=patient.id, procedure_id=procedure.id,
                answers_message_id=checkin.id, read_at=NOW, intent="symptom_report",
                triage=triage, triage_rank={"urgent": 0, "review": 1, "routine": 2,
                                            "none": 3}[triage],
                present=["swelling"], absent=[], severity="moderate",
                reasons=[f"because {name}"],
                review_status="none" if triage == "none" else "open")
            session.add(reply)
            session.flush()
            ids[name] = reply.id
    return ids


def order_in(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: html.index(f"reply {n}") if f"reply {n}" in html
                  else 10**9)


def test_queue_puts_urgent_first_then_review_then_routine_oldest_first(web: Web) -> None:
    seed(web.container)
    web.login("doc@example.org")
    page = web.client.get("/review")
    assert page.status_code == 200
    names = ["urgent_new", "urgent_old", "review_old", "routine_old"]
    assert order_in(page.text, names) == ["urgent_old", "urgent_new", "review_old",
                                          "routine_old"]
    assert "reply none" not in page.text
    assert page.text.count('class="badge triage-urgent"') == 2
    assert "2 urgent replies" in text_of(page)
    assert 'data-poll="/review/queue"' in page.text
    only_review = web.client.get("/review?triage=review").text
    assert "reply review_old" in only_review and "reply urgent_old" not in only_review
    fragment = web.client.get("/review/queue?triage=urgent")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'data-urgent="2"' in fragment.text and "reply routine_old" not in fragment.text


def test_open_a_reply_in_context_and_review_it(web: Web) -> None:
    ids = seed(web.container)
    web.login("doc@example.org")
    reply_id = ids["urgent_old"]
    page = web.client.get(f"/review/{reply_id}")
    text = text_of(page)
    assert "How are your legs today?" in text  # the check-in it answers
    assert "reply urgent_new" in text and "reply routine_old" in text  # recent replies
    assert "because urgent_old" in text and "Called the patient" in text
    missing = web.post(f"/review/{reply_id}", {"note": "rang her"},
                       token_from=f"/review/{reply_id}")
    assert missing.status_code == 422 and "Choose what you did" in missing.text
    done = web.post(f"/review/{reply_id}", {"outcome": "called_patient",
                                            "note": "rang her, booked scan"},
                    token_from=f"/review/{reply_id}")
    assert (done.status_code, done.headers["location"]) == (303, "/review")
    with web.container.sessions() as session:
        review = session.scalars(select(Review)).one()
        assert (review.reply_id, review.reviewer, review.outcome) == (
            reply_id, "doc@example.org", "called_patient")
        assert session.get_one(Reply, reply_id).review_status == "reviewed"
    assert "reply urgent_old" not in web.client.get("/review").text
    audit = web.audit()
    assert ("doc@example.org", "view_reply", f"reply:{reply_id}") in audit
    assert ("doc@example.org", "review_reply", f"reply:{reply_id}") in audit
    timeline = text_of(web.client.get(f"/procedures/{ids['procedure']}"))
    assert "Called the patient by doc@example.org" in timeline
    assert "rang her, booked scan" in timeline


def test_staff_cannot_open_or_record_reviews(web: Web) -> None:
    ids = seed(web.container)
    web.login("nurse@example.org")
    for path in ("/review", f"/review/{ids['urgent_old']}", "/review/queue"):
        assert web.client.get(path).status_code == 403, path
    refused = web.post(f"/review/{ids['urgent_old']}", {"outcome": "no_action_needed"})
    assert refused.status_code == 403
    with web.container.sessions() as session:
        assert session.scalars(select(Review)).all() == []


def test_unknown_reply_is_404(web: Web) -> None:
    web.login("doc@example.org")
    assert web.client.get("/review/999").status_code == 404


def test_patient_phone_shows_what_was_sent_and_replies_through_accept_sms(web: Web) -> None:
    ids = seed(web.container)
    web.login("nurse@example.org")
    assert "Maria" in web.client.get("/phone").text
    phone = web.client.get(f"/phone/{ids['patient']}")
    assert phone.status_code == 200
    assert "How are your legs today?" in phone.text
    assert "EMAIL BODY" not in phone.text and "NOT SENT YET" not in phone.text
    assert ("nurse@example.org", "view_patient", f"patient:{ids['patient']}") in web.audit()
    sent = web.post(f"/phone/{ids['patient']}", {"body": "my calf is swollen hot and painful"},
                    token_from=f"/phone/{ids['patient']}")
    assert sent.status_code == 303
    with web.container.sessions() as session:
        reply = session.scalars(select(Reply).where(
            Reply.body == "my calf is swollen hot and painful")).one()
        assert re.fullmatch(r"SM[0-9a-f]{32}", reply.message_sid)
        assert (reply.from_phone, reply.to_phone) == ("+12125550142", "+15550100000")
    assert web.container.queue.reading == 1  # type: ignore[attr-defined]
    run_reading(web.container)
    with web.container.sessions() as session:
        reply = session.get_one(Reply, reply.id)
        assert reply.answers_message_id == ids["checkin"]  # matched like a real text
        assert reply.triage == "urgent"
    thread = web.client.get(f"/phone/{ids['patient']}/thread")
    assert "<html" not in thread.text
    assert "my calf is swollen hot and painful" in thread.text
    assert 'class="bubble in"' in thread.text


def test_patient_phone_shows_keyword_answers(web: Web) -> None:
    ids = seed(web.container)
    web.login("nurse@example.org")
    web.post(f"/phone/{ids['patient']}", {"body": "HELP"}, token_from="/phone")
    thread = text_of(web.client.get(f"/phone/{ids['patient']}/thread"))
    assert "HELP" in thread and "aftercare messages" in thread
    empty = web.post(f"/phone/{ids['patient']}", {"body": "   "}, token_from="/phone")
    assert empty.status_code == 303
    assert "Type a reply first" in web.client.get(f"/phone/{ids['patient']}").text


def test_a_request_in_words_to_stop_or_restart_texts_is_one_tap_for_staff(web: Web) -> None:
    ids = seed(web.container)
    web.login("doc@example.org")

    def reply_with(body: str) -> int:
        web.post(f"/phone/{ids['patient']}", {"body": body}, token_from="/phone")
        run_reading(web.container)
        with web.container.sessions() as session:
            return session.scalars(select(Reply.id).where(Reply.body == body)).one()

    stop = reply_with("pls no more texts")
    page = web.client.get(f"/review/{stop}")
    assert "asks to stop messages" in text_of(page)
    assert "Stop texts to this patient" in page.text
    bad = web.post(f"/review/{stop}/texts", {"action": "delete_everything"},
                   token_from=f"/review/{stop}")
    assert bad.status_code == 422
    with web.container.sessions() as session:
        assert session.get_one(Patient, ids["patient"]).sms_opted_out_at is None
    done = web.post(f"/review/{stop}/texts", {"action": "opt_out"},
                    token_from=f"/review/{stop}")
    assert (done.status_code, done.headers["location"]) == (303, "/review")
    with web.container.sessions() as session:
        assert session.get_one(Patient, ids["patient"]).sms_opted_out_at == NOW
        later = session.scalars(select(Message).where(Message.step == "later")).one()
        assert later.status == "cancelled"
        assert session.get_one(Reply, stop).review_status == "reviewed"
    assert ("doc@example.org", "sms_opt_out", f"reply:{stop}") in web.audit()

    again = reply_with("sorry I sent stop by mistake, keep them coming")
    page = web.client.get(f"/review/{again}")
    assert "Resume texts to this patient" in page.text
    web.post(f"/review/{again}/texts", {"action": "opt_in"}, token_from=f"/review/{again}")
    with web.container.sessions() as session:
        assert session.get_one(Patient, ids["patient"]).sms_opted_out_at is None
    assert ("doc@example.org", "sms_opt_in", f"reply:{again}") in web.audit()


def test_a_photo_without_text_goes_to_review_with_a_link(web: Web) -> None:
    ids = seed(web.container)
    with transaction(web.container.sessions) as session:
        photo = Reply(message_sid="MM" + "9" * 32, from_phone="+12125550142",
                      to_phone="+15550100000", body="", received_at=NOW,
                      patient_id=ids["patient"],
                      media=[{"url": "https://api.twilio.com/2010-04-01/Media/ME1",
                              "content_type": "image/jpeg"}])
        session.add(photo)
        session.flush()
        photo_id = photo.id
    run_reading(web.container)
    with web.container.sessions() as session:
        read = session.get_one(Reply, photo_id)
        assert (read.triage, read.review_status) == ("review", "open")
        assert "photo sent without text" in read.reasons
    web.login("doc@example.org")
    page = web.client.get(f"/review/{photo_id}")
    assert 'href="https://api.twilio.com/2010-04-01/Media/ME1"' in page.text
    assert "Open the photo they sent" in page.text
