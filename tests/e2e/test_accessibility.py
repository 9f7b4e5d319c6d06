"""Every page of the web app, checked by axe-core in Chromium: no serious or critical
accessibility violation, signed out, as staff and as an admin, forms with their errors too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from aftercare.patients.unsubscribe import token_for
from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server

SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def records(server: Server) -> dict[str, int]:
    """An admin, a procedure at a second location, and a reply read by the worker."""
    server.add_user("a11y-admin@example.org", "admin", "Ada Admin")
    server.cli("locations", "add", "eastside", "--name", "Eastside Veins", "--phone",
               "+1 212 555 0300", "--timezone", "America/New_York")
    performed = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    logged = json.loads(server.cli(
        "procedures", "log", "--first-name", "Iris", "--phone", "(212) 555-0177",
        "--email", "iris@example.org", "--tz", "America/New_York", "--sms-consent",
        "--email-consent", "--type", "sclerotherapy", "--performed-at", performed))
    engine = create_engine(server.env["AFTERCARE_DATABASE_URL"])
    with engine.connect() as conn:
        patient = conn.execute(text("SELECT patient_id FROM procedures WHERE id = :id"),
                               {"id": logged["id"]}).scalar_one()
    engine.dispose()
    return {"procedure": int(logged["id"]), "patient": int(patient)}


def check(page: Page, where: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, (where, [(v["id"], v["impact"], v["help"],
                                  [n["target"] for n in v["nodes"]][:5]) for v in serious])


def test_the_check_finds_what_it_should(page: Page) -> None:
    """So that a pass below means something: an image without words and an unlabelled
    field are caught."""
    page.set_content('<html lang="en"><head><title>x</title></head><body><main>'
                     '<img src="data:,"><input type="text"></main></body></html>')
    with pytest.raises(AssertionError) as caught:
        check(page, "a bad page")
    assert "image-alt" in str(caught.value) and "label" in str(caught.value)


def test_no_page_has_a_serious_accessibility_violation(page: Page, server: Server,
                                                       records: dict[str, int]) -> None:
    procedure, patient = records["procedure"], records["patient"]
    secret = server.env["AFTERCARE_SECRET_KEY"]
    for path in ("/login", f"/unsubscribe/{token_for(patient, secret_key=secret)}",
                 "/unsubscribe/not-a-token"):
        page.goto(server.base + path)
        check(page, path)
    sign_in(page, server, "a11y-admin@example.org")
    # A reply as the patient, through the phone simulator: the worker reads it.
    page.goto(server.base + f"/phone/{patient}")
    page.get_by_label("Reply as Iris").fill("my calf is swollen and hot")
    page.get_by_role("button", name="Send").click()
    engine = create_engine(server.env["AFTERCARE_DATABASE_URL"])
    with engine.connect() as conn:
        reply = conn.execute(text("SELECT max(id) FROM replies")).scalar_one()
    engine.dispose()
    pages = ["/procedures", "/procedures?q=Iris", "/procedures/new", "/procedures/import",
             f"/procedures/{procedure}", f"/patients/{patient}", "/review", f"/review/{reply}",
             "/reports", "/plans", "/phone", f"/phone/{patient}", "/admin/users",
             "/admin/tokens", "/admin/oncall", "/admin/locations", "/admin/audit",
             "/admin/canned", "/inbox", "/procedures/999999", "/account",
             "/account/two-factor", "/reset/not-a-link"]
    for path in pages:
        page.goto(server.base + path)
        check(page, path)
    # Forms with their errors shown.
    page.goto(server.base + "/procedures/new")
    page.get_by_role("button", name="Preview messages").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "/procedures/new with errors")
    page.goto(server.base + f"/patients/{patient}")
    page.get_by_text("Phone, email, language, time zone or consent").click()
    page.get_by_label("Mobile phone").fill("12")
    page.get_by_role("button", name="Save and re-plan").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "/patients with errors")
    page.goto(server.base + "/admin/locations")
    page.locator("#new-key").fill("Bad Key")
    page.locator("#new-name").fill("Somewhere")
    page.locator("#new-phone").fill("+1 212 555 0301")
    page.locator("#new-timezone").fill("America/New_York")
    page.get_by_role("button", name="Add location").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "/admin/locations with errors")
