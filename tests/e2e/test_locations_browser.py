"""Locations in Chromium against `aftercare dev`: a clinician of one location cannot see,
search or open another location's patients, and is told "not found" (404) for their ids,
never "forbidden"; an admin sees both."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server


def test_one_location_cannot_see_anothers_patients(page: Page, server: Server) -> None:
    server.cli("locations", "add", "northside", "--name", "Northside Veins", "--phone",
               "+1 212 555 0320", "--timezone", "America/New_York")
    server.add_user("north@example.org", "clinician", "Dr North")
    performed = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    ours, theirs = (json.loads(server.cli(
        "procedures", "log", "--first-name", name, "--phone", phone, "--tz",
        "America/New_York", "--sms-consent", "--no-email-consent", "--type", "sclerotherapy",
        "--performed-at", performed, *(["--location", where] if where else [])))["id"]
        for name, phone, where in (("Northa", "(212) 555-0321", "northside"),
                                   ("Southa", "(212) 555-0322", None)))
    assert "works at northside" in server.cli("locations", "assign", "north@example.org",
                                              "northside")

    sign_in(page, server, "north@example.org")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Northa")
    expect(table).not_to_contain_text("Southa")
    page.get_by_label("Name, phone or visit id").fill("Southa")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Southa")).to_have_count(0)
    response = page.goto(server.base + f"/procedures/{theirs}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    response = page.goto(server.base + f"/procedures/{ours}")
    assert response is not None and response.status == 200
