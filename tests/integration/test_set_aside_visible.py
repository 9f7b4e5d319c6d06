"""Set-aside rows are seen: staff read "Not planned: reason" on the procedure's page and in the
list, and the pages still show when stored dates or zones are broken; /metrics counts them,
/readyz names them (and stays ready), and `aftercare doctor` flags them."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.db.session import transaction
from aftercare.replies.sweep import read_unread
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import Web, add_user, make_web
from tests.integration.test_web_support import text_of as tagless
from tests.support.factories import DEFAULT_LOCATION
from tests.support.queue import run_planning

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)


def plant(container: Container, *, name: str, performed_at: datetime, timezone: str,
          phone: str, created_at: datetime = NOW - timedelta(minutes=10)) -> int:
    with transaction(container.sessions) as session:
        procedure = Procedure(
            location_id=DEFAULT_LOCATION,
            patient=Patient(first_name=name, phone=phone, email=None, timezone=timezone,
                            language="en", sms_consent=True, email_consent=False),
            procedure_type="sclerotherapy", performed_at=performed_at, status="active",
            created_at=created_at)
        session.add(procedure)
        session.flush()
        # A reply as broken as its procedure: received "in year 1", already read.
        session.add(Reply(message_sid=f"SM{procedure.id}", from_phone=phone,
                          to_phone="+15550100000", body="swollen calf", media=[],
                          received_at=performed_at, patient_id=procedure.patient_id,
                          procedure_id=procedure.id, read_at=NOW, triage="review",
                          triage_rank=1, present=["swelling"], review_status="open"))
        return procedure.id


def text_of(response: httpx.Response) -> str:
    return html.unescape(tagless(response))


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "nurse@example.org", "staff")
    assert web.login("nurse@example.org").status_code == 303
    return web


def test_pages_show_broken_rows_and_why_they_were_not_planned(web: Web) -> None:
    year_one = plant(web.container, name="Yolanda", performed_at=YEAR_ONE,
                     timezone="America/New_York", phone="+12125550401")
    zone = plant(web.container, name="Zed", performed_at=NOW - timedelta(hours=1),
                 timezone="Mars/Olympus_Mons", phone="+12125550402")
    run_planning(web.container)

    page = web.client.get(f"/procedures/{year_one}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Not planned: a date is out of range (performed or follow-up): correct it" in text
    assert "1 Jan 1, 00:00 UTC" in text  # shown in UTC: it has no New York wall time
    page = web.client.get(f"/procedures/{zone}")
    assert page.status_code == 200
    assert "Not planned: the patient's time zone is not one this server knows" in text_of(page)

    for query in ("", "?q=Yolanda", "?q=Zed", "?day=0001-01-01", "?day=9999-12-31",
                  "?status=active"):
        listed = web.client.get(f"/procedures{query}")
        assert listed.status_code == 200, query
    listed = text_of(web.client.get("/procedures"))
    assert "Not planned: a date is out of range" in listed
    assert "Not planned: the patient's time zone is not one" in listed
    assert "is not a date" not in text_of(web.client.get("/procedures?day=0001-01-01"))
    assert "is not a date" in text_of(web.client.get("/procedures?day=9999-12-31"))

    # A care plan file removed since: it waits for the plan, and says so.
    gone = plant(web.container, name="Gina", performed_at=NOW - timedelta(hours=1),
                 timezone="America/New_York", phone="+12125550404")
    with transaction(web.container.sessions) as session:
        session.get_one(Procedure, gone).procedure_type = "retired-plan"
    run_planning(web.container)
    assert ("Not planned: no care plan for retired-plan in schedules/"
            in text_of(web.client.get(f"/procedures/{gone}")))

    # Fixed by staff: planned, and the notice is gone.
    reschedule = web.post(f"/procedures/{zone}/reschedule", {
        "date": "2026-03-02", "time": "09:00", "timezone": "America/Chicago",
        "timezone_other": ""}, token_from=f"/procedures/{zone}")
    assert reschedule.status_code == 303, text_of(reschedule)[:1000]
    page = text_of(web.client.get(f"/procedures/{zone}"))
    assert "Not planned" not in page and "planned" in page


@pytest.fixture
def container(sqlite_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(sqlite_url, clock=FrozenClock(NOW))


def test_metrics_and_readyz_count_what_is_stuck(container: Container) -> None:
    plant(container, name="Yolanda", performed_at=YEAR_ONE, timezone="America/New_York",
          phone="+12125550401")
    run_planning(container)
    # Logged an hour ago and never planned (no worker): stuck too.
    plant(container, name="Una", performed_at=NOW - timedelta(hours=1),
          timezone="America/New_York", phone="+12125550403",
          created_at=NOW - timedelta(hours=1))
    with transaction(container.sessions) as session:
        session.add(Message(dedupe_key="plan:9:x:sms", step="x", channel="sms", kind="check_in",
                            status="failed", reason="set aside: a date is out of range",
                            due_at=NOW, send_after=NOW, local_due="", language="en",
                            body="x", attempts=1, updated_at=NOW - timedelta(hours=1)))
    with TestClient(create_app(container)) as api:
        body = api.get("/metrics").text
        ready = api.get("/readyz")
    assert 'aftercare_set_aside{kind="procedure"} 1.0' in body
    assert 'aftercare_set_aside{kind="message"} 1.0' in body
    assert 'aftercare_set_aside{kind="reply"} 0.0' in body
    assert "aftercare_unplanned_procedures 1.0" in body
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    work = " | ".join(ready.json()["warnings"]["work"])
    assert "1 procedure(s) set aside by planning" in work
    assert "1 procedure(s) logged over 5 min ago are still not planned" in work
    assert "1 message(s) set aside by dispatch in the last 24 h" in work


def doctor(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    env.update({"AFTERCARE_VAR_DIR": str(tmp_path / "var"), "AFTERCARE_DATABASE_URL": database_url,
                "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules")})
    return subprocess.run([sys.executable, "-m", "aftercare", "doctor"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_doctor_flags_stuck_work(sqlite_url: str, make_container: Callable[..., Container],
                                 tmp_path: Path) -> None:
    now = datetime.now(UTC)
    container = make_container(sqlite_url, clock=lambda: now)
    before = doctor(tmp_path, sqlite_url)
    assert "ok   work: nothing set aside, nothing left unplanned" in before.stdout
    plant(container, name="Yolanda", performed_at=YEAR_ONE, timezone="America/New_York",
          phone="+12125550401", created_at=now - timedelta(minutes=1))
    run_planning(container)
    with transaction(container.sessions) as session:
        session.add(Reply(message_sid="SM-unread", from_phone="+12125550409",
                          to_phone="+15550100000", body="?", media=[], received_at=now,
                          read_at=now, read_error="could not be read automatically (X)",
                          triage="review", triage_rank=1, review_status="open"))
    after = doctor(tmp_path, sqlite_url)
    assert after.returncode == 1
    assert "FAIL work: 1 procedure(s) set aside by planning" in after.stdout
    assert "fix: correct the date or time zone with Reschedule, or cancel them" in after.stdout
    assert "FAIL work: 1 reply(ies) could not be read automatically" in after.stdout


def test_a_reply_set_aside_by_the_reader_shows_in_the_queue_with_its_reason(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    add_user(web.container, "dr@example.org", "clinician")
    assert web.login("dr@example.org").status_code == 303
    with transaction(web.container.sessions) as session:
        session.add(Patient(first_name="Maria", phone="+12125550409", email=None,
                            timezone="America/New_York", language="en", sms_consent=True,
                            email_consent=False))
        # Matching looks back a window from when it arrived: before year 1.
        reply = Reply(message_sid="SM-year-one", from_phone="+12125550409",
                      to_phone="+15550100000", body="is this normal?", media=[],
                      received_at=YEAR_ONE)
        session.add(reply)
        session.flush()
        reply_id = reply.id
    report = read_unread(sessions=web.container.sessions, plans=web.container.plans,
                         settings=web.container.settings, clock=web.container.clock,
                         queue=web.container.queue)
    assert report.failed == 1
    queue = web.client.get("/review")
    assert queue.status_code == 200
    assert "could not be read automatically" in text_of(queue)
    page = web.client.get(f"/review/{reply_id}")
    assert page.status_code == 200
    assert "Not read could not be read automatically (OverflowError)" in text_of(page)
