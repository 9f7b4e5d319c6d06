"""Photos a reply carried: noted when the reply is read, fetched by the worker, kept
without their metadata with a thumbnail, then deleted at the provider. One photo that
cannot be fetched never holds up the rest: each is its own short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import Reply, ReplyMedia
from aftercare.db.session import transaction
from aftercare.db.upsert import insert_ignoring
from aftercare.media.images import NotAcceptable, accept
from aftercare.media.source import MediaSource, MediaUnavailable
from aftercare.media.store import MediaStore

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


@dataclass(frozen=True)
class Fetched:
    stored: int
    refused: int
    waiting: int  # to be tried again on a later run


def note_photos(session: Session, reply: Reply) -> None:
    """The reply's media items, to be fetched (once each, however often it is read)."""
    rows = [{"reply_id": reply.id, "provider_url": str(item.get("url", ""))[:500],
             "status": "pending", "attempts": 0, "created_at": reply.received_at}
            for item in reply.media if item.get("url")]
    if rows:
        session.execute(insert_ignoring(session, ReplyMedia.__table__, "reply_id",
                                        "provider_url").values(rows))


def fetch_pending(*, sessions: sessionmaker[Session], source: MediaSource, store: MediaStore,
                  max_bytes: int, clock: Callable[[], datetime], limit: int = 20) -> Fetched:
    with sessions() as session:
        ids = list(session.scalars(select(ReplyMedia.id).where(ReplyMedia.status == "pending")
                                   .order_by(ReplyMedia.id).limit(limit)))
    outcomes = [_fetch_one(sessions=sessions, media_id=i, source=source, store=store,
                           max_bytes=max_bytes, clock=clock) for i in ids]
    return Fetched(outcomes.count("stored"), outcomes.count("refused"),
                   outcomes.count("pending"))


def _fetch_one(*, sessions: sessionmaker[Session], media_id: int, source: MediaSource,
               store: MediaStore, max_bytes: int, clock: Callable[[], datetime]) -> str:
    with transaction(sessions) as session:
        row = session.get(ReplyMedia, media_id, with_for_update=True)
        if row is None or row.status != "pending":
            return "taken"  # another worker had it
        row.attempts += 1
        url = row.provider_url
        try:
            photo = accept(source.fetch(url, max_bytes=max_bytes), max_bytes=max_bytes)
        except NotAcceptable as exc:
            row.status, row.reason = "refused", str(exc)[:300]
        except MediaUnavailable as exc:
            row.reason = str(exc)[:300]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            return row.status
        else:
            key = f"reply-{row.reply_id}/{row.id}.{_EXTENSION[photo.content_type]}"
            thumbnail = f"reply-{row.reply_id}/{row.id}-thumb.jpg"
            store.put(key, photo.data)
            store.put(thumbnail, photo.thumbnail)
            row.status, row.reason = "stored", None
            row.content_type, row.size_bytes = photo.content_type, len(photo.data)
            row.width, row.height, row.sha256 = photo.width, photo.height, photo.sha256
            row.storage_key, row.thumbnail_key, row.stored_at = key, thumbnail, clock()
        status = row.status
    # Deleted at the provider once it is safe here (or refused): no copy of a patient's
    # photo stays at Twilio. A failed delete is logged and not retried.
    try:
        if source.remove(url):
            with transaction(sessions) as session:
                done = session.get(ReplyMedia, media_id)
                if done is not None:
                    done.removed_from_provider_at = clock()
    except MediaUnavailable as exc:
        log.warning("photo %s kept, but not deleted at the provider: %s", media_id, exc)
    return status


def delete_reply_media(session: Session, *, store: MediaStore, reply_ids: Iterable[int]
                       ) -> int:
    """Stored photos of these replies deleted (erasure, retention); the rows stay, marked."""
    rows = session.scalars(select(ReplyMedia).where(ReplyMedia.reply_id.in_(list(reply_ids)),
                                                    ReplyMedia.status != "deleted")).all()
    for row in rows:
        for key in (row.storage_key, row.thumbnail_key):
            if key:
                store.delete(key)
        row.status, row.storage_key, row.thumbnail_key = "deleted", None, None
        row.provider_url, row.sha256 = f"deleted:{row.id}", None
    return len(rows)
