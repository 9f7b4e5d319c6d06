"""The web app in a real browser (Debian's Chromium, driven by Playwright) against
`aftercare dev` on the embedded default and on PostgreSQL: the whole loop a clinic runs,
from logging a procedure to reviewing an urgent reply, plus the doors that must stay shut.
Screenshots of the main pages go to test-output/screenshots/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.support.devserver import PASSWORD, Server
from tests.support.factories import daytime_zone

WAIT_MS = 60_000  # the worker plans and sends within seconds; allow a slow CI machine
URGENT_TEXT = "my calf is swollen hot and painful"


@pytest.fixture(scope="module")
def users(server: Server) -> dict[str, str]:
    server.add_user("doc@example.org", "clinician", "Dr. Okafor")
    server.add_user("desk@example.org", "staff", "Front Desk")
    return {"clinician": "doc@example.org", "staff": "desk@example.org"}


def sign_in(page: Page, server: Server, email: str, then: str = "/procedures") -> None:
    page.goto(server.base + then)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.base + then)


def test_the_whole_loop(page: Page, server: Server, users: dict[str, str],
                        shots: Callable[..., Any]) -> None:
    page.goto(server.base + "/procedures")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shots(page, "01-login")
    sign_in(page, server, users["clinician"])

    # Log a procedure done two hours ago, somewhere it is daytime (quiet hours defer).
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    performed = (now - timedelta(hours=2)).astimezone(ZoneInfo(zone))
    page.get_by_role("link", name="Log a procedure").first.click()
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Mobile phone", exact=True).fill("(212) 555-0142")
    page.get_by_label("Email").fill("maria@example.org")
    page.get_by_label("Patient's time zone").select_option("other")
    page.get_by_label("Other time zone").fill(zone)
    page.get_by_role("group", name="agree to texts").get_by_label("Yes").check()
    page.get_by_role("group", name="agree to email").get_by_label("Yes").check()
    page.get_by_label("Procedure type").select_option("sclerotherapy")
    page.get_by_label("Date").fill(performed.date().isoformat())
    page.get_by_label("Time it ended").fill(f"{performed:%H:%M}")
    page.get_by_label("Side").select_option("left")
    shots(page, "02-log-procedure")
    # A wrong phone number first: the error is inline, next to the field.
    page.get_by_label("Mobile phone", exact=True).fill("555-12")
    page.get_by_role("button", name="Preview messages").click()
    expect(page.locator("#phone-error")).to_contain_text("is not a valid phone number")
    shots(page, "03-log-procedure-error")
    page.get_by_label("Mobile phone", exact=True).fill("(212) 555-0142")
    page.get_by_role("button", name="Preview messages").click()

    expect(page.get_by_role("heading", name="Check the messages, then save")).to_be_visible()
    expect(page.locator("table.preview")).to_contain_text("walk_2h")
    shots(page, "04-preview")
    page.get_by_role("button", name="Save and start the care plan").click()
    expect(page).to_have_url(re.compile(r"/procedures/\d+$"))
    procedure_url = page.url
    expect(page.get_by_text("Procedure logged")).to_be_visible()
    # The worker plans within seconds; the 2-hour walk reminder is due at once and goes.
    reload_until(page, lambda: page.locator(".event.message.status-sent").count() > 0)
    expect(page.locator(".timeline")).to_contain_text("Planned")
    expect(page.locator(".timeline")).to_contain_text("walk_2h")
    shots(page, "05-procedure")

    # The patient phone: the text arrived; the patient replies.
    page.get_by_role("link", name="Patient phone").click()
    page.get_by_role("link", name=re.compile("Maria")).first.click()
    expect(page.locator(".bubble.out").first).to_be_visible(timeout=WAIT_MS)
    page.get_by_label("Reply as Maria").fill(URGENT_TEXT)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".bubble.in").last).to_contain_text(URGENT_TEXT)
    # The safety text comes back by itself (the page polls): the reply was read as urgent.
    expect(page.locator(".bubble.out").last).to_contain_text("serious problem",
                                                             timeout=WAIT_MS)
    shots(page, "06-patient-phone")

    # The review queue: at the top, urgent, without reloading.
    page.get_by_role("link", name="Review").first.click()
    first = page.locator(".queue-item").first
    expect(first).to_contain_text(URGENT_TEXT, timeout=WAIT_MS)
    expect(first.locator(".badge")).to_have_text(re.compile("urgent", re.I))
    expect(page.locator(".urgent-banner")).to_be_visible()
    # The tab shows the count in its title and icon, from any other tab.
    expect(page).to_have_title(re.compile(r"^\(1\) Review"))
    icon = page.locator("link[rel=icon]")
    assert (icon.get_attribute("href") or "").startswith("data:image/svg+xml,")
    shots(page, "07-review-queue")
    first.get_by_role("link").click()
    expect(page.locator("blockquote").first).to_contain_text(URGENT_TEXT)
    shots(page, "08-review-reply")
    page.get_by_label("Sent to emergency care").check()
    page.get_by_label("Note").fill("Called her; told to go to the ED now.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_text("Reviewed: sent to emergency care")).to_be_visible()
    expect(page.locator("#queue")).not_to_contain_text(URGENT_TEXT)

    # The timeline shows the reply, its reading, the review, and the symptom trend.
    page.goto(procedure_url)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(URGENT_TEXT)
    expect(timeline).to_contain_text("Sent to emergency care")
    expect(timeline).to_contain_text("Called her; told to go to the ED now.")
    expect(page.locator("svg.chart")).to_be_visible()
    # The urgent reply is a red flag on its day; its symptoms had no severity of their own,
    # so the table says so instead of drawing them as mild.
    expect(page.locator("svg.chart g.red-flag")).to_have_count(1)
    page.get_by_text("Show as a table").click()
    trend_table = page.locator(".trend table")
    expect(trend_table).to_contain_text("possible DVT")
    cells = trend_table.locator("tbody tr").first.locator("td")
    for column in range(cells.count() - 1):  # each symptom; the last column is the flag
        expect(cells.nth(column)).to_have_text("reported, severity not stated")
    shots(page, "09-procedure-reviewed")
    page.goto(server.base + "/plans")
    shots(page, "10-care-plans")
    page.goto(server.base + "/procedures")
    expect(page.locator("table")).to_contain_text("Maria")
    shots(page, "11-procedures")

    # Phone-sized: the same pages stay usable (no sideways scrolling of the page).
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in ((procedure_url, "12-mobile-procedure"), ("/procedures",
                       "13-mobile-procedures"), ("/review", "14-mobile-review")):
        page.goto(path if path.startswith("http") else server.base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
        shots(page, name, full_page=False)


def reload_until(page: Page, done: Callable[[], bool], timeout: float = WAIT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for the page to change"
        time.sleep(1)
        page.reload()


def test_pages_redirect_to_login_when_signed_out(page: Page, server: Server) -> None:
    for path in ("/procedures", "/procedures/new", "/procedures/1", "/review", "/review/1",
                 "/plans", "/phone", "/admin/users", "/admin/audit"):
        page.goto(server.base + path)
        expect(page).to_have_url(re.compile(r"/login\?next=" + re.escape(path) + "$"))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_staff_cannot_open_the_review_actions(page: Page, server: Server,
                                              users: dict[str, str],
                                              shots: Callable[..., Any]) -> None:
    sign_in(page, server, users["staff"])
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Review")
    response = page.goto(server.base + "/review")
    assert response is not None and response.status == 403
    expect(page.get_by_text("This needs the clinician role")).to_be_visible()
    shots(page, "15-staff-forbidden")
    posted = page.request.post(server.base + "/review/1", form={"outcome": "no_action_needed"})
    assert posted.status == 403


def test_a_post_without_the_csrf_token_is_refused(page: Page, server: Server,
                                                  users: dict[str, str]) -> None:
    sign_in(page, server, users["staff"])
    # A form posted without its token (as another site's page would): refused, still signed in.
    page.evaluate("""() => {
        const form = document.querySelector('form[action="/logout"]');
        form.querySelector('input[name="csrf_token"]').remove();
        form.submit();
    }""")
    expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
    direct = page.request.post(server.base + "/procedures/new",
                               form={"first_name": "X", "step": "save"})
    assert direct.status == 403
    page.goto(server.base + "/procedures")
    expect(page.get_by_role("heading", name="Procedures")).to_be_visible()


def test_nobody_on_call_is_shown_until_the_rota_covers_now(
        page: Page, server: Server, users: dict[str, str]) -> None:
    """`aftercare dev` sets no on-call contact: clinicians and admins are told on every page,
    until an admin puts someone on call."""
    server.add_user("boss@example.org", "admin", "Ada Admin")
    sign_in(page, server, users["clinician"], then="/review")
    banner = page.locator(".oncall-banner")
    expect(banner).to_contain_text("Nobody is on call now")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, users["staff"])
    expect(page.locator(".oncall-banner")).to_have_count(0)  # not theirs to fix
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, "boss@example.org", then="/admin/oncall")
    expect(page.locator(".oncall-banner")).to_be_visible()
    today = datetime.now(ZoneInfo("America/New_York"))
    page.get_by_label("Day", exact=True).select_option(str(today.weekday()))
    page.get_by_label("From", exact=True).fill("25:00")
    page.get_by_label("Until", exact=True).fill("00:00")
    page.get_by_label("Who", exact=True).fill("Dr. Okafor")
    page.get_by_label("Mobile phone", exact=True).fill("(212) 555-0123")
    page.get_by_role("button", name="Add the shift").click()
    expect(page.locator("#shift-error")).to_contain_text("24-hour clock")
    page.get_by_label("From", exact=True).fill("00:00")
    page.get_by_role("button", name="Add the shift").click()
    expect(page.get_by_text("Dr. Okafor is on call")).to_be_visible()
    expect(page.locator(".oncall-banner")).to_have_count(0)
    page.goto(server.base + "/review")
    expect(page.locator(".oncall-banner")).to_have_count(0)


def test_an_admin_unlocks_a_guessed_account_and_signs_it_out_everywhere(
        page: Page, browser: Any, server: Server) -> None:
    """Wrong passwords slow an account (no lockout); the admin lets it in at once, then
    ends its sessions from the users page, and the open tab is signed out."""
    server.add_user("guessed@example.org", "staff", "Guessed")
    server.add_user("chief@example.org", "admin", "Chief")
    page.goto(server.base + "/login")
    for _ in range(6):
        page.get_by_label("Email").fill("guessed@example.org")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_contain_text("Too many attempts")

    admin_context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = admin_context.new_page()
    try:
        sign_in(admin, server, "chief@example.org", then="/admin/users")
        admin.get_by_role("button", name="Unlock guessed@example.org").click()
        expect(admin.get_by_text("can sign in again at once")).to_be_visible()

        sign_in(page, server, "guessed@example.org")
        admin.get_by_role("button", name="Sign guessed@example.org out everywhere").click()
        expect(admin.get_by_text("Signed guessed@example.org out everywhere")).to_be_visible()
        page.reload()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        admin_context.close()
