"""Time zone names as typed: a zone, or None, never an exception from zoneinfo."""

from __future__ import annotations

import pytest

from aftercare.timezones import find_zone


def test_a_known_name_is_its_zone() -> None:
    zone = find_zone("America/Chicago")
    assert zone is not None and str(zone) == "America/Chicago"


@pytest.mark.parametrize("name", [
    None, "", "Mars/Olympus", "../../etc/passwd", "/America/Chicago", "America//Chicago",
    "0" * 40 + "\x80" * 60 + "ñ斍" * 30,  # longer than a file name may be (OSError)
    "A" * 300, "America/Chicago\x00",
])
def test_anything_else_is_none(name: str | None) -> None:
    assert find_zone(name) is None
