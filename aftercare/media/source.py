"""Where photos come from: the provider that received the MMS (channels/twilio_media.py)."""

from __future__ import annotations

from typing import Protocol


class MediaUnavailable(Exception):
    """Worth another try later: the provider or the network failed."""


class MediaSource(Protocol):
    def fetch(self, url: str, *, max_bytes: int) -> bytes: ...

    def remove(self, url: str) -> bool: ...  # False: nothing to delete at this provider

    def close(self) -> None: ...
