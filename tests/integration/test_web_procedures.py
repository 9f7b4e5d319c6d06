"""Logging and following procedures in the web app: the form, its preview, inline errors,
the procedures list, a procedure's timeline and trend, reschedule and cancel. Each test runs
on SQLite and on PostgreSQL; the queue is a recording fake and planning is run here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply, Review
from aftercare.db.session import transaction
from aftercare.dispatch.loop import dispatch_due
from tests.conftest import FrozenClock
from tests.integration.test_web_support import Web, signed_in_staff, text_of
from tests.support.queue import run_planning

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    return signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))


def form(**overrides: str) -> dict[str, str]:
    values = {
        "first_name": "Maria", "phone": "(212) 555-0142", "email": "maria@example.org",
        "timezone": "America/New_York", "timezone_other": "", "language": "en",
        "sms_consent": "yes", "email_consent": "yes", "procedure_type": "sclerotherapy",
        "date": "2026-03-02", "time": "09:00", "side": "left", "clinician": "Dr. Okafor",
        "external_id": "", "step": "preview",
    }
    values.update(overrides)
    return values


def submit(web: Web, **overrides: str) -> Any:
    return web.post("/procedures/new", form(**overrides), token_from="/procedures/new")


def counts(web: Web) -> tuple[int, int, int]:
    with web.container.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Patient, Procedure, Message))


def log(web: Web, **overrides: str) -> int:
    saved = submit(web, step="save", **overrides)
    assert saved.status_code == 303, text_of(saved)[:2000]
    return int(saved.headers["location"].rsplit("/", 1)[1])


def test_preview_then_save_logs_commits_and_then_queues(web: Web) -> None:
    preview = submit(web)
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Check the messages, then save" in page
    assert "Mon 2 Mar, 11:00 EST" in page  # walk_2h: two hours after 09:00, New York time
    assert "check-in" in page and "Will send" in page
    assert counts(web) == (0, 0, 0)  # a preview writes nothing
    assert web.container.queue.planning == 0  # type: ignore[attr-defined]

    saved = submit(web, step="save")
    assert saved.status_code == 303
    procedure_id = int(saved.headers["location"].rsplit("/", 1)[1])
    assert web.container.queue.planning == 1  # type: ignore[attr-defined]
    with web.container.sessions() as session:
        procedure = session.get_one(Procedure, procedure_id)
        assert procedure.patient.phone == "+12125550142"
        assert procedure.performed_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
        assert (procedure.patient.sms_consent, procedure.side) == (True, "left")
    assert ("nurse@example.org", "log_procedure", f"procedure:{procedure_id}") in web.audit()
    shown = web.client.get(saved.headers["location"])
    assert "Procedure logged" in shown.text
    assert ("nurse@example.org", "view_procedure", f"procedure:{procedure_id}") in web.audit()


def test_back_to_edit_keeps_what_was_typed(web: Web) -> None:
    page = submit(web, step="edit", first_name="Ramón")
    assert page.status_code == 200 and 'value="Ramón"' in page.text
    assert counts(web) == (0, 0, 0)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"phone": "555-12"}, "phone", "is not a valid phone number"),
    ({"phone": ""}, "phone", "Enter the patient&#39;s mobile phone number"),
    ({"sms_consent": ""}, "sms_consent", "agree to texts (SMS)"),
    ({"email_consent": ""}, "email_consent", "agree to email"),
    ({"email": "", "email_consent": "yes"}, "email", "enter their email address"),
    ({"email": "not-an-email"}, "email", "email address"),
    ({"timezone": "other", "timezone_other": "Mars/Olympus"}, "timezone_other",
     "is not a time zone we know"),
    ({"timezone": "other", "timezone_other": ""}, "timezone_other", "Type the patient"),
    ({"procedure_type": ""}, "procedure_type", "Choose the procedure type"),
    ({"date": "02/03/2026"}, "date", "Enter the date"),
    ({"time": "9am"}, "time", "Enter the time"),
    ({"first_name": " "}, "first_name", "first name"),
    ({"date": "2025-09-01"}, "date", "Every message of this care plan would be skipped"),
])
def test_specific_inline_errors_and_nothing_written(web: Web, overrides: dict[str, str],
                                                    field: str, message: str) -> None:
    for step in ("preview", "save"):
        response = submit(web, step=step, **overrides)
        assert response.status_code == 422, (step, overrides)
        assert f'id="{field}-error"' in response.text, response.text
        error = response.text.split(f'id="{field}-error"')[1].split("</p>")[0]
        assert message in error, error
        assert 'class="error-summary"' in response.text
    assert counts(web) == (0, 0, 0)
    assert web.container.queue.planning == 0  # type: ignore[attr-defined]


def test_a_recent_date_is_fine_even_if_early_steps_are_past(web: Web) -> None:
    page = submit(web, date="2026-02-20")
    assert page.status_code == 200
    assert "already past when logged" in page.text


def test_the_same_visit_id_twice_shows_the_first(web: Web) -> None:
    first = log(web, external_id="visit-7")
    again = submit(web, step="save", external_id="visit-7", first_name="Other")
    assert again.headers["location"] == f"/procedures/{first}"
    assert counts(web)[1] == 1


def test_procedure_page_shows_the_timeline_replies_reviews_and_trend(web: Web) -> None:
    procedure_id = log(web)
    run_planning(web.container)
    day = timedelta(days=1)
    with transaction(web.container.sessions) as session:
        messages = list(session.scalars(select(Message).where(
            Message.procedure_id == procedure_id).order_by(Message.due_at, Message.id)))
        messages[0].status, messages[0].sent_at = "delivered", NOW
        messages[0].delivered_at = NOW + timedelta(seconds=5)
        messages[1].status, messages[1].reason = "failed", "21211 invalid 'To' phone number"
        messages[1].error_code = "21211"
        patient_id = messages[0].patient_id
        urgent = Reply(message_sid="SM" + "1" * 32, from_phone="+12125550142",
                       to_phone="+15550100000", body="my calf is swollen hot and painful",
                       received_at=NOW + day, patient_id=patient_id,
                       procedure_id=procedure_id, read_at=NOW + day, intent="symptom_report",
                       triage="urgent", triage_rank=0, present=["swelling", "pain", "warmth"],
                       absent=[], severity="severe", reasons=["one calf swollen, hot, painful"],
                       review_status="reviewed")
        later = Reply(message_sid="SM" + "2" * 32, from_phone="+12125550142",
                      to_phone="+15550100000", body="swelling a bit better, no pain",
                      received_at=NOW + 3 * day, patient_id=patient_id,
                      procedure_id=procedure_id, read_at=NOW + 3 * day,
                      intent="symptom_report", triage="routine", triage_rank=2,
                      present=["swelling"], absent=["pain"], severity="mild", reasons=[],
                      review_status="open")
        session.add_all([urgent, later])
        session.flush()
        session.add(Review(reply_id=urgent.id, reviewer="doc@example.org",
                           outcome="sent_to_emergency_care", note="told to go to the ED",
                           created_at=NOW + day + timedelta(minutes=9)))
    page = web.client.get(f"/procedures/{procedure_id}")
    assert page.status_code == 200
    text = text_of(page)
    for expected in ("Delivered", "Failed", "21211 invalid", "Planned", "Urgent",
                     "my calf is swollen hot and painful", "one calf swollen, hot, painful",
                     "Sent to emergency care", "told to go to the ED", "Symptom trend",
                     "Days since the procedure", "Waiting for review"):
        assert expected in text, expected
    assert "<svg" in page.text and 'role="img"' in page.text
    # The table fallback: day 1's urgent reply gave no symptom its own severity (the
    # reply's "severe" is not lent to each) and is a red flag; pain gone (none) on day 3.
    table = page.text.split("<caption>Symptom severity by day")[1]
    rows = [text_of_fragment(r) for r in table.split("<tr>")[2:4]]
    assert rows[0] == ("1" + " reported, severity not stated" * 3
                       + " one calf swollen, hot, painful"), rows
    assert rows[1].startswith("3 mild none —"), rows
    assert page.text.count('class="red-flag"') == 1
    # Staff see no review link; the timeline shows the times in the patient's zone.
    assert 'href="/review/' not in page.text
    assert "EST" in text


def test_the_timeline_says_why_a_message_waited_or_was_skipped(web: Web) -> None:
    procedure_id = log(web)  # 09:00 in New York, logged at 10:00
    run_planning(web.container)
    container = web.container

    def dispatch(at: datetime) -> None:
        container.clock.now = at  # type: ignore[attr-defined]
        dispatch_due(sessions=container.sessions, channels=container.channels,
                     policy=container.dispatch_policy, clock=container.clock)

    def timeline() -> str:
        page = web.client.get(f"/procedures/{procedure_id}")
        if page.status_code != 200:  # hours later the sign-in has lapsed: sign in again
            assert web.login("nurse@example.org").status_code == 303
            page = web.client.get(f"/procedures/{procedure_id}")
        return text_of(page)

    dispatch(datetime(2026, 3, 3, 3, 24, tzinfo=UTC))  # back from an outage at 22:24 there
    text = timeline()
    assert "waited for quiet hours to end (22:24 patient time; goes Tue 08:00)" in text
    assert "skipped: 11 h late, expired after 3 h" in text  # the 11:00 walk nudge
    dispatch(datetime(2026, 3, 3, 13, 0, tzinfo=UTC))
    with container.sessions() as session:
        welcome = session.scalars(select(Message).where(
            Message.procedure_id == procedure_id, Message.step == "welcome")).all()
    assert {m.status for m in welcome} == {"sent"}
    # Sent at 08:00, and the timeline still says why not at 10:00 the day before.
    text = timeline()
    assert text.count("waited for quiet hours to end (22:24 patient time") == len(welcome)


def text_of_fragment(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_search_by_name_phone_day_type_and_status_with_paging(web: Web) -> None:
    for n in range(27):
        log(web, first_name=f"Pat{n:02d}", phone=f"(212) 555-{n + 1000:04d}",
            date=f"2026-02-{n % 3 + 25:02d}", procedure_type=(
                "sclerotherapy" if n % 2 else "endovenous-thermal-ablation"))
    assert "27 procedures" in text_of(web.client.get("/procedures"))
    first = web.client.get("/procedures")
    assert len(re.findall(r'href="/procedures/\d+"', first.text)) == 25
    second = web.client.get("/procedures?page=2")
    assert "page 2 of 2" in text_of(second)
    assert "Pat00" in second.text or "Pat01" in second.text  # oldest on the last page
    assert "1 procedure " in text_of(web.client.get("/procedures?q=pat05"))
    assert "Pat13" in web.client.get("/procedures?q=555-1013").text
    assert "1 procedure " in text_of(web.client.get("/procedures?q=2125551013"))
    assert "9 procedures" in text_of(web.client.get("/procedures?day=2026-02-25"))
    assert "13 procedures" in text_of(web.client.get("/procedures?type=sclerotherapy"))
    web.post("/procedures/1/cancel", {"reason": "did not go ahead"})
    assert "1 procedure " in text_of(web.client.get("/procedures?status=cancelled"))
    assert "26 procedures" in text_of(web.client.get("/procedures?status=active"))
    bad = web.client.get("/procedures?day=yesterday&page=x")
    assert bad.status_code == 200 and "is not a date" in bad.text


def test_search_by_visit_id_and_a_list_counted_only_so_far(web: Web,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from aftercare.web.views import search

    for n in range(4):
        log(web, first_name=f"Pat{n:02d}", phone=f"(212) 555-{n + 2000:04d}",
            external_id=f"visit-{n}")
    page = web.client.get("/procedures?q=visit-2")
    assert "1 procedure " in text_of(page) and "Pat02" in page.text
    # Counting years of procedures reads them all: past the cap the list says "more than".
    monkeypatch.setattr(search, "COUNT_UP_TO", 3)
    assert "More than 1,000 procedures" in text_of(web.client.get("/procedures"))
    assert "1 procedure " in text_of(web.client.get("/procedures?q=555-2001"))


def test_reschedule_replans_and_cancel_stops_messages(web: Web) -> None:
    procedure_id = log(web)
    run_planning(web.container)
    with web.container.sessions() as session:
        before = {m.step: m.due_at for m in session.scalars(select(Message).where(
            Message.procedure_id == procedure_id))}
    bad = web.post(f"/procedures/{procedure_id}/reschedule",
                   {"date": "2026-03-02", "time": "12:00", "timezone": "other",
                    "timezone_other": "Nowhere/City"})
    assert bad.status_code == 422 and "is not a time zone we know" in bad.text
    moved = web.post(f"/procedures/{procedure_id}/reschedule",
                     {"date": "2026-03-02", "time": "09:30", "timezone": "America/Chicago"})
    assert moved.status_code == 303
    with web.container.sessions() as session:
        procedure = session.get_one(Procedure, procedure_id)
        assert procedure.patient.timezone == "America/Chicago"
        assert procedure.performed_at == datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
        after = {m.step: m.due_at for m in procedure.messages}
    assert after["walk_2h"] == before["walk_2h"] + timedelta(hours=1, minutes=30)
    cancelled = web.post(f"/procedures/{procedure_id}/cancel", {"reason": "patient moved"})
    assert cancelled.status_code == 303
    with web.container.sessions() as session:
        procedure = session.get_one(Procedure, procedure_id)
        assert procedure.status == "cancelled"
        assert {m.status for m in procedure.messages} <= {"cancelled", "skipped"}
    page = text_of(web.client.get(f"/procedures/{procedure_id}"))
    assert "Cancelled: patient moved" in page and "Reschedule" not in page
    actions = [a for _, a, s in web.audit() if s == f"procedure:{procedure_id}"]
    assert {"log_procedure", "reschedule_procedure", "cancel_procedure"} <= set(actions)


def test_unknown_procedure_is_a_404_page(web: Web) -> None:
    response = web.client.get("/procedures/999")
    assert response.status_code == 404 and "There is no procedure 999" in response.text


def test_care_plans_page_lists_every_plan_with_its_steps(web: Web) -> None:
    page = web.client.get("/plans")
    assert page.status_code == 200
    for key, plan in web.container.plans.items():
        assert f'id="plan-{key}"' in page.text
        for step in plan.steps:
            assert f"({step.key})" in page.text
    assert "2 h after" in page.text and "Day 1" in page.text
    # Each time-bound step says how late it may still go (the walk nudge: its kind's 3 h).
    assert "(walk_2h) · skipped when more than 3 h late" in text_of(page)
