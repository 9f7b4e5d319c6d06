"""Records that travel, in Chromium against `aftercare dev`: an MMS photo fetched by the
worker and shown to a signed-in clinician (and to nobody signed out); a day list uploaded,
previewed and logged; the report page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.test_web_browser import sign_in
from tests.support.devserver import Server
from tests.support.media_server import MediaServer, media_path, png, run_media_server

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def clinician(server: Server) -> str:
    server.add_user("photos@example.org", "clinician", "Dr. Reyes")
    return "photos@example.org"


@pytest.fixture
def media() -> Iterator[MediaServer]:
    # The embedded default fetches without credentials (no Twilio account).
    with run_media_server(user=None, password=None) as server:
        yield server


def reply_with_photo(server: Server, url: str) -> int:
    """A procedure logged through the CLI, then a read reply carrying a photo not fetched
    yet, as the webhook and the reader leave it: the worker's photo fetch does the rest."""
    performed = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    logged = json.loads(server.cli(
        "procedures", "log", "--first-name", "Rosa", "--phone", "(212) 555-0199",
        "--tz", "America/New_York", "--sms-consent", "--no-email-consent",
        "--type", "sclerotherapy", "--performed-at", performed))
    engine = create_engine(server.env["AFTERCARE_DATABASE_URL"])
    now = datetime.now(UTC)
    with engine.begin() as conn:
        patient_id = conn.execute(text("SELECT patient_id FROM procedures WHERE id = :id"),
                                  {"id": logged["id"]}).scalar_one()
        reply_id = conn.execute(text(
            "INSERT INTO replies (message_sid, from_phone, to_phone, body, media, received_at,"
            " patient_id, procedure_id, read_at, triage, triage_rank, present, absent,"
            " reasons, review_status, escalation_level, created_at, intent)"
            " VALUES ('MMbrowser1', '+12125550199', '+15005550006', 'this is my leg', :media,"
            " :now, :patient, :procedure, :now, 'review', 2, '[]', '[]',"
            " '[\"photo sent\"]', 'open', 0, :now, 'other') RETURNING id"),
            {"media": json.dumps([{"url": url, "content_type": "image/png"}]), "now": now,
             "patient": patient_id, "procedure": logged["id"]}).scalar_one()
        conn.execute(text(
            "INSERT INTO reply_media (reply_id, provider_url, status, attempts, created_at)"
            " VALUES (:reply, :url, 'pending', 0, :now)"),
            {"reply": reply_id, "url": url, "now": now})
    engine.dispose()
    return int(reply_id)


def test_a_photo_is_shown_to_a_signed_in_clinician_and_to_nobody_else(
        page: Page, server: Server, clinician: str, media: MediaServer, browser: Any,
        shots: Callable[..., Any]) -> None:
    url = media.add(media_path(7), png(800, 600))
    reply_id = reply_with_photo(server, url)
    sign_in(page, server, clinician, then=f"/review/{reply_id}")
    thumbnail = page.get_by_role("img", name=re.compile("Photo 1 the patient sent"))
    deadline = time.monotonic() + WAIT_MS / 1000
    while thumbnail.count() == 0 and time.monotonic() < deadline:  # the worker fetches
        page.wait_for_timeout(1000)
        page.reload()
    expect(thumbnail).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", thumbnail.element_handle()) == 320
    assert media.requests == [(media_path(7), True)]
    assert url not in page.content()
    shots(page, "photo-on-reply")
    href = page.get_by_role("link", name=re.compile("Photo 1")).get_attribute("href")
    assert href is not None and href.startswith("/media/")

    stranger = browser.new_context()
    try:
        other = stranger.new_page()
        answer = other.goto(server.base + href)
        assert answer is not None
        expect(other).to_have_url(re.compile(r"/login\?next="))
        assert other.get_by_role("img").count() == 0
        direct = other.request.get(server.base + href, max_redirects=0)
        assert direct.status == 303
    finally:
        stranger.close()


def test_a_day_list_is_previewed_then_logged(page: Page, server: Server, clinician: str,
                                             tmp_path: Any, shots: Callable[..., Any]) -> None:
    day = (datetime.now(ZoneInfo("America/New_York")) - timedelta(days=1)).date()
    csv = tmp_path / "day.csv"
    csv.write_text(
        "visit_id,first_name,phone,sms_consent,email_consent,procedure_type,performed_at\n"
        f"DL-1,Iris,212-555-0123,yes,no,sclerotherapy,{day} 09:30\n"
        f"DL-2,Omar,212-555-0124,yes,no,endovenous-thermal-ablation,{day} 11:00\n")
    sign_in(page, server, clinician, then="/procedures/import")
    page.get_by_label("Day list (CSV)").set_input_files(str(csv))
    page.get_by_role("button", name="Check the list").click()
    expect(page.get_by_text("2 procedures ready to log")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Iris"))).to_be_visible()
    shots(page, "day-list-preview")
    page.get_by_role("button", name="Log 2 procedures").click()
    expect(page).to_have_url(server.base + "/procedures")
    expect(page.get_by_text("2 procedure(s) logged from the day list")).to_be_visible()

    page.goto(server.base + "/reports")
    expect(page.get_by_role("heading", name="Adherence and outcomes")).to_be_visible()
    expect(page.get_by_role("table", name="Summary")).to_be_visible()
