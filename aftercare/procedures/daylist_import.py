"""Importing a day list (CSV): read it, check every row, then log all of it or none of it
through the logging service, as a batch from the API is. The web upload and
`aftercare procedures import` both call `import_day_list`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.procedures import service
from aftercare.procedures.daylist import CellProblem, DayList, read_day_list, row_problems
from aftercare.procedures.rules import Problem
from aftercare.procedures.service import Logged
from aftercare.queue import TaskQueue


@dataclass
class Imported:
    day_list: DayList
    problems: list[CellProblem] = field(default_factory=list)  # any: nothing was logged
    logged: list[Logged] = field(default_factory=list)  # in the rows' order

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def created(self) -> int:
        return sum(1 for one in self.logged if one.created)


def import_day_list(session: Session, *, data: bytes, plans: dict[str, CarePlan],
                    phone_region: str, clinic_zone: str, queue: TaskQueue, now: datetime,
                    dry_run: bool, by: str, locations: Collection[str | None] | None = None
                    ) -> Imported:
    """The day list checked (`dry_run`) or logged whole; a list with any problem logs
    nothing and names each problem's line and column. A visit id logged before comes back
    unchanged (`created` false): importing the same file twice plans nothing twice.
    `locations`: the location keys the importer may log at (None for the default one);
    None: any."""
    day_list = read_day_list(data, clinic_zone=clinic_zone)
    result = Imported(day_list, problems=list(day_list.problems))
    if result.problems:
        return result
    requests = day_list.requests
    if locations is not None:
        result.problems = row_problems(day_list, {
            i: [Problem(("location",), "you do not work at this location: ask an admin")]
            for i, r in enumerate(requests) if r.location not in locations})
        if result.problems:
            return result
    if dry_run:
        refused = service.refusals(session, requests=requests, plans=plans,
                                   phone_region=phone_region, now=now)
        result.problems = row_problems(day_list, refused)
        return result
    results = service.log_procedures(session, requests=requests, plans=plans,
                                     phone_region=phone_region, queue=queue, now=now,
                                     by=by, all_or_none=True)
    refused = {i: one.problems for i, one in enumerate(results) if not isinstance(one, Logged)
               and one.problems}
    result.problems = row_problems(day_list, refused)
    result.logged = [one for one in results if isinstance(one, Logged)] if not refused else []
    return result
