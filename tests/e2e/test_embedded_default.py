"""README's first loop, for real: `aftercare dev` on SQLite with the folder broker and the
console channels, a token from the CLI, a procedure performed two hours ago, sent at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.support.factories import daytime_zone, patient_payload, procedure_payload
from tests.support.prism import free_port


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    env.update(AFTERCARE_VAR_DIR=str(tmp_path / "var"),
               AFTERCARE_DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'aftercare.db'}",
               AFTERCARE_SCHEDULES_DIR=str(REPO_ROOT / "schedules"),
               AFTERCARE_DISPATCH_INTERVAL_SECONDS="1")
    port = free_port()
    log = (tmp_path / "dev.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "aftercare", "dev", "--port", str(port)],
                            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "dev.log").read_text())
            time.sleep(0.3)
        yield base, env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_readme_loop(dev_server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    base, env = dev_server
    token = subprocess.run(
        [sys.executable, "-m", "aftercare", "tokens", "create", "--name", "front-desk",
         "--role", "staff"], env=env, cwd=tmp_path, check=True, capture_output=True, text=True,
    ).stdout.strip()
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
    outbox = subprocess.run([sys.executable, "-m", "aftercare", "outbox"], env=env,
                            cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    recorded = [json.loads(line) for line in outbox.splitlines()]
    assert {r["message_id"] for r in recorded} >= {m["id"] for m in sent}
    # The same external_id again is the same procedure.
    again = httpx.post(f"{base}/api/procedures", json=payload, headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, procedure_id)
