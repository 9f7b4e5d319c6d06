"""Importing a day list (CSV), on SQLite and PostgreSQL: the web upload with its preview and
the `aftercare procedures import` command, both all or none through the logging service."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import AuditEvent, ConsentEvent, Message, Patient, Procedure
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import Web, make_web, signed_in_staff, text_of
from tests.support.queue import run_planning

SAMPLE = REPO_ROOT / "examples" / "day-list.csv"
# The sample's visits are on 3 December 2026; the list is imported the next morning.
NEXT_MORNING = FrozenClock(datetime(2026, 12, 4, 14, 0, tzinfo=UTC))
HEADER = ("visit_id,first_name,phone,timezone,sms_consent,email_consent,procedure_type,"
          "performed_at")


def day_list(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


GOOD = "V1,Ana,212-555-0142,America/New_York,yes,no,sclerotherapy,2026-12-03 09:30"
BAD_PHONE = "V2,Bo,12,America/New_York,yes,no,sclerotherapy,2026-12-03 10:30"


def count(container: Container, model: type) -> int:
    with container.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def upload(web: Web, data: bytes) -> tuple[int, str, str]:
    token = web.csrf("/procedures/import")
    response = web.client.post("/procedures/import", data={"csrf_token": token,
                                                           "step": "preview"},
                               files={"file": ("day.csv", data, "text/csv")})
    carried = re.search(r'name="day_list" value="([^"]*)"', response.text)
    return response.status_code, text_of(response), carried.group(1) if carried else ""


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str) -> Web:
    return signed_in_staff(make_container, db_url, clock=NEXT_MORNING)


def test_the_sample_previews_every_row_and_its_messages_then_logs_all(web: Web) -> None:
    status, text, carried = upload(web, SAMPLE.read_bytes())
    assert status == 200
    assert "3 procedures ready to log" in text
    for name in ("Maria", "José", "Linda", "V-20261203-02"):
        assert name in text
    assert "to send" in text and count(web.container, Procedure) == 0  # a preview logs nothing
    saved = web.post("/procedures/import", {"step": "save", "day_list": carried},
                     token_from="/procedures/import")
    assert saved.status_code == 303 and saved.headers["location"] == "/procedures"
    assert count(web.container, Procedure) == 3 and count(web.container, Patient) == 3
    assert run_planning(web.container) == 3
    assert count(web.container, Message) > 0
    with web.container.sessions() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "import_day_list")).one()
    assert event.actor == "nurse@example.org" and event.detail["created"] == 3  # type: ignore[index]
    with web.container.sessions() as session:  # each patient's answers, and who gave them
        consent = session.execute(select(ConsentEvent.method, ConsentEvent.actor)).all()
    assert len(consent) == 3 * 2 and set(consent) == {("intake", "nurse@example.org")}
    # The same list again: every visit was logged before; nothing changes.
    _, text, carried = upload(web, SAMPLE.read_bytes())
    web.post("/procedures/import", {"step": "save", "day_list": carried},
             token_from="/procedures/import")
    assert count(web.container, Procedure) == 3


def test_a_list_with_one_bad_row_is_refused_whole_naming_its_line_and_column(web: Web) -> None:
    status, text, carried = upload(web, day_list(GOOD, BAD_PHONE))
    assert status == 422
    assert "Nothing was logged: 1 problem" in text
    assert re.search(r"Line 3, column phone : .*phone", text)
    assert carried == ""  # no way to log it from here
    # Sent anyway (a forged confirm): checked again, refused again.
    forged = web.post("/procedures/import", {
        "step": "save", "day_list": base64.b64encode(day_list(GOOD, BAD_PHONE)).decode()},
        token_from="/procedures/import")
    assert forged.status_code == 422
    assert count(web.container, Procedure) == 0 and count(web.container, Patient) == 0


def test_rules_of_the_service_are_named_by_row_too(web: Web) -> None:
    old = GOOD.replace("2026-12-03", "2024-01-03")  # more than a year ago
    status, text, _ = upload(web, day_list(old))
    assert status == 422 and re.search(r"Line 2, column performed_at : .*year", text)
    status, text, _ = upload(web, day_list(GOOD.replace("sclerotherapy", "laser")))
    assert status == 422 and "Line 2, column procedure_type : unknown procedure type" in text


def test_uploads_that_are_no_day_list_get_a_clear_answer(web: Web) -> None:
    token = web.csrf("/procedures/import")
    empty = web.client.post("/procedures/import", data={"csrf_token": token,
                                                        "step": "preview"})
    assert empty.status_code == 422 and "Choose the day list" in text_of(empty)
    status, text, _ = upload(web, b"\x89PNG\r\n\x1a\n\x00\x00")
    assert status == 422 and "not UTF-8" in text
    big = web.client.post("/procedures/import", data={"csrf_token": token, "step": "preview"},
                          files={"file": ("day.csv", b"a" * (2 * 1024 * 1024), "text/csv")})
    assert big.status_code == 413
    assert count(web.container, Procedure) == 0


def test_the_import_page_needs_a_signed_in_user(make_container: Callable[..., Container],
                                                db_url: str) -> None:
    web = make_web(make_container, db_url)
    response = web.client.get("/procedures/import")
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


# --- the command line ------------------------------------------------------------------


def cli(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, *args: str
        ) -> tuple[int, str, str]:
    for key, value in {"AFTERCARE_DATABASE_URL": sqlite_url,
                       "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                       "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
                       "AFTERCARE_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_command_checks_then_logs_the_list_whole(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Yesterday on the clinic's clock: a fixed date would one day be more than a year ago.
    day = (datetime.now(ZoneInfo("America/New_York")) - timedelta(days=1)).date()
    rows = [GOOD.replace("2026-12-03", day.isoformat()),
            BAD_PHONE.replace("2026-12-03", day.isoformat())]
    bad = tmp_path / "day.csv"
    bad.write_bytes(day_list(*rows))
    code, _, err = cli(tmp_path, sqlite_url, monkeypatch, "procedures", "import", str(bad))
    assert code == 2
    assert "line 3, column phone:" in err and "nothing logged" in err
    good = tmp_path / "good.csv"
    good.write_bytes(day_list(rows[0]))
    code, out, _ = cli(tmp_path, sqlite_url, monkeypatch, "procedures", "import", str(good),
                       "--dry-run")
    assert code == 0 and "would be logged" in out
    code, out, _ = cli(tmp_path, sqlite_url, monkeypatch, "procedures", "import", str(good))
    assert code == 0 and "line 2: logged as procedure 1" in out
    code, out, _ = cli(tmp_path, sqlite_url, monkeypatch, "procedures", "import", str(good))
    assert code == 0 and "line 2: already logged as procedure 1" in out
