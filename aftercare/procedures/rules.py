"""The clinic's rules for a procedure to be logged, checked the same way for every entry
point (API, web form, CLI, imports). Pure: no database, no clock of its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aftercare.careplans.schema import CarePlan
from aftercare.phones import to_e164
from aftercare.procedures.schemas import ProcedureIn

Field = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    field: Field  # where in the request, e.g. ("patient", "phone")
    message: str


@dataclass(frozen=True)
class Checked:
    """A request that keeps the rules, with what checking it worked out."""

    request: ProcedureIn
    phone: str  # E.164


# A clock a few minutes fast (the staff PC, the scheduling system) is not a future procedure.
FUTURE_SLACK = timedelta(minutes=5)
# Dates outside this window are typos or a scheduling system's "no date" (0001-01-01): they
# would plan nothing true, and some are beyond what date arithmetic can hold.
PAST_LIMIT = timedelta(days=365)
FOLLOW_UP_LIMIT = timedelta(days=365)


def _utc(value: datetime) -> datetime:
    """The instant in UTC; at the edges of what a datetime holds (year 1 with a positive
    offset, year 9999 with a negative one) the nearest instant that can be held."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.max if value.year > 1 else datetime.min
        return edge.replace(tzinfo=UTC)


def date_problems(*, performed_at: datetime, follow_up_at: datetime | None, now: datetime,
                  future: timedelta = FUTURE_SLACK) -> Iterator[Problem]:
    """Procedure and follow-up times outside the sane window around `now`. A procedure is
    logged once done (`future`: the clock slack); a reschedule may move it ahead a while."""
    performed = _utc(performed_at)
    if performed < now - PAST_LIMIT:
        yield Problem(("performed_at",), "the procedure time is more than a year ago: "
                      "check the date")
    elif performed > now + future:
        yield Problem(("performed_at",), "the procedure time is in the future: log a "
                      "procedure once it has been done" if future == FUTURE_SLACK else
                      "the procedure time is more than a year ahead: check the date")
    if follow_up_at is None:
        return
    follow_up = _utc(follow_up_at)
    if follow_up > now + FOLLOW_UP_LIMIT:
        yield Problem(("follow_up_at",), "the follow-up is more than a year ahead: check "
                      "the date")
    elif follow_up < now - PAST_LIMIT:
        yield Problem(("follow_up_at",), "the follow-up is more than a year ago: check "
                      "the date")
    elif follow_up < performed:
        yield Problem(("follow_up_at",), "the follow-up is before the procedure: check "
                      "the date")


def check(request: ProcedureIn, *, plans: Mapping[str, CarePlan], phone_region: str,
          now: datetime) -> Checked | list[Problem]:
    """The request, checked; or every rule it breaks, so all are fixed in one go."""
    problems = list(date_problems(performed_at=request.performed_at,
                                  follow_up_at=request.follow_up_at, now=now))
    if request.procedure_type not in plans:
        known = ", ".join(sorted(plans))
        problems.append(Problem(("procedure_type",), f"unknown procedure type "
                                f"{request.procedure_type!r}; known: {known}"))
    phone = ""
    try:
        phone = to_e164(request.patient.phone, default_region=phone_region)
    except ValueError as exc:
        problems.append(Problem(("patient", "phone"), str(exc)))
    if request.patient.email_consent and not request.patient.email:
        problems.append(Problem(("patient", "email"),
                                "the patient agreed to email: enter their email address"))
    return problems if problems else Checked(request, phone)
