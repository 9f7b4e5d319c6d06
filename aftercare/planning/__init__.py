"""Planning: which messages a procedure's care plan sends, and when. Pure.

A function of (procedure time, care plan, patient, planning policy, now): no database, no
clock of its own. Every result carries its step and channel, the unique key of an outbox
row, so planning the same procedure twice can never produce a second message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args
from zoneinfo import ZoneInfo

from aftercare.careplans.render import format_follow_up_date, placeholders, render
from aftercare.careplans.schema import (
    CarePlan,
    Channel,
    EmailContent,
    Language,
    QuietHours,
    Step,
    Texts,
)
from aftercare.careplans.sms_rules import to_gsm7
from aftercare.contact_rules import Recipient, Skip, after_quiet_hours, may_send

if TYPE_CHECKING:
    from aftercare.settings import Settings


@dataclass(frozen=True)
class PatientContext:
    first_name: str
    timezone: str
    language: Language
    sms_consent: bool
    email_consent: bool
    has_email: bool = True
    sms_opted_out: bool = False

    @property
    def recipient(self) -> Recipient:
        return Recipient(timezone=self.timezone, sms_consent=self.sms_consent,
                         email_consent=self.email_consent, has_email=self.has_email,
                         sms_opted_out=self.sms_opted_out)


@dataclass(frozen=True)
class ClinicContext:
    name: str
    phone: str
    emergency_number: str


@dataclass(frozen=True)
class PlanningPolicy:
    """The clinic's side of planning: its details for the texts, its quiet hours, and how
    late a step may still go out when a procedure is logged after it fell due."""

    clinic: ClinicContext
    quiet_hours: QuietHours
    grace: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanningPolicy:
        return cls(clinic=ClinicContext(name=settings.clinic_name, phone=settings.clinic_phone,
                                        emergency_number=settings.emergency_number),
                   quiet_hours=QuietHours(start=settings.quiet_hours_start,
                                          end=settings.quiet_hours_end),
                   grace=timedelta(minutes=settings.late_grace_minutes))


@dataclass(frozen=True)
class PlannedMessage:
    step: str
    channel: Channel
    kind: str
    status: Literal["planned", "skipped"]
    due_at: datetime  # UTC; for a skipped message, when it would have been due
    local_due: datetime  # the same instant on the patient's wall clock
    body: str
    subject: str | None
    reason: str | None = None  # why skipped, or why it moved (quiet hours, logged late)
    expires_at: datetime | None = None  # UTC; after it, dispatch skips the message

    @property
    def key(self) -> tuple[str, str]:
        return (self.step, self.channel)


def nominal_due(step: Step, performed_at: datetime, zone: ZoneInfo) -> datetime:
    """When the step falls due, before quiet hours and lateness are considered.

    Minutes and hours are elapsed time. Days and weeks are calendar days on the patient's
    wall clock, so "day 1 at 09:00" is 09:00 local even across a DST switch.
    """
    days = step.offset.calendar_days
    if days is None:
        # Elapsed time: add in UTC (aware arithmetic in a zone would add wall-clock time).
        return performed_at.astimezone(UTC) + step.offset.duration
    local = performed_at.astimezone(zone)
    day = local.date() + timedelta(days=days)
    wall = step.at if step.at is not None else local.time().replace(tzinfo=None)
    # A wall time that does not exist (spring-forward gap) resolves forward via fold=0 rules.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def plan_messages(
    *,
    plan: CarePlan,
    performed_at: datetime,
    patient: PatientContext,
    policy: PlanningPolicy,
    now: datetime,
    follow_up_at: datetime | None = None,
) -> list[PlannedMessage]:
    if performed_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("performed_at and now must be timezone-aware")
    if patient.language not in get_args(Language):
        # Never a text in a language the patient did not choose.
        raise ValueError(f"no care plan text in language {patient.language!r}")
    zone = ZoneInfo(patient.timezone)
    quiet = plan.quiet_hours or policy.quiet_hours
    clinic, grace = policy.clinic, policy.grace
    values = {
        "first_name": patient.first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "emergency_number": clinic.emergency_number,
    }
    # Only a booked follow-up is ever named; without one, steps that name it fall back.
    if follow_up_at is not None:
        values["follow_up_date"] = format_follow_up_date(follow_up_at.astimezone(zone),
                                                         patient.language)
    emailed = patient.email_consent and patient.has_email
    planned: list[PlannedMessage] = []
    for step in plan.steps:
        due, note = _when(step, performed_at, zone, quiet, now, grace)
        for channel in step.channels:
            texts = step_texts(step, channel, booked=follow_up_at is not None, emailed=emailed)
            planned.append(_message(step, texts, channel, due, note, zone, patient, values,
                                    quiet))
    planned.sort(key=lambda m: (m.due_at, m.step, m.channel))
    return planned


def _when(
    step: Step, performed_at: datetime, zone: ZoneInfo, quiet: QuietHours,
    now: datetime, grace: timedelta,
) -> tuple[datetime, str | None]:
    """The due time, and a note when it was moved or is already past."""
    nominal = nominal_due(step, performed_at, zone)
    due = after_quiet_hours(nominal, zone, quiet)
    note = None
    if due != nominal:
        note = f"moved out of quiet hours from {nominal.astimezone(zone):%a %H:%M}"
    if due < now - grace and not step.send_when_late:
        return due, f"already past when logged (due {due.astimezone(zone):%Y-%m-%d %H:%M %Z})"
    if due < now:
        # Logged a little late: still worth sending, now (unless that is the middle of the night).
        due = after_quiet_hours(now, zone, quiet)
        note = "logged late; sent as soon as allowed"
    return due, note


@dataclass(frozen=True)
class StepTexts:
    """The texts one channel of a step sends for this patient, or why it sends none."""

    text: Texts | None
    email: EmailContent | None
    skipped: str | None = None


def step_texts(step: Step, channel: Channel, *, booked: bool, emailed: bool) -> StepTexts:
    """The step's own texts, or its fallback when they name a follow-up nobody booked, or
    (in an SMS) an email this patient will not get."""
    text, email = step.text, step.email
    if not booked and names_follow_up(step, channel):
        fallback = step.without_follow_up
        # No fallback (a plan `schedules check` would refuse): skip rather than invent one.
        if fallback is None or fallback.skip:
            return StepTexts(None, None, "no follow-up booked")
        text = fallback.text or text
        email = fallback.email or email
    if channel == "sms" and not emailed and step.without_email is not None:
        if step.without_email.skip:
            return StepTexts(None, None, "no email goes to this patient")
        text = step.without_email.text or text
    return StepTexts(text, email)


def names_follow_up(step: Step, channel: Channel) -> bool:
    """Whether what this channel of the step sends names the follow-up date."""
    if channel == "email" and step.email is not None:
        parts = [step.email.subject.en, step.email.subject.es, step.email.body.en,
                 step.email.body.es]
    else:
        parts = [step.text.en, step.text.es]
    return any("follow_up_date" in placeholders(p) for p in parts)


def _message(
    step: Step, texts: StepTexts, channel: Channel, due: datetime, note: str | None,
    zone: ZoneInfo, patient: PatientContext, values: dict[str, str], quiet: QuietHours,
) -> PlannedMessage:
    lang = patient.language
    subject: str | None = None
    body = ""
    if texts.skipped is not None:
        pass
    elif channel == "email" and texts.email is not None:
        subject = render(texts.email.subject.get(lang), values)
        body = render(texts.email.body.get(lang), values)
    elif texts.text is not None:
        # A filled-in name like "Ramón" must not turn a one-segment SMS into three.
        body = to_gsm7(render(texts.text.get(lang), values))
    status: Literal["planned", "skipped"] = "planned"
    reason = note
    # The due time is already out of quiet hours: only consent can stop it here.
    decision = may_send(channel=channel, kind=step.kind, recipient=patient.recipient, at=due,
                        quiet_hours=quiet)
    if note and note.startswith("already past"):
        status = "skipped"
    elif texts.skipped is not None:
        status, reason = "skipped", texts.skipped
    elif isinstance(decision, Skip):
        status, reason = "skipped", decision.reason
    return PlannedMessage(
        step=step.key, channel=channel, kind=step.kind, status=status, due_at=due,
        local_due=due.astimezone(zone), body=body, subject=subject, reason=reason,
        expires_at=None if step.expiry is None else due + step.expiry,
    )
