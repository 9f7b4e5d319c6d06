"""README's first loop, for real: `aftercare dev` on SQLite with the folder broker and the
console channels, a token from the CLI, a procedure performed two hours ago, sent at once."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.support.devserver import Server, dev_server
from tests.support.factories import daytime_zone, patient_payload, procedure_payload


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    env.update(AFTERCARE_VAR_DIR=str(tmp_path / "var"),
               AFTERCARE_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'aftercare.db'}",
               AFTERCARE_SCHEDULES_DIR=str(REPO_ROOT / "schedules"),
               AFTERCARE_DISPATCH_INTERVAL_SECONDS="1")
    with dev_server(tmp_path, env, "embedded") as running:
        yield running


def test_readme_loop(embedded: Server) -> None:
    base = embedded.base
    started = embedded.log.read_text()
    assert f"aftercare on {base}" in started
    assert "nobody can sign in yet; create the first admin with:" in started
    token = embedded.cli("tokens", "create", "--name", "front-desk", "--role", "staff").strip()
    assert token.startswith("act_")
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.now(UTC)
    payload = procedure_payload(now - timedelta(hours=2), external_id="visit-1",
                                patient=patient_payload(timezone=daytime_zone(now)))
    created = httpx.post(f"{base}/api/procedures", json=payload, headers=headers)
    assert created.status_code == 201, created.text
    procedure_id = created.json()["id"]

    deadline = time.monotonic() + 45
    while True:
        body = httpx.get(f"{base}/api/procedures/{procedure_id}", headers=headers).json()
        sent = [m for m in body["messages"] if m["status"] == "sent"]
        if sent or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert sent, body
    assert any(m["step"] == "walk_2h" and m["channel"] == "sms" for m in sent)
    assert all(m["provider_id"].startswith("console-") for m in sent)
    outbox = embedded.cli("outbox")
    recorded = [json.loads(line) for line in outbox.splitlines()]
    assert {r["message_id"] for r in recorded} >= {m["id"] for m in sent}
    # The same external_id again is the same procedure.
    again = httpx.post(f"{base}/api/procedures", json=payload, headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, procedure_id)


def test_first_run_with_the_demo(tmp_path: Path) -> None:
    """`aftercare dev --demo` with only the data folder set: the SQLite file goes there, a
    demo admin can sign in, and the review queue holds a reply of each level, urgent first;
    no line per periodic task."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    env.update(AFTERCARE_VAR_DIR=str(tmp_path / "data"),
               AFTERCARE_SCHEDULES_DIR=str(REPO_ROOT / "schedules"))
    with dev_server(tmp_path, env, "demo", "--demo") as running:
        assert (tmp_path / "data" / "aftercare.db").exists()
        found = re.search(r"sign in as (\S+) with password (\S+) \(shown once\)",
                          running.log.read_text())
        assert found, running.log.read_text()
        with httpx.Client(base_url=running.base, follow_redirects=False) as browser:
            form = browser.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            signed_in = browser.post("/login", data={
                "email": found.group(1), "password": found.group(2),
                "csrf_token": token.group(1)})
            assert signed_in.status_code == 303
            deadline = time.monotonic() + 45
            while True:  # the worker reads the replies
                queue = browser.get("/review/queue")
                levels = re.findall(r"triage-(urgent|review|routine)", queue.text)
                if len(set(levels)) == 3 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        assert levels[0] == "urgent" and set(levels) == {"urgent", "review", "routine"}, \
            queue.text
        time.sleep(2)  # beat has sent its every-second dispatch a few times by now
        log = running.log.read_text()
        assert "Sending due task" not in log and "succeeded in" not in log
