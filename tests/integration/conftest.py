"""Fixtures for the channel stand-ins; the helpers themselves live in tests/support."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.prism import start_prism
from tests.support.smtp import SmtpServer, start_smtp


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    """Base URL of a Prism mock of Twilio's API, started once per test session."""
    with start_prism() as url:
        yield url


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that accepts everything; `.received` lists the mail."""
    with start_smtp() as server:
        yield server
