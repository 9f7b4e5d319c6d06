"""MMS photos, on SQLite and PostgreSQL: a reply's photo fetched from a stand-in of Twilio's
media address with the account's credentials, kept without metadata with a thumbnail,
deleted at Twilio (Prism, from Twilio's own spec), shown only to signed-in staff; what is
not a photo, or too large, refused with its reason and nothing kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aftercare.channels.twilio_media import TwilioMedia
from aftercare.container import Container
from aftercare.db.models import AuditEvent, Reply, ReplyMedia
from aftercare.db.session import transaction
from aftercare.media.service import delete_reply_media, fetch_pending
from aftercare.patients.export import export_patient
from aftercare.procedures.schemas import ProcedureIn
from aftercare.procedures.service import log_procedures
from tests.conftest import FrozenClock
from tests.integration.test_web_support import Web, add_user, make_web
from tests.support.factories import procedure_payload
from tests.support.media_server import ACCOUNT, MediaServer, media_path, png, run_media_server
from tests.support.queue import run_reading

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
TOKEN = "media-test-token"
PHONE = "+12125550142"


@pytest.fixture
def media() -> Iterator[MediaServer]:
    with run_media_server(user=ACCOUNT, password=TOKEN) as server:
        yield server


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str, prism_url: str) -> Web:
    source = TwilioMedia(account_sid=ACCOUNT, auth_token=TOKEN, api_base_url=prism_url)
    web = make_web(make_container, db_url, clock=FrozenClock(NOW), photo_source=source)
    with transaction(web.container.sessions) as session:
        log_procedures(session, requests=[ProcedureIn.model_validate(procedure_payload(
            NOW - timedelta(days=2), patient={
                "first_name": "Ana", "phone": PHONE, "timezone": "America/New_York",
                "sms_consent": True, "email_consent": False}))],
            plans=web.container.plans, phone_region="US", queue=web.container.queue,
            now=NOW, by="test")
    yield web
    source.close()


def receive(web: Web, body: str, urls: list[str], sid: str = "MMreply1") -> int:
    with transaction(web.container.sessions) as session:
        reply = Reply(message_sid=sid, from_phone=PHONE, to_phone="+15005550006", body=body,
                      received_at=NOW - timedelta(minutes=5),
                      media=[{"url": u, "content_type": "image/png"} for u in urls])
        session.add(reply)
        session.flush()
        reply_id = reply.id
    run_reading(web.container)
    return reply_id


def fetch(web: Web) -> tuple[int, int, int]:
    c = web.container
    done = fetch_pending(sessions=c.sessions, source=c.media_source, store=c.media_store,
                         max_bytes=c.settings.media_max_bytes, clock=c.clock)
    return done.stored, done.refused, done.waiting


def photos(web: Web) -> list[ReplyMedia]:
    with web.container.sessions() as session:
        return list(session.scalars(select(ReplyMedia).order_by(ReplyMedia.id)))


def test_a_photo_only_reply_goes_to_review_and_its_photo_is_kept_and_shown(
        web: Web, media: MediaServer) -> None:
    url = media.add(media_path(1), png())
    reply_id = receive(web, "", [url])
    with web.container.sessions() as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.triage == "review"
        assert "photo sent without text" in reply.reasons
    assert fetch(web) == (1, 0, 0)
    assert media.requests == [(media_path(1), True)]  # with the account's credentials
    [row] = photos(web)
    assert row.status == "stored" and row.content_type == "image/png"
    assert (row.width, row.height) == (640, 480)
    assert row.removed_from_provider_at is not None  # deleted at Twilio (Prism)
    store = web.container.media_store
    assert store.get(row.storage_key or "") and store.get(row.thumbnail_key or "")
    assert fetch(web) == (0, 0, 0)  # once

    # Signed out: nothing. Signed in: the thumbnail and the photo, never cached.
    for path in (f"/media/{row.id}", f"/media/{row.id}/thumbnail"):
        response = web.client.get(path)
        assert response.status_code == 303 and "/login" in response.headers["location"]
    add_user(web.container, "doc@example.org", "clinician")
    assert web.login("doc@example.org").status_code == 303
    full = web.client.get(f"/media/{row.id}")
    assert full.status_code == 200 and full.headers["content-type"] == "image/png"
    assert full.headers["cache-control"] == "no-store, private"
    thumb = web.client.get(f"/media/{row.id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert web.client.get(f"/media/{row.id + 99}").status_code == 404
    page = web.client.get(f"/review/{reply_id}")
    assert f'src="/media/{row.id}/thumbnail"' in page.text
    assert url not in page.text  # never the provider's address
    with web.container.sessions() as session:
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.action == "view_photo")).all() == ["view_photo"]

    # The patient's export lists it.
    with web.container.sessions() as session:
        patient_id = session.get(Reply, reply_id).patient_id  # type: ignore[union-attr]
        exported = export_patient(session, patient_id=patient_id or 0)["photos"]
    assert [(p["storage_key"], p["content_type"]) for p in exported] == [
        (row.storage_key, "image/png")]

    # Erasure and retention delete the files.
    with transaction(web.container.sessions) as session:
        assert delete_reply_media(session, store=store, reply_ids=[reply_id]) == 1
    with pytest.raises(FileNotFoundError):
        store.get(row.storage_key or "")
    assert web.client.get(f"/media/{row.id}").status_code == 404


def test_what_is_not_a_photo_or_too_large_is_refused_and_not_kept(
        web: Web, media: MediaServer) -> None:
    urls = [media.add(media_path(2), b"<html>not a photo</html>", "image/png"),
            media.add(media_path(3), b"x" * (web.container.settings.media_max_bytes + 1)),
            media.add(media_path(4), png(64, 64))]
    receive(web, "see my leg", urls)
    assert fetch(web) == (1, 2, 0)  # one bad photo does not hold up the good one
    refused = [(row.status, row.reason) for row in photos(web)]
    assert refused[0][0] == "refused" and "not a readable image" in str(refused[0][1])
    assert refused[1][0] == "refused" and "larger than" in str(refused[1][1])
    assert refused[2][0] == "stored"
    assert [row.storage_key for row in photos(web)][:2] == [None, None]


def test_a_provider_that_fails_is_tried_again_then_given_up(
        web: Web, media: MediaServer) -> None:
    url = media.add(media_path(5), b"busy", "text/plain", status=503)
    receive(web, "photo", [url])
    for attempt in range(1, 6):
        stored, refused, waiting = fetch(web)
        [row] = photos(web)
        assert (stored, refused) == (0, 0)
        assert row.attempts == attempt and "503" in str(row.reason)
    assert row.status == "failed" and fetch(web) == (0, 0, 0)


def test_wrong_credentials_are_not_a_photo(web: Web) -> None:
    with run_media_server(user=ACCOUNT, password="another-token") as other:
        url = other.add(media_path(6), png())
        receive(web, "", [url])
        assert fetch(web) == (0, 0, 1)  # 401: tried again later, nothing kept
        assert other.requests == [(media_path(6), False)]
