"""Adherence and outcome reports on SQLite and PostgreSQL: procedures logged, planned and
answered through the real services, then the report's figures from the web page, its CSV
and `aftercare report --json`, all the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import Message, Reply, Review
from aftercare.db.session import transaction
from aftercare.procedures.schemas import ProcedureIn
from aftercare.procedures.service import log_procedures
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import Web, signed_in_staff, text_of
from tests.support.factories import procedure_payload
from tests.support.queue import run_planning, run_reading

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
PERFORMED = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)  # 11 days before NOW


def seed(container: Container) -> None:
    """Two sclerotherapy patients: both wear their stockings on day 5, one stops by day 10
    and reports swelling on day 10; one reply is reviewed after 40 minutes."""
    with transaction(container.sessions) as session:
        requests = [ProcedureIn.model_validate(procedure_payload(
            PERFORMED, patient={"first_name": name, "phone": phone,
                                "timezone": "America/New_York", "sms_consent": True,
                                "email_consent": False}))
            for name, phone in (("Ana", "+12125550101"), ("Bea", "+12125550102"))]
        log_procedures(session, requests=requests, plans=container.plans,
                       phone_region="US", queue=container.queue, now=NOW, by="test")
    run_planning(container)
    with transaction(container.sessions) as session:
        session.execute(update(Message).where(Message.due_at < NOW).values(
            status="delivered", sent_at=Message.due_at))
        checks = session.execute(select(Message.step, Message.due_at).where(
            Message.step.in_(("day5_stockings_check", "day10_stockings_check")),
            Message.channel == "sms", Message.patient_id == 1)).all()
        assert len(checks) == 2  # the plan asks about stockings on day 5 and day 10
        at = {step: due for step, due in checks}
        answers = [("+12125550101", "1", at["day5_stockings_check"]),
                   ("+12125550102", "2", at["day5_stockings_check"]),
                   ("+12125550101", "1", at["day10_stockings_check"]),
                   ("+12125550102", "3 not wearing them, the leg is a bit swollen",
                    at["day10_stockings_check"])]
        for n, (phone, body, sent) in enumerate(answers):
            session.add(Reply(message_sid=f"SMrep{n}", from_phone=phone,
                              to_phone="+15005550006", body=body,
                              received_at=sent + timedelta(hours=1)))
    run_reading(container)
    with transaction(container.sessions) as session:
        swollen = session.scalars(select(Reply).where(Reply.message_sid == "SMrep3")).one()
        assert swollen.stockings == "not_worn" and "swelling" in swollen.present
        session.add(Review(reply_id=swollen.id, reviewer="nurse@example.org",
                           outcome="advice_given", note="",
                           created_at=swollen.received_at + timedelta(minutes=40)))


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    web = signed_in_staff(make_container, db_url, clock=FrozenClock(NOW))
    seed(web.container)
    return web


def test_the_report_page_shows_the_figures_with_charts_and_tables(web: Web) -> None:
    page = web.client.get("/reports", params={"plan": "sclerotherapy",
                                              "since": "2026-11-01", "until": "2026-11-20"})
    assert page.status_code == 200
    text = text_of(page)
    assert "2 procedures performed 2026-11-01 to 2026-11-20" in text
    assert "Procedures with a reply 100%" in text
    assert "Reply to review, median 40 min" in text
    assert page.text.count('role="img"') == 2  # both charts, each with its table
    # The stocking table: day 5 both worn (1 day and night, 1 daytime); day 10 one of each.
    assert "5 1 1 0" in text and "10 1 0 1" in text
    other = web.client.get("/reports", params={"plan": "endovenous-thermal-ablation",
                                               "since": "2026-11-01"})
    assert "0 procedures" in text_of(other) and "No stocking check-in" in text_of(other)


def test_the_csv_and_the_command_give_the_same_figures(
        web: Web, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    csv = web.client.get("/reports", params={"since": "2026-11-01", "until": "2026-11-20",
                                             "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    rows = csv.text.splitlines()
    assert "summary,,procedures,2" in rows and "stockings,10,not_worn,1" in rows
    assert "symptoms,10,swelling,1" in rows and "summary,,review_median_minutes,40" in rows
    container = web.container
    monkeypatch.setenv("AFTERCARE_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("AFTERCARE_SCHEDULES_DIR", str(REPO_ROOT / "schedules"))
    monkeypatch.setenv("AFTERCARE_BROKER_URL", "memory://")
    monkeypatch.setenv("AFTERCARE_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["report", "--plan", "sclerotherapy", "--since",
                                       "2026-11-01", "--until", "2026-11-20", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["figures"]["procedures"] == 2 and data["figures"]["reply_rate"] == 1.0
    assert data["stockings_by_day"]["5"] == {"day_and_night": 1, "daytime": 1, "not_worn": 0}
    assert data["symptoms_by_day"]["10"] == {"patients_replying": 2,
                                             "reporting": {"swelling": 1}}
    bad = CliRunner().invoke(main, ["report", "--plan", "laser", "--since", "2026-11-01"])
    assert bad.exit_code == 2 and "unknown care plan" in bad.stderr
    backwards = CliRunner().invoke(main, ["report", "--since", "2026-11-20", "--until",
                                          "2026-11-01"])
    assert backwards.exit_code == 2 and "ends before it starts" in backwards.stderr


def test_bad_periods_are_refused_with_a_clear_answer(web: Web) -> None:
    for params in ({"since": "01/11/2026"}, {"since": "2020-01-01", "until": "2026-01-01"},
                   {"since": "2026-11-01", "plan": "laser"}):
        response = web.client.get("/reports", params=params)
        assert response.status_code == 422 and 'role="alert"' in response.text
