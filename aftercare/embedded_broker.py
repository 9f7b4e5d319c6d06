"""The embedded default's Celery broker: a folder on disk, made safe for concurrent use.

kombu's filesystem transport writes a message file in place while the worker may already
be moving and reading it: the reader gets an empty file and the worker dies with
"Unrecoverable error" (celery/kombu#1551). Here a message is written under a temporary name
and renamed into the queue folder only when complete, and a reader takes a file by renaming
it into its own folder first; both renames are atomic on one filesystem.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

ALIAS = "aftercare-folder"


class Channel(filesystem.Channel):  # type: ignore[misc]
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        staging = Path(self.data_folder_out).parent / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        partial = staging / name
        partial.write_bytes(str_to_bytes(dumps(payload)))
        os.replace(partial, Path(self.data_folder_out) / name)

    def _get(self, queue: str, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        taken = folder.parent / "taken"
        taken.mkdir(parents=True, exist_ok=True)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            mine = taken / f"{os.getpid()}-{name}"
            try:
                os.replace(folder / name, mine)  # whoever renames first owns the message
            except FileNotFoundError:
                continue
            payload = mine.read_bytes()
            mine.unlink()
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):  # type: ignore[misc]
    Channel = Channel


def register() -> str:
    """Make `aftercare-folder://` a broker URL kombu understands; returns the alias."""
    TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
    return ALIAS
