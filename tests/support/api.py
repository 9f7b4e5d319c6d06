"""An API client as a clinic's system uses it: the app around a container, with a bearer
token of the given role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.session import transaction


@contextmanager
def api_client(container: Container, *, name: str = "front desk", role: str = "staff",
               raise_server_exceptions: bool = True) -> Iterator[TestClient]:
    with transaction(container.sessions) as session:
        token = create_token(session, name=name, role=role)
    with TestClient(create_app(container),
                    raise_server_exceptions=raise_server_exceptions) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
