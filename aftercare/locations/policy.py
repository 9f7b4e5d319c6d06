"""A location's side of the pure rules: the clinic details its texts name and the quiet
hours it keeps, laid over the clinic-wide policy."""

from __future__ import annotations

from dataclasses import replace

from aftercare.careplans.schema import QuietHours
from aftercare.db.models import Location
from aftercare.oncall.rota import parse_time
from aftercare.planning import ClinicContext, PlanningPolicy


def clinic_of(location: Location) -> ClinicContext:
    """What the location's texts say about it."""
    return ClinicContext(name=location.name, phone=location.phone,
                         emergency_number=location.emergency_number)


def quiet_hours(location: Location | None, default: QuietHours) -> QuietHours:
    if location is None or not (location.quiet_hours_start and location.quiet_hours_end):
        return default
    return QuietHours(start=parse_time(location.quiet_hours_start),
                      end=parse_time(location.quiet_hours_end))


def planning_policy(base: PlanningPolicy, location: Location | None) -> PlanningPolicy:
    if location is None:
        return base
    return replace(base, clinic=clinic_of(location),
                   quiet_hours=quiet_hours(location, base.quiet_hours))
