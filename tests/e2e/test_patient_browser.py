"""The patient record in Chromium against `aftercare dev`: staff open it from the procedure
page, withdraw email consent as the patient told them, and the timeline shows the emails
still ahead no longer going while the texts do."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def staff(server: Server) -> str:
    server.add_user("records@example.org", "staff", "Front Desk")
    return "records@example.org"


def test_withdrawing_email_consent_re_plans_the_emails_ahead(
        page: Page, server: Server, staff: str, shots: Callable[..., Any]) -> None:
    performed = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    logged = json.loads(server.cli(
        "procedures", "log", "--first-name", "Odile", "--phone", "(212) 555-0142",
        "--email", "odile@example.org", "--tz", "America/New_York", "--sms-consent",
        "--email-consent", "--type", "sclerotherapy", "--performed-at", performed))
    procedure = f"/procedures/{logged['id']}"
    sign_in(page, server, staff, then=procedure)
    emails_ahead = page.locator("li.event.message.status-planned", has_text="Email")
    deadline = time.monotonic() + WAIT_MS / 1000
    while emails_ahead.count() == 0 and time.monotonic() < deadline:  # the worker plans
        page.wait_for_timeout(500)
        page.reload()
    expect(emails_ahead.first).to_be_visible()

    page.get_by_role("link", name="Record, consent and every procedure").click()
    expect(page.get_by_role("heading", name=re.compile("Odile"))).to_be_visible()
    page.get_by_text("Phone, email, language, time zone or consent").click()
    page.locator("fieldset", has_text="Agrees to email").get_by_label("No").check()
    page.get_by_label("How the patient gave or withdrew consent").select_option("verbal")
    page.get_by_label("Note").fill("asked for texts only")
    shots(page, "patient-record-consent")
    page.get_by_role("button", name="Save and re-plan").click()

    expect(page.get_by_text("Saved: email consent.")).to_be_visible()
    history = page.get_by_role("table")
    expect(history).to_contain_text("Withdrew")
    expect(history).to_contain_text("told staff")
    expect(history).to_contain_text(staff)
    page.goto(server.base + procedure)
    expect(emails_ahead).to_have_count(0)
    expect(page.locator("li.event.message.status-skipped", has_text="Email").first
           ).to_be_visible()
    expect(page.locator("li.event.message.status-planned", has_text="Text").first
           ).to_be_visible()
