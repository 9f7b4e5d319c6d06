"""A request's transaction commits before its answer goes out: a write whose commit fails is
answered with an error, never with the success the client would then rely on (and a browser
following a redirect never reads the page before the write landed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from aftercare.container import Container
from aftercare.db.models import Procedure
from tests.support.api import api_client
from tests.support.factories import procedure_payload


class CommitFails(Session):
    def commit(self) -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))


def test_a_failed_commit_is_never_answered_as_a_success(
        db_url: str, make_container: Callable[..., Container]) -> None:
    container = make_container(db_url)
    payload = {"procedures": [procedure_payload(datetime.now(UTC) - timedelta(hours=1))]}
    with api_client(container, raise_server_exceptions=False) as api:
        container.sessions.class_ = CommitFails  # type: ignore[attr-defined]
        try:
            answered = api.post("/api/procedures/batch", json=payload)
        finally:
            container.sessions.class_ = Session  # type: ignore[attr-defined]
    assert answered.status_code == 500
    with container.sessions() as session:
        assert session.scalars(select(Procedure)).all() == []
