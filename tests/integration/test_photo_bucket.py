"""Photos in an S3-compatible bucket (moto's S3 server on loopback): the same store
interface as the folder, chosen by settings, used by the fetch and by erasure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from aftercare.channels.twilio_media import PlainMedia
from aftercare.container import Container
from aftercare.db.models import Reply, ReplyMedia
from aftercare.db.session import transaction
from aftercare.media.service import fetch_pending
from aftercare.media.store import BucketStore, FolderStore
from tests.support.media_server import media_path, png, run_media_server

BUCKET = "clinic-photos"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"
                       }.items():
        monkeypatch.setenv(key, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_the_bucket_keeps_gets_and_deletes_under_its_prefix(s3: str) -> None:
    store = BucketStore(bucket=BUCKET, prefix="aftercare-media/", endpoint_url=s3,
                        region="us-east-1")
    store.put("reply-1/1.png", b"photo")
    assert store.get("reply-1/1.png") == b"photo"
    listed = boto3.client("s3", endpoint_url=s3, region_name="us-east-1").list_objects_v2(
        Bucket=BUCKET)["Contents"]
    assert [o["Key"] for o in listed] == ["aftercare-media/reply-1/1.png"]
    store.delete("reply-1/1.png")
    with pytest.raises(FileNotFoundError):
        store.get("reply-1/1.png")
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", b"x")


def test_settings_choose_the_bucket_and_the_fetch_keeps_photos_there(
        s3: str, make_container: Callable[..., Container], db_url: str) -> None:
    plain = make_container(db_url)
    assert isinstance(plain.media_store, FolderStore)
    container = make_container(db_url, photo_source=PlainMedia(), settings={
        "media_bucket": BUCKET, "media_s3_endpoint": s3, "media_s3_region": "us-east-1"})
    assert isinstance(container.media_store, BucketStore)
    with run_media_server(user=None, password=None) as media:
        url = media.add(media_path(1), png())
        with transaction(container.sessions) as session:
            reply = Reply(message_sid="MMbucket", from_phone="+12125550142",
                          to_phone="+15005550006", body="", media=[{"url": url}],
                          received_at=datetime(2026, 12, 4, tzinfo=UTC))
            session.add(reply)
            session.flush()
            session.add(ReplyMedia(reply_id=reply.id, provider_url=url, status="pending",
                                   attempts=0))
        fetched = fetch_pending(sessions=container.sessions, source=container.media_source,
                                store=container.media_store, max_bytes=1024 * 1024,
                                clock=lambda: datetime(2026, 12, 4, tzinfo=UTC))
    assert fetched.stored == 1
    with container.sessions() as session:
        row = session.scalars(select(ReplyMedia)).one()
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3, region_name="us-east-1")
            .list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert sorted(keys) == sorted(f"aftercare-media/{k}" for k in (row.storage_key,
                                                                   row.thumbnail_key))
