"""Photos patients sent, for signed-in staff only: never at a public address, never cached.
Opening the full photo is a view of patient data, in the audit log; thumbnails are part of
pages already audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from aftercare import audit
from aftercare.db.models import Reply, ReplyMedia, User
from aftercare.http.deps import ContainerDep, RowId, SessionDep
from aftercare.locations.scope import scope_of
from aftercare.web.errors import PageNotFound
from aftercare.web.login import StaffUser
from aftercare.web.security import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
PRIVATE = {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"}


@router.get("/media/{media_id}")
def photo(media_id: RowId, session: SessionDep, container: ContainerDep,
          user: StaffUser) -> Response:
    row = _stored(session, media_id, user)
    audit.record(session, actor=user.email, action="view_photo",
                 subject=f"reply:{row.reply_id}", now=container.clock(),
                 detail={"photo": row.id})
    assert row.storage_key is not None and row.content_type is not None
    return Response(container.media_store.get(row.storage_key), media_type=row.content_type,
                    headers=PRIVATE)


@router.get("/media/{media_id}/thumbnail")
def thumbnail(media_id: RowId, session: SessionDep, container: ContainerDep,
              user: StaffUser) -> Response:
    row = _stored(session, media_id, user)
    assert row.thumbnail_key is not None
    return Response(container.media_store.get(row.thumbnail_key), media_type="image/jpeg",
                    headers=PRIVATE)


def _stored(session: SessionDep, media_id: int, user: User) -> ReplyMedia:
    row = session.get(ReplyMedia, media_id)
    if row is None or row.status != "stored" or not row.storage_key:
        raise PageNotFound("photo")
    reply = session.get(Reply, row.reply_id)
    if reply is None or not scope_of(session, user).sees(reply.location_id):
        raise PageNotFound("photo")  # another location's patient
    return row
