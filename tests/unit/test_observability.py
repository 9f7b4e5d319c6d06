"""Logs without PHI: the masking filter, the JSON lines, the ids they carry."""

from __future__ import annotations

import io
import json
import logging

import pytest

from aftercare.observability.logs import (
    JsonFormatter,
    PhiFilter,
    bind_task,
    mask_phi,
    request_id,
)


@pytest.mark.parametrize(("text", "masked"), [
    ("to +12125550142 now", "to ***0142 now"),
    ("to +44 20 7946 0958", "to ***0958"),
    ("call (212) 555-0142", "call ***0142"),
    ("call 212-555-0142.", "call ***0142."),
    ("call 212.555.0142", "call ***0142"),
    ("call 212 555 0142", "call ***0142"),
    ("The 'To' number +15005550001 is not valid", "The 'To' number ***0001 is not valid"),
    ("mail maria.lopez+care@example.org", "mail ***@***.org"),
    # Ids, counts, times and years are not phone numbers.
    ("message 1234567890 sent in 0.25s", "message 1234567890 sent in 0.25s"),
    ("2026-03-02T15:00:00+00:00", "2026-03-02T15:00:00+00:00"),
    ("sid SM0123456789abcdef0123456789abcdef", "sid SM0123456789abcdef0123456789abcdef"),
])
def test_mask_phi(text: str, masked: str) -> None:
    assert mask_phi(text) == masked


def capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PhiFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.observability")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_json_line_with_masked_args_and_request_id() -> None:
    logger, stream = capture()
    token = request_id.set("req-1")
    try:
        logger.warning("could not text %s or mail %s", "+12125550142", "ana@example.org")
    finally:
        request_id.reset(token)
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "could not text ***0142 or mail ***@***.org"
    assert entry["level"] == "WARNING" and entry["logger"] == "tests.observability"
    assert entry["request_id"] == "req-1" and "time" in entry


def test_exceptions_are_masked_and_carry_the_task() -> None:
    logger, stream = capture()
    bind_task("task-9", "aftercare.dispatch_due")
    try:
        raise ValueError("bad number +12125550142")
    except ValueError:
        logger.exception("send failed")
    finally:
        bind_task(None, None)
    entry = json.loads(stream.getvalue())
    assert "+12125550142" not in stream.getvalue()
    assert "***0142" in entry["exc"]
    assert entry["task_id"] == "task-9" and entry["task"] == "aftercare.dispatch_due"


def test_setup_logging_quietens_the_twilio_client(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from aftercare.observability.logs import setup_logging
    from aftercare.settings import Settings

    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        setup_logging(Settings(_env_file=None, var_dir=tmp_path))  # type: ignore[call-arg]
        setup_logging(Settings(_env_file=None, var_dir=tmp_path))  # type: ignore[call-arg]
        assert sum(1 for h in root.handlers if h.get_name() == "aftercare") == 1
        # twilio-python logs request parameters (To, Body) at INFO.
        assert logging.getLogger("twilio.http_client").getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers, root.level = before[0], before[1]


def test_access_log_lines_lose_their_query_string() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.1:5000", "GET", "/procedures?q=Maria+Lopez", "1.1", 200),
                               None)
    PhiFilter().filter(record)
    assert record.getMessage() == '10.0.0.1:5000 - "GET /procedures HTTP/1.1" 200'
