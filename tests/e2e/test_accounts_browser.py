"""Accounts in Chromium against `aftercare dev`: a clinician turns on two-step sign-in by
scanning (here: reading) the key, then signs in with a code from the app; an admin makes a
password reset link that the clinician opens in another browser to set a new password."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server

PASSWORD = "correct horse battery"  # what Server.add_user sets


def test_two_step_sign_in_and_a_password_reset(page: Page, server: Server,
                                               browser: Any) -> None:
    server.add_user("twostep@example.org", "clinician", "Dr. Two")
    server.add_user("keys@example.org", "admin", "Ada Keys")
    sign_in(page, server, "twostep@example.org", then="/account/two-factor")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-key").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("shown this once")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("button", name="Sign out").click()

    page.goto(server.base + "/review")
    page.get_by_label("Email").fill("twostep@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code did not work")).to_be_visible()
    # The code of the next time step (a phone clock a little ahead, which is accepted): the
    # enrolment's own code would be refused as used.
    ahead = datetime.now(UTC).timestamp() + 30
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(ahead))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.base + "/review")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, "keys@example.org", then="/admin/users")
    row = page.get_by_role("row", name=re.compile("twostep@example.org"))
    row.get_by_role("button", name=re.compile("password reset link")).click()
    notice = page.get_by_text(re.compile("Give twostep@example.org this link"))
    expect(notice).to_be_visible()
    link = re.search(r"http\S+/reset/[\w.-]+", notice.inner_text())
    assert link, notice.inner_text()

    other = browser.new_context()
    try:
        theirs = other.new_page()
        theirs.goto(link.group(0).replace(server.env.get("AFTERCARE_PUBLIC_BASE_URL",
                                                         "http://127.0.0.1:8000"), server.base))
        theirs.get_by_label("New password").fill("a brand new passphrase")
        theirs.get_by_role("button", name="Set password").click()
        expect(theirs.get_by_text("Password set: sign in with it now.")).to_be_visible()
        theirs.get_by_label("Email").fill("twostep@example.org")
        theirs.get_by_label("Password").fill("a brand new passphrase")
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("heading", name="Enter your code")).to_be_visible()
    finally:
        other.close()
