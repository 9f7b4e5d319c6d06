"""The care plan format: what one file in `schedules/` holds (see schedules/README.md).

A care plan is data: steps relative to the procedure time, each with an offset, an optional
local time of day, a channel, a kind and texts per language. Loading (`loader.py`) turns a
YAML file into these models and adds the checks that need the whole plan (SMS length,
privacy words, choices only on check-ins).
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
Channel = Literal["sms", "email"]
StepChannel = Literal["sms", "email", "both"]
StepKind = Literal["walking", "compression", "activity", "check_in", "follow_up", "guidance"]
Severity = Literal["mild", "moderate", "severe"]
# How a patient wears their compression stockings, as a stocking check-in asks.
Stockings = Literal["day_and_night", "daytime", "not_worn"]
STOCKINGS: tuple[str, ...] = ("day_and_night", "daytime", "not_worn")

# How late a step's message may still go, by kind, when the step gives no `expires_after`:
# a nudge to walk or to wear the stocking is about that moment; a check-in still helps the
# same day; a prompt to book or attend a follow-up, for days. A guide never expires.
EXPIRES_AFTER: dict[str, timedelta | None] = {
    "walking": timedelta(hours=3),
    "compression": timedelta(hours=6),
    "activity": timedelta(hours=12),
    "check_in": timedelta(hours=24),
    "follow_up": timedelta(days=3),
    "guidance": None,
}

# The symptom codes of the reply reader (shared/eval/REPLIES.md).
SYMPTOM_CODES = frozenset(
    {
        "bruising", "swelling", "pain", "redness", "itching", "warmth", "lump",
        "discoloration", "matting", "skin_wound", "bleeding", "allergic_reaction",
        "breathing_difficulty", "chest_pain", "coughing_blood", "vision_change",
        "neuro_deficit", "headache", "fever", "numbness",
    }
)

PLACEHOLDERS = frozenset({"first_name", "clinic_name", "clinic_phone", "follow_up_date",
                          "emergency_number"})


def _local_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 18:00 as the base-60 integer 1080, and pydantic reads a
    # number as seconds in UTC: `at: 18:00` would silently become 00:18 UTC. Only "HH:MM"
    # text (or a time) is a local time of day; an offset would make it not local.
    if isinstance(value, time):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day; write it as \"HH:MM\"") from None
    else:
        raise ValueError(f"{value!r} is not a time of day; write it as \"HH:MM\"")
    if parsed.tzinfo is not None:
        raise ValueError("a time of day here is local to the patient; give no UTC offset")
    return parsed


# A local time of day written "HH:MM" (see _local_time); still a plain `time` to callers.
LocalTime = Annotated[time, BeforeValidator(_local_time)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Offset(_Strict):
    """Exactly one unit: `{hours: 2}`, `{days: 3}`. Negative offsets are not allowed."""

    minutes: int | None = Field(default=None, ge=0)
    hours: int | None = Field(default=None, ge=0)
    days: int | None = Field(default=None, ge=0)
    weeks: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Offset:
        given = [n for n in ("minutes", "hours", "days", "weeks") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of minutes, hours, days, weeks")
        return self

    @property
    def calendar_days(self) -> int | None:
        """Days and weeks count calendar days in the patient's zone (DST-safe)."""
        if self.days is not None:
            return self.days
        if self.weeks is not None:
            return self.weeks * 7
        return None

    @property
    def duration(self) -> timedelta:
        """Minutes and hours are elapsed time; days and weeks as a plain duration."""
        return timedelta(
            minutes=self.minutes or 0, hours=self.hours or 0,
            days=self.days or 0, weeks=self.weeks or 0,
        )


class Texts(_Strict):
    """One text per language; every supported language is required."""

    en: str = Field(min_length=1)
    es: str = Field(min_length=1)

    def get(self, language: Language) -> str:
        return self.en if language == "en" else self.es


class ChoiceMeaning(_Strict):
    """What a numbered answer to a check-in means, read through the care plan."""

    all_clear: bool = False
    call_me: bool = False
    symptoms: tuple[str, ...] = ()
    severity: Severity | None = None
    # A stocking check-in's answer: how the patient wears them (reported as adherence).
    stockings: Stockings | None = None

    @field_validator("symptoms")
    @classmethod
    def _known_symptoms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - SYMPTOM_CODES)
        if unknown:
            raise ValueError(f"unknown symptom code(s) {unknown}; known: {sorted(SYMPTOM_CODES)}")
        return value

    @model_validator(mode="after")
    def _says_something(self) -> ChoiceMeaning:
        if not (self.all_clear or self.call_me or self.symptoms or self.stockings):
            raise ValueError("a choice means all_clear, call_me, some symptoms or how the "
                             "stockings are worn (stockings)")
        if self.all_clear and (self.symptoms or self.call_me):
            raise ValueError("all_clear cannot also report symptoms or ask for a call")
        return self


class Choice(_Strict):
    label: Texts
    means: ChoiceMeaning


class EmailContent(_Strict):
    subject: Texts
    body: Texts


class QuietHours(_Strict):
    start: LocalTime
    end: LocalTime

    def contains(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # wraps midnight, e.g. 21:00-08:00


class Fallback(_Strict):
    """What a step sends instead when a value it names is missing: other texts (no date, no
    email), or nothing (`skip: true`)."""

    skip: bool = False
    text: Texts | None = None
    email: EmailContent | None = None

    @model_validator(mode="after")
    def _skip_or_texts(self) -> Fallback:
        if self.skip and (self.text is not None or self.email is not None):
            raise ValueError("give skip: true or other texts, not both")
        if not self.skip and self.text is None and self.email is None:
            raise ValueError("give skip: true, or text and/or email to send instead")
        return self


class Step(_Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    offset: Offset
    at: LocalTime | None = None  # local time of day in the patient's zone
    channel: StepChannel
    kind: StepKind
    text: Texts  # the SMS text; the loader requires an `email` block for email steps
    email: EmailContent | None = None
    choices: dict[int, Choice] | None = None
    # What a bare YES / NO means for a yes-or-no check-in (e.g. the one-leg screen). Not
    # `yes:`/`no:`: YAML 1.1 reads those keys as booleans.
    on_yes: ChoiceMeaning | None = None
    on_no: ChoiceMeaning | None = None
    # Still worth sending when the procedure is logged after the step fell due (the guide).
    send_when_late: bool = False
    # A reply to this step read as a symptom but not urgent gets a short "a nurse will look
    # at this today" text. Absent: on for check-ins, off for the rest.
    acknowledge: bool | None = None

    @property
    def acknowledges(self) -> bool:
        return self.kind == "check_in" if self.acknowledge is None else self.acknowledge
    # How long after its due time the message still makes sense; later (an outage, retries)
    # it is skipped at send time. Absent: the default for its kind (EXPIRES_AFTER).
    expires_after: Offset | None = None

    @property
    def expiry(self) -> timedelta | None:
        """How long the message stays worth sending; None: it never expires."""
        if self.expires_after is not None:
            return self.expires_after.duration
        return EXPIRES_AFTER[self.kind]

    # When no follow-up was booked, a step whose texts name {follow_up_date} sends these
    # instead (or is skipped): patients are never told a date nobody booked.
    without_follow_up: Fallback | None = None
    # When no email will go to this patient (no consent or no address), an SMS that speaks
    # of an email sends this text instead.
    without_email: Fallback | None = None

    @property
    def channels(self) -> tuple[Channel, ...]:
        return ("sms", "email") if self.channel == "both" else (self.channel,)

    # Field validators (not one model validator) so an error names the field it is about.
    @field_validator("at")
    @classmethod
    def _at_needs_calendar_days(cls, value: time | None, info: ValidationInfo) -> time | None:
        offset = info.data.get("offset")
        if value is not None and offset is not None and offset.calendar_days is None:
            raise ValueError("`at` needs an offset in days or weeks (minutes and hours are "
                             "elapsed time from the procedure)")
        return value

    @field_validator("choices")
    @classmethod
    def _choices_only_on_check_ins(
        cls, value: dict[int, Choice] | None, info: ValidationInfo
    ) -> dict[int, Choice] | None:
        if value is None:
            return value
        kind = info.data.get("kind")
        if kind is not None and kind != "check_in":
            raise ValueError(f"choices are only for check_in steps, not {kind}")
        if not value:
            raise ValueError("give at least one choice, or leave choices out")
        if any(n < 0 or n > 9 for n in value):
            raise ValueError("choice numbers run from 0 to 9")
        return value


class CarePlan(_Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    version: int = Field(ge=1)
    description: str = ""
    # When the review usually is, for the clinic's reference; never sent as a date (only a
    # follow-up booked for the procedure is).
    follow_up_after: Offset
    quiet_hours: QuietHours | None = None  # overrides the clinic default
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_step_keys(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        seen: set[str] = set()
        for step in steps:
            if step.key in seen:
                # A typed error with the key in ctx, so the loader can name the step.
                raise PydanticCustomError(
                    "duplicate_step_key", "step key '{key}' is used twice", {"key": step.key}
                )
            seen.add(step.key)
        return steps

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)
