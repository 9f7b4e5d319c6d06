"""What the reply reader returns, and the check-in context it may read a reply through.

Both are plain frozen dataclasses: the reader is a pure function of (text, language,
check-in), so its input and output are values that tests compare and the service stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aftercare.careplans.schema import ChoiceMeaning

# Bump on any change of reading logic or lexicon: stored readings say which reader made them.
READER_VERSION = "reader-1.3"

Intent = Literal["symptom_report", "all_clear", "question", "opt_out", "opt_in", "help", "other"]
Triage = Literal["none", "routine", "review", "urgent"]
Severity = Literal["mild", "moderate", "severe"]
Side = Literal["left", "right", "one_leg", "both"]

INTENTS: tuple[Intent, ...] = (
    "symptom_report", "all_clear", "question", "opt_out", "opt_in", "help", "other",
)
TRIAGE_LEVELS: tuple[Triage, ...] = ("none", "routine", "review", "urgent")
SEVERITIES: tuple[Severity, ...] = ("mild", "moderate", "severe")


@dataclass(frozen=True)
class CheckInContext:
    """The check-in a reply answers: numbered choices, or the meaning of YES/NO on a screen.

    `choices` maps the number a patient may text back to what it means in the care plan;
    `yes_means`/`no_means` do the same for YES/NO screens (the day-3 one-leg screen's YES
    means one calf is swollen, hot and painful).
    """

    step_key: str
    kind: str = "check_in"
    choices: Mapping[int, ChoiceMeaning] | None = field(default=None, hash=False)
    yes_means: ChoiceMeaning | None = None
    no_means: ChoiceMeaning | None = None


@dataclass(frozen=True)
class Reading:
    """What a careful nurse would read in one reply."""

    intent: Intent
    present: tuple[str, ...]  # symptom codes the patient says they have (or had and report)
    absent: tuple[str, ...]  # symptom codes the patient explicitly says they do not have
    severity: Severity | None
    scale: int | None  # a 0-10 pain score when given
    worsening: bool
    locations: tuple[str, ...]
    side: Side | None
    triage: Triage
    reasons: tuple[str, ...]  # short strings for the clinician, most important first
    language: str
    reader_version: str = READER_VERSION
    # Mentioned, but only as a possibility ("what if it swells") or about someone else.
    hypothetical: tuple[str, ...] = ()
    other_person: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()  # present codes the patient says have stopped
    improving: bool = False
    call_requested: bool = False
    choice: int | None = None  # the numbered choice answered, when read through a check-in
    # Each present symptom's own severity, where the patient stated one for it: the trend
    # draws a symptom at its own level and never lends it another's.
    severities: Mapping[str, Severity] = field(default_factory=dict, hash=False)
    # How the stockings are worn, when the reply answers a stocking check-in's choice.
    stockings: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
            elif isinstance(value, Mapping):
                data[key] = dict(value)
        return data
