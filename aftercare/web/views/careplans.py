"""The care plans page: each plan's steps as a timeline, with an example procedure's times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aftercare.careplans.schema import CarePlan, Offset, Step
from aftercare.planning import PatientContext, PlanningPolicy, plan_messages


@dataclass(frozen=True)
class StepRow:
    step: Step
    when: str
    at: str
    example: str  # the example procedure's due time, clinic wall clock


@dataclass(frozen=True)
class PlanView:
    plan: CarePlan
    follow_up: str
    steps: tuple[StepRow, ...]


def offset_text(offset: Offset) -> str:
    if offset.minutes is not None:
        return "At the procedure" if offset.minutes == 0 else f"{offset.minutes} min after"
    if offset.hours is not None:
        return f"{offset.hours} h after"
    if offset.days is not None:
        return "Same day" if offset.days == 0 else f"Day {offset.days}"
    weeks = offset.weeks or 0
    return f"Week {weeks} (day {weeks * 7})"


def example_procedure_time(now: datetime, zone: str) -> datetime:
    """Next Monday at 10:00 on the clinic's clock: a typical morning procedure."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7 or 7)
    return datetime.combine(monday, time(10, 0), tzinfo=ZoneInfo(zone))


def plan_views(plans: dict[str, CarePlan], *, policy: PlanningPolicy, zone: str,
               performed_at: datetime) -> list[PlanView]:
    views = []
    for key in sorted(plans):
        plan = plans[key]
        planned = plan_messages(
            plan=plan, performed_at=performed_at,
            patient=PatientContext(first_name="Alex", timezone=zone, language="en",
                                   sms_consent=True, email_consent=True),
            policy=policy, now=performed_at)
        due = {m.step: m.local_due for m in planned}
        rows = tuple(
            StepRow(step=s, when=offset_text(s.offset),
                    at=s.at.strftime("%H:%M") if s.at else "elapsed time",
                    example=f"{due[s.key]:%a %d %b, %H:%M}" if s.key in due else "")
            for s in plan.steps)
        views.append(PlanView(plan=plan, follow_up=offset_text(plan.follow_up_after), steps=rows))
    return views
