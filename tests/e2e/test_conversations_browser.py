"""A conversation in Chromium against `aftercare dev`: the patient asks a question from
the patient phone, a clinician answers it from the reply's page with a canned reply, and
the patient phone shows the answer once the worker sent it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server
from tests.support.factories import daytime_zone

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, str]:
    server.add_user("answers@example.org", "clinician", "Dr. Answers")
    server.add_user("canned-admin@example.org", "admin", "Admin")
    return {"clinician": "answers@example.org", "admin": "canned-admin@example.org"}


def test_a_clinician_answers_and_the_patient_phone_shows_it(
        page: Page, server: Server, people: dict[str, str], shots: Callable[..., Any]) -> None:
    now = datetime.now(UTC)
    logged = json.loads(server.cli(
        "procedures", "log", "--first-name", "Beatriz", "--phone", "(212) 555-0177",
        "--email", "beatriz@example.org", "--tz", daytime_zone(now), "--sms-consent",
        "--email-consent", "--type", "sclerotherapy",
        "--performed-at", (now - timedelta(hours=2)).isoformat()))
    sign_in(page, server, people["admin"], then="/admin/canned")
    page.get_by_label("Label (what staff choose)").fill("Normal, keep walking")
    page.get_by_label("Text", exact=True).fill(
        "What you describe is normal: keep walking and wear your stockings. "
        "Questions: {clinic_phone}.")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Added the canned reply")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, people["clinician"], then=f"/procedures/{logged['id']}")
    page.get_by_role("link", name="Record, consent and every procedure").click()
    patient = page.url.rstrip("/").rsplit("/", 1)[1]
    page.goto(server.base + f"/phone/{patient}")
    page.get_by_label("Reply as Beatriz").fill("my calf aches a bit, should I come in?")
    page.get_by_role("button", name="Send").click()

    page.goto(server.base + "/review")
    reply = page.get_by_role("link", name=re.compile("should I come in"))
    deadline = datetime.now(UTC) + timedelta(milliseconds=WAIT_MS)
    while reply.count() == 0 and datetime.now(UTC) < deadline:  # the worker reads it
        page.wait_for_timeout(500)
        page.reload()
    reply.first.click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    page.get_by_label("Canned reply").select_option(label="Normal, keep walking")
    shots(page, "conversation-answer")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_text("Text on its way.")).to_be_visible()
    expect(page.locator(".conversation")).to_contain_text("Sent by answers@example.org")

    page.goto(server.base + f"/phone/{patient}")
    expect(page.locator(".bubbles")).to_contain_text("keep walking and wear your stockings",
                                                     timeout=WAIT_MS)
    shots(page, "conversation-patient-phone")


def test_staff_attach_a_text_from_an_unknown_number_to_a_patient(
        page: Page, server: Server, people: dict[str, str]) -> None:
    """A patient texts from a new phone: the reply waits in the inbox until staff say whose
    it is; then it is on that patient's timeline, read as theirs."""
    from sqlalchemy import create_engine, text

    now = datetime.now(UTC)
    logged = json.loads(server.cli(
        "procedures", "log", "--first-name", "Consuelo", "--phone", "(212) 555-0188",
        "--tz", daytime_zone(now), "--sms-consent", "--no-email-consent",
        "--type", "sclerotherapy", "--performed-at", (now - timedelta(hours=5)).isoformat()))
    engine = create_engine(server.env["AFTERCARE_DATABASE_URL"])
    with engine.begin() as conn:  # as the webhook stores it; the worker reads it
        conn.execute(text(
            "INSERT INTO replies (message_sid, from_phone, to_phone, body, media, received_at,"
            " present, absent, reasons, review_status, escalation_level, created_at,"
            " triage_rank) VALUES ('SMnewphone1', '+13125550177', '+15550100000',"
            " 'this is Consuelo on my new phone, the bruise is bigger', '[]', :now, '[]',"
            " '[]', '[]', 'pending', 0, :now, 9)"), {"now": now})
        patient = conn.execute(text("SELECT patient_id FROM procedures WHERE id = :id"),
                               {"id": logged["id"]}).scalar_one()
    engine.dispose()

    sign_in(page, server, people["clinician"], then="/inbox")
    item = page.get_by_role("link", name=re.compile(r"312"))
    deadline = datetime.now(UTC) + timedelta(milliseconds=WAIT_MS)
    while item.count() == 0 and datetime.now(UTC) < deadline:  # the worker reads it
        page.wait_for_timeout(500)
        page.reload()
    item.first.click()
    page.get_by_label("Patient number").fill(str(patient))
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("Attached: the reply was read again as the patient's.")
           ).to_be_visible()
    expect(page).to_have_url(server.base + f"/procedures/{logged['id']}")
    expect(page.get_by_text("the bruise is bigger").first).to_be_visible()
    page.goto(server.base + "/inbox")
    expect(page.get_by_text("the bruise is bigger")).to_have_count(0)
