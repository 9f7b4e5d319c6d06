"""What staff send and get back when they log, read, reschedule or cancel a procedure."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from aftercare.timezones import find_zone


def _known_zone(value: str) -> str:
    if find_zone(value) is None:
        raise ValueError(f"unknown time zone {value[:40]!r}; use an IANA name such as "
                         "America/New_York")
    return value


def _valid_unicode(value: object) -> object:
    # JSON may carry a lone surrogate ("\\ud800"): no database or channel can store or send
    # it, so it is refused here rather than failing deep inside a write.
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text holds a character that is not valid Unicode") from None
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _unicode = field_validator("*")(_valid_unicode)


class PatientIn(_Input):

    first_name: str = Field(min_length=1, max_length=80)
    phone: str = Field(min_length=3, max_length=32, description="any common format; stored E.164")
    email: EmailStr | None = None
    timezone: str = Field(description="IANA time zone of the patient, e.g. America/Chicago")
    language: Literal["en", "es"] = "en"
    sms_consent: bool = Field(description="required: did the patient agree to texts?")
    email_consent: bool = Field(description="required: did the patient agree to email?")
    external_id: str | None = Field(default=None, max_length=64, description="e.g. an MRN")

    _zone = field_validator("timezone")(_known_zone)


class ProcedureIn(_Input):

    patient: PatientIn
    procedure_type: str = Field(description="a care plan key from schedules/")
    location: str | None = Field(
        default=None, max_length=40, description="where it was done: a location's key "
        "(see the Locations page); the default location when left out")
    performed_at: AwareDatetime = Field(description="ISO 8601 with an offset")
    side: Literal["left", "right", "both"] | None = None
    clinician: str | None = Field(default=None, max_length=120)
    follow_up_at: AwareDatetime | None = None
    external_id: str | None = Field(
        default=None, max_length=64, description="idempotency key: the same value returns "
        "the procedure already logged")
    allow_duplicate: bool = Field(
        default=False, description="log it even though this patient already has an active "
        "procedure of this type on the same day")


class ProcedurePatch(_Input):

    performed_at: AwareDatetime | None = None
    timezone: str | None = Field(default=None, description="the patient's new time zone")
    follow_up_at: AwareDatetime | None = None

    _zone = field_validator("timezone")(lambda v: v if v is None else _known_zone(v))


class CancelIn(_Input):

    reason: str = Field(default="cancelled by staff", max_length=200)


class MessageOut(BaseModel):
    id: int
    step: str
    channel: str
    kind: str
    status: str
    due_at: datetime
    local_time: str
    reason: str | None
    attempts: int
    sent_at: datetime | None
    delivered_at: datetime | None
    provider_id: str | None
    provider_status: str | None
    error_code: str | None
    subject: str | None
    body: str


class PatientOut(BaseModel):
    id: int
    first_name: str
    phone: str
    email: str | None
    timezone: str
    language: str
    sms_consent: bool
    email_consent: bool
    sms_opted_out: bool
    external_id: str | None


class ProcedureOut(BaseModel):
    id: int
    external_id: str | None
    procedure_type: str
    location: str  # the location's key
    plan_version: int | None
    status: str
    cancel_reason: str | None
    performed_at: datetime
    follow_up_at: datetime | None
    side: str | None
    clinician: str | None
    planned: bool
    # Why planning set this procedure aside (fix it with a reschedule, or cancel it).
    plan_error: str | None = None
    patient: PatientOut
    messages: list[MessageOut]


class ProcedureCreated(BaseModel):
    id: int
    status: str
    created: bool


# A day's list from a scheduling system; the limit keeps one request's transaction short.
MAX_BATCH = 500


class ProcedureBatchIn(_Input):
    procedures: list[ProcedureIn] = Field(min_length=1, max_length=MAX_BATCH)


class ProcedureBatchOut(BaseModel):
    procedures: list[ProcedureCreated]
