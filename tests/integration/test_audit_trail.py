"""Every read of patient data is in the audit log, whichever way it went (API, web list and
search, command line), and the audit page tells an admin in words who did what to which
patient, with what a reschedule changed and why a procedure was cancelled, one patient at a
time. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import AuditEvent
from tests.conftest import REPO_ROOT, FrozenClock
from tests.integration.test_web_support import add_user, make_web, text_of
from tests.support.api import api_client
from tests.support.factories import patient_payload, procedure_payload

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


def events(container: Container) -> list[tuple[str, str, str, dict | None]]:
    with container.sessions() as session:
        return [(e.actor, e.action, e.subject, e.detail) for e in
                session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_reads_and_changes_are_audited_and_told_in_words(
        make_container: Callable[..., Container], db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    web = make_web(make_container, db_url, clock=FrozenClock(NOW))
    with api_client(web.container, name="scheduler") as api:
        ids = []
        for name, phone in (("Maria", "+12125550161"), ("Otto", "+12125550162")):
            created = api.post("/api/procedures", json=procedure_payload(
                NOW - timedelta(hours=1), patient=patient_payload(first_name=name,
                                                                  phone=phone)))
            ids.append(created.json()["id"])
        maria, otto = ids
        assert api.get(f"/api/procedures/{maria}").status_code == 200
        moved = api.patch(f"/api/procedures/{maria}", json={
            "performed_at": (NOW - timedelta(hours=2)).isoformat(),
            "follow_up_at": (NOW + timedelta(days=14)).isoformat()})
        assert moved.status_code == 200, moved.text
        assert api.post(f"/api/procedures/{otto}/cancel",
                        json={"reason": "did not go ahead"}).status_code == 200
        maria_patient = api.get(f"/api/procedures/{maria}").json()["patient"]["id"]
    logged = events(web.container)
    assert ("token:scheduler", "view_procedure", f"procedure:{maria}", {"via": "API"}) in logged
    [moved_event] = [e for e in logged if e[1] == "reschedule_procedure"]
    assert moved_event[0] == "token:scheduler"
    assert moved_event[3] is not None and set(moved_event[3]) == {"performed_at",
                                                                  "follow_up_at"}
    assert ("token:scheduler", "cancel_procedure", f"procedure:{otto}",
            {"reason": "did not go ahead"}) in logged

    for key, value in {"AFTERCARE_DATABASE_URL": db_url,
                       "AFTERCARE_VAR_DIR": str(tmp_path / "var"),
                       "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
                       "AFTERCARE_BROKER_URL": "memory://"}.items():
        monkeypatch.setenv(key, value)
    shown = CliRunner().invoke(main, ["procedures", "show", str(maria)])
    assert shown.exit_code == 0, shown.output
    assert any(e[1] == "view_procedure" and e[0].startswith("cli:") and e[2] ==
               f"procedure:{maria}" for e in events(web.container))

    add_user(web.container, "boss@example.org", "admin")
    assert web.login("boss@example.org").status_code == 303
    assert "Maria" in web.client.get("/procedures?q=Mar").text
    [listed] = [e for e in events(web.container) if e[1] == "list_procedures"]
    assert listed[3] == {"searched": True, "procedures": [maria]}  # never the search words

    page = html.unescape(text_of(web.client.get(f"/admin/audit?patient={maria_patient}")))
    assert f"token:scheduler rescheduled Maria's procedure {maria}" in page
    assert "performed: Mon 2 Mar 2026, 09:00 EST → Mon 2 Mar 2026, 08:00 EST" in page
    assert "follow-up: none → Mon 16 Mar 2026, 11:00 EDT" in page
    assert "Otto" not in page
    other = html.unescape(text_of(web.client.get("/admin/audit?action=cancel_procedure")))
    assert f"cancelled Otto's procedure {otto}" in other and "reason: did not go ahead" in other
    assert " 0 events " in text_of(web.client.get("/admin/audit?patient=abc"))
