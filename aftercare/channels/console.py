"""The embedded default channel: "sends" by appending a JSON line to the outbox file.

`aftercare outbox` reads that file back, so a clinic can try the service with no provider.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aftercare.channels.base import Lookup, Outgoing, Sent

if TYPE_CHECKING:
    from aftercare.settings import Settings

logger = logging.getLogger(__name__)


class ConsoleChannel:
    name = "console"

    def __init__(self, outbox_path: Path) -> None:
        self.outbox_path = Path(outbox_path)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsoleChannel:
        return cls(settings.outbox_path)

    def send(self, message: Outgoing) -> Sent:
        record = {
            "message_id": message.message_id,
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "sent_at": datetime.now(UTC).isoformat(),
            "provider_id": f"console-{uuid.uuid4().hex}",
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.outbox_path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered append: one write() call per line, so workers in other processes
        # cannot interleave their lines with ours.
        with open(self.outbox_path, "ab", buffering=0) as f:
            f.write(line)
        logger.info(
            "console: %s message %s to %s recorded as %s",
            message.channel,
            message.message_id,
            mask(message.to),
            record["provider_id"],
        )
        return Sent(provider_id=str(record["provider_id"]), provider_status="sent")

    def lookup(self, message: Outgoing) -> Lookup:
        for record in reversed(_records(self.outbox_path)):
            if record.get("message_id") == message.message_id:
                return Lookup(
                    "found", provider_id=record.get("provider_id"), provider_status="sent"
                )
        return Lookup("not_found")


def read_outbox(path: Path, limit: int = 50) -> list[dict[str, Any]]:
    """The last `limit` messages in the outbox, oldest first (like `tail`)."""
    if limit <= 0:
        return []
    return list(deque(_records(path), maxlen=limit))


def mask(to: str) -> str:
    """Enough of a phone number or address to tell messages apart in a log, no more."""
    if "@" in to:
        local, _, domain = to.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return "***" + "".join(c for c in to if c.isdigit())[-4:]


def _records(path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash: skip it rather than hide the rest
        if isinstance(record, dict):
            records.append(record)
    return records
