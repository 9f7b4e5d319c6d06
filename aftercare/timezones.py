"""Time zones by their IANA names, as staff and systems type them: one check for every
entry point. Pure."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LONGEST = 64  # the longest IANA name is about 30 characters; the column holds 64


def find_zone(name: str | None) -> ZoneInfo | None:
    """The zone, or None when `name` is not one. zoneinfo reads names as file paths: a
    malformed one raises ValueError, and one longer than a file name may be, OSError."""
    if not name or len(name) > LONGEST:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
