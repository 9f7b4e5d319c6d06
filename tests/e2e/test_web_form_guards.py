"""The log-a-procedure form's guards in a real browser, against `aftercare dev`: a procedure
"done" in the future is refused inline, next to the date; the same patient's procedure of the
same type twice on one day asks to confirm, and goes through once confirmed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server
from tests.support.factories import daytime_zone


def fill_form(page: Page, server: Server, zone: str, performed: datetime) -> None:
    page.goto(server.base + "/procedures/new")
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Mobile phone").fill("(212) 555-0177")
    page.get_by_label("Patient's time zone").select_option("other")
    page.get_by_label("Other time zone").fill(zone)
    page.get_by_role("group", name="agree to texts").get_by_label("Yes").check()
    page.get_by_role("group", name="agree to email").get_by_label("No").check()
    page.get_by_label("Procedure type").select_option("sclerotherapy")
    page.get_by_label("Date", exact=True).fill(performed.date().isoformat())
    page.get_by_label("Time it ended").fill(f"{performed:%H:%M}")


def test_future_date_and_duplicate_confirm(page: Page, server: Server,
                                           shots: Callable[..., Any]) -> None:
    server.add_user("guard@example.org", "staff", "Front Desk")
    sign_in(page, server, "guard@example.org")
    now = datetime.now(UTC)
    zone = daytime_zone(now)

    # Two days ahead: refused inline, at the date, and nothing is previewed.
    fill_form(page, server, zone, (now + timedelta(days=2)).astimezone(ZoneInfo(zone)))
    page.get_by_role("button", name="Preview messages").click()
    expect(page.locator("#date-error")).to_contain_text("in the future")
    expect(page.get_by_label("Date", exact=True)).to_have_attribute("aria-invalid", "true")
    shots(page, "guard-future-date")

    # An hour ago: fine. No follow-up booked and no email: the preview says neither.
    performed = (now - timedelta(hours=1)).astimezone(ZoneInfo(zone))
    fill_form(page, server, zone, performed)
    page.get_by_role("button", name="Preview messages").click()
    expect(page.get_by_role("heading", name="Check the messages, then save")).to_be_visible()
    expect(page.locator("table.preview")).to_contain_text("to book it")
    expect(page.locator("table.preview")).not_to_contain_text("in your email")
    page.get_by_role("button", name="Save and start the care plan").click()
    expect(page).to_have_url(re.compile(r"/procedures/\d+$"))
    first_url = page.url

    # The same again: the form asks to confirm, with a box to tick.
    fill_form(page, server, zone, performed)
    page.get_by_role("button", name="Preview messages").click()
    expect(page.locator("#allow_duplicate-error")).to_contain_text("already has an active")
    shots(page, "guard-duplicate")
    page.get_by_label("Log it anyway").check()
    page.get_by_role("button", name="Preview messages").click()
    page.get_by_role("button", name="Save and start the care plan").click()
    expect(page).to_have_url(re.compile(r"/procedures/\d+$"))
    assert page.url != first_url
