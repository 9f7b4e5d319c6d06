"""Property-based requests over the OpenAPI spec: no input makes the API answer 5xx.

In-process (ASGI) against the real app on SQLite, authenticated with a clinician token (which
also passes the staff routes). Only the server-error check is applied: 4xx answers to
nonsense are the point; a 500 is a bug.

Driven through schemathesis's Python API and Hypothesis directly: its pytest plugin
(`schema.parametrize`) does not run under pytest 9 (it reads a removed private attribute).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_asgi

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import build, create_app
from aftercare.channels.base import RecordingChannel
from aftercare.db.migrate import upgrade
from aftercare.db.session import transaction
from aftercare.queue import RecordingQueue
from tests.conftest import make_settings

EXAMPLES_PER_OPERATION = 60  # per operation and mode


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite:///{tmp / 'aftercare.db'}"
    upgrade(url)
    container = build(make_settings(tmp, url), queue=RecordingQueue(),
                      channels={"sms": RecordingChannel("sms"), "email": RecordingChannel()})
    with transaction(container.sessions) as session:
        token = create_token(session, name="schemathesis", role="clinician")
    yield from_asgi("/openapi.json", create_app(container)), token
    container.engine.dispose()


def operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


@pytest.mark.timeout(240)
def test_no_server_errors(api: tuple[schemathesis.BaseSchema, str]) -> None:
    schema, token = api
    headers = {"Authorization": f"Bearer {token}"}
    tested = []
    # Valid-looking requests and deliberately invalid ones (wrong types, missing fields).
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for operation in operations(schema):
        for mode in modes:

            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                      database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def no_5xx(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                no_5xx()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no inputs)
        tested.append(operation.label)
    print(f"schemathesis: {len(tested)} operations, up to {EXAMPLES_PER_OPERATION} cases "
          "each, positive and negative")
    assert any("/api/procedures" in label for label in tested)
