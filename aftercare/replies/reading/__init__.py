"""The reply reader: a pure function from a patient's text to what a nurse would read in it.

    from aftercare.replies.reading import read_reply, CheckInContext
    reading = read_reply("my calf is swollen and hot", language="en")
    reading.triage  # "urgent"
"""

from aftercare.replies.reading.reader import read_reply
from aftercare.replies.reading.types import (
    INTENTS,
    READER_VERSION,
    TRIAGE_LEVELS,
    CheckInContext,
    Intent,
    Reading,
    Severity,
    Side,
    Triage,
)

__all__ = [
    "INTENTS", "READER_VERSION", "TRIAGE_LEVELS", "CheckInContext", "Intent", "Reading",
    "Severity", "Side", "Triage", "read_reply",
]
