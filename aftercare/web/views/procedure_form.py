"""The "log a procedure" form: read what staff typed, say exactly what is wrong, and preview
the messages the care plan will send before anything is saved.

The clinic's rules are the procedures service's own (`procedures/rules.py`), mapped onto the
form's fields; the preview is the pure planner (`plan_messages`) run with the same policy the
worker uses, so what staff see is what will be planned (give or take the minutes until they
press Save).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Location
from aftercare.locations.policy import planning_policy as location_policy
from aftercare.planning import PatientContext, PlannedMessage, PlanningPolicy, plan_messages
from aftercare.procedures.rules import Checked, Problem, check
from aftercare.procedures.schemas import PatientIn, ProcedureIn
from aftercare.timezones import find_zone

COMMON_ZONES = (
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix, no DST)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
)
OTHER_ZONE = "other"
LANGUAGES = (("en", "English"), ("es", "Spanish"))
SIDES = (("", "Not recorded"), ("left", "Left"), ("right", "Right"), ("both", "Both"))
FIELDS = ("first_name", "phone", "email", "timezone", "timezone_other", "language",
          "sms_consent", "email_consent", "procedure_type", "location", "date", "time",
          "side", "clinician", "external_id", "follow_up_date", "follow_up_time",
          "allow_duplicate")


@dataclass
class ProcedureForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    request: ProcedureIn | None = None
    checked: Checked | None = None
    preview: list[PlannedMessage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.request is not None

    @property
    def zone(self) -> str:
        return self.request.patient.timezone if self.request else ""


def blank_form(*, clinic_zone: str, now: datetime) -> ProcedureForm:
    local = now.astimezone(ZoneInfo(clinic_zone))
    zone = clinic_zone if clinic_zone in dict(COMMON_ZONES) else OTHER_ZONE
    return ProcedureForm(values={
        **dict.fromkeys(FIELDS, ""), "timezone": zone,
        "timezone_other": "" if zone != OTHER_ZONE else clinic_zone, "language": "en",
        "date": local.date().isoformat(), "time": f"{local:%H}:{local.minute // 5 * 5:02d}",
    })


def check_form(form: Mapping[str, object], *, plans: Mapping[str, CarePlan], phone_region: str,
               policy: PlanningPolicy, now: datetime, locations: Mapping[str, Location]
               ) -> ProcedureForm:
    """`locations`: where this user may log procedures, by key; one is chosen for them."""
    values = {name: _text(form.get(name)) for name in FIELDS}
    result = ProcedureForm(values=values)
    errors = result.errors
    if len(locations) == 1:
        values["location"] = next(iter(locations))
    location = locations.get(values["location"])
    if location is None:
        errors["location"] = ("Choose where the procedure was done." if locations
                              else "You work at no location yet: ask an admin to add you.")
    # What only a form can get wrong: blanks and unanswered questions. The clinic's rules
    # come after, from the service's own check.
    if not values["first_name"]:
        errors["first_name"] = "Enter the patient's first name."
    if not values["phone"]:
        errors["phone"] = "Enter the patient's mobile phone number."
    zone = _zone(values, errors)
    for channel, label in (("sms", "texts (SMS)"), ("email", "email")):
        if values[f"{channel}_consent"] not in ("yes", "no"):
            errors[f"{channel}_consent"] = f"Ask the patient whether they agree to {label}."
    if not values["procedure_type"]:
        errors["procedure_type"] = "Choose the procedure type."
    performed_at = _performed_at(values, zone, errors)
    follow_up_at = _follow_up_at(values, zone, errors)
    if errors or zone is None or performed_at is None:
        return result
    try:
        request = ProcedureIn(
            patient=PatientIn(
                first_name=values["first_name"], phone=values["phone"],
                email=values["email"] or None,
                timezone=zone, language=values["language"] or "en",  # type: ignore[arg-type]
                sms_consent=values["sms_consent"] == "yes",
                email_consent=values["email_consent"] == "yes"),
            procedure_type=values["procedure_type"], performed_at=performed_at,
            location=values["location"],
            side=values["side"] or None,  # type: ignore[arg-type]
            clinician=values["clinician"] or None, external_id=values["external_id"] or None,
            follow_up_at=follow_up_at, allow_duplicate=values["allow_duplicate"] == "yes")
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][-1]) if error["loc"] else "form"
            errors.setdefault(_FIELD_OF.get(name, name), _plain(error["msg"]))
        return result
    checked = check(request, plans=plans, phone_region=phone_region, now=now)
    if not isinstance(checked, Checked):
        add_problems(result, checked)
        return result
    plan = plans[request.procedure_type]
    result.request, result.checked = request, checked
    policy = location_policy(policy, location)
    result.preview = preview(request, plan=plan, policy=policy, now=now)
    last = all_too_late(result.preview, plan=plan, now=now, policy=policy)
    if last is not None:
        errors["date"] = (
            f"Every message of this care plan would be skipped: the last one was due "
            f"{last.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M %Z}, more than "
            f"{_grace(policy)} ago. Check the date; the care plan is over for this procedure.")
    return result


def preview(request: ProcedureIn, *, plan: CarePlan, policy: PlanningPolicy, now: datetime
            ) -> list[PlannedMessage]:
    p = request.patient
    return plan_messages(
        plan=plan, performed_at=request.performed_at,
        patient=PatientContext(first_name=p.first_name, timezone=p.timezone,
                               language=p.language, sms_consent=p.sms_consent,
                               email_consent=p.email_consent, has_email=bool(p.email)),
        policy=policy, now=now, follow_up_at=request.follow_up_at)


def all_too_late(messages: list[PlannedMessage], *, plan: CarePlan, now: datetime,
                 policy: PlanningPolicy) -> datetime | None:
    """When every timed step was due before the grace window: the last one's due time.

    Steps marked `send_when_late` (the welcome guide) would still go, which is exactly the
    mistake to catch: a guide "for today" to someone treated months ago."""
    timed = {s.key for s in plan.steps if not s.send_when_late}
    relevant = [m for m in messages if m.step in timed]
    if relevant and all(m.due_at < now - policy.grace for m in relevant):
        return max(m.due_at for m in relevant)
    return None


_FIELD_OF = {"performed_at": "date", "timezone": "timezone_other",
             "follow_up_at": "follow_up_date"}


def add_problems(form: ProcedureForm, problems: list[Problem]) -> None:
    """The service's problems shown at the form's fields."""
    for problem in problems:
        name = str(problem.field[-1])
        message = _plain(problem.message)
        if name == "allow_duplicate":
            message = (message.split(": if this", 1)[0] + ". If this is another procedure, "
                       "tick \u201cLog it anyway\u201d.")
        form.errors.setdefault(_FIELD_OF.get(name, name), message)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain(message: str) -> str:
    message = message.removeprefix("Value error, ").rstrip(".") + "."
    return message[:1].upper() + message[1:]


def _zone(values: dict[str, str], errors: dict[str, str]) -> str | None:
    zone = values["timezone"]
    if zone == OTHER_ZONE or not zone:
        zone = values["timezone_other"]
        if not zone:
            errors["timezone_other"] = "Type the patient's time zone, e.g. America/Chicago."
            return None
    if find_zone(zone) is None:
        key = "timezone_other" if values["timezone"] in (OTHER_ZONE, "") else "timezone"
        errors[key] = (f"{zone!r} is not a time zone we know. Use a name like "
                       "America/Chicago or Europe/London.")
        return None
    return zone


def _performed_at(values: dict[str, str], zone: str | None, errors: dict[str, str]
                  ) -> datetime | None:
    try:
        day = date.fromisoformat(values["date"])
    except ValueError:
        errors["date"] = "Enter the date of the procedure (YYYY-MM-DD)."
        return None
    try:
        at = time.fromisoformat(values["time"])
    except ValueError:
        errors["time"] = "Enter the time the procedure ended (HH:MM, 24-hour)."
        return None
    if zone is None:
        return None
    return datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=ZoneInfo(zone))


def _follow_up_at(values: dict[str, str], zone: str | None, errors: dict[str, str]
                  ) -> datetime | None:
    """The booked follow-up, or None when none is entered (texts then ask to book one)."""
    if not values["follow_up_date"] and not values["follow_up_time"]:
        return None
    try:
        day = date.fromisoformat(values["follow_up_date"])
    except ValueError:
        errors["follow_up_date"] = ("Enter the date of the booked follow-up (YYYY-MM-DD), "
                                    "or leave both follow-up fields empty.")
        return None
    try:
        at = time.fromisoformat(values["follow_up_time"])
    except ValueError:
        errors["follow_up_time"] = "Enter the time of the booked follow-up (HH:MM, 24-hour)."
        return None
    if zone is None:
        return None
    return datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=ZoneInfo(zone))


def _grace(policy: PlanningPolicy) -> str:
    minutes = int(policy.grace.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


@dataclass(frozen=True)
class Reschedule:
    values: dict[str, str]
    errors: dict[str, str]
    performed_at: datetime | None
    zone: str | None
    follow_up_at: datetime | None  # None: the booked follow-up (if any) stays


def check_reschedule(form: Mapping[str, object]) -> Reschedule:
    """What the reschedule form asks for: a new time, zone or booked follow-up."""
    values = {name: _text(form.get(name)) for name in (
        "date", "time", "timezone", "timezone_other", "follow_up_date", "follow_up_time")}
    errors: dict[str, str] = {}
    zone = _zone(values, errors)
    performed_at = _performed_at(values, zone, errors)
    follow_up_at = _follow_up_at(values, zone, errors)
    return Reschedule(values, errors, performed_at, zone, follow_up_at)


def zone_choice(zone: str) -> dict[str, str]:
    """The select and free-text values that show a zone in the form."""
    if zone in dict(COMMON_ZONES):
        return {"timezone": zone, "timezone_other": ""}
    return {"timezone": OTHER_ZONE, "timezone_other": zone}
