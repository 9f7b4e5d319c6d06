"""The send interface every channel implements, and the errors it may raise.

Dispatch only knows this module: it hands a channel an `Outgoing` (already rendered, with
the outbox row's id) and gets back the provider's id, or an error that says whether trying
again could help. Channels never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: int  # the outbox row; also used for status callbacks and reconciliation
    channel: Literal["sms", "email"]
    to: str  # E.164 phone or email address
    body: str
    subject: str | None = None
    language: str = "en"
    # Set when the row was committed as "sending": reconciliation looks for sends after it.
    claimed_at: datetime | None = None
    # The patient it goes to (None for clinician alerts): an email carries their own
    # unsubscribe link.
    patient_id: int | None = None
    # The location it goes out for: its own SMS sender (a number or Messaging Service SID;
    # empty: the channel's default) and the name and phone an email signs with.
    sender: str = ""
    clinic_name: str = ""
    clinic_phone: str = ""


@dataclass(frozen=True)
class Sent:
    provider_id: str
    provider_status: str = "sent"


class ChannelError(Exception):
    """A send that did not happen. `permanent` says whether a retry could ever succeed."""

    permanent: bool = False

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientError(ChannelError):
    """Rate limited, provider 5xx, network trouble: retry later with backoff."""

    permanent = False


class UncertainSend(TransientError):
    """The provider may have accepted the message (e.g. it timed out answering): ask it
    (reconciliation) before ever sending again."""


class PermanentError(ChannelError):
    """Invalid number, landline, recipient opted out: retrying would only fail again."""

    permanent = True


class RecipientOptedOut(PermanentError):
    """The provider says the recipient has opted out (Twilio 21610)."""


@dataclass(frozen=True)
class Lookup:
    """What a provider knows about a send that may or may not have happened."""

    # unknown: the provider cannot be asked (SMTP); unavailable: asking failed this time.
    outcome: Literal["found", "not_found", "unknown", "unavailable"]
    provider_id: str | None = None
    provider_status: str | None = None


class SendChannel(Protocol):
    name: str  # "twilio", "smtp", "console"

    def send(self, message: Outgoing) -> Sent:
        """Deliver `message` or raise a ChannelError."""
        ...

    def lookup(self, message: Outgoing) -> Lookup:
        """Was `message` accepted by the provider? Used for rows stuck in "sending"."""
        ...


@dataclass
class RecordingChannel:
    """A fake for tests: records what was sent; can be told to fail."""

    name: str = "fake"
    sent: list[Outgoing] = field(default_factory=list)
    fail_with: list[ChannelError] = field(default_factory=list)

    def send(self, message: Outgoing) -> Sent:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(message)
        return Sent(provider_id=f"fake-{message.message_id}-{len(self.sent)}")

    def lookup(self, message: Outgoing) -> Lookup:
        for i, m in enumerate(self.sent, start=1):
            if m.message_id == message.message_id:
                return Lookup("found", provider_id=f"fake-{m.message_id}-{i}")
        return Lookup("not_found")
