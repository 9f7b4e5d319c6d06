"""A day list's preview: each row as staff will recognise it, its problems, and the messages
its care plan will send (the pure planner, as the log-a-procedure preview uses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aftercare.careplans.schema import CarePlan
from aftercare.planning import PlannedMessage, PlanningPolicy
from aftercare.procedures.daylist import CellProblem, Row
from aftercare.procedures.daylist_import import Imported
from aftercare.web.views.procedure_form import preview


@dataclass
class PreviewRow:
    row: Row
    problems: list[CellProblem] = field(default_factory=list)
    messages: list[PlannedMessage] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return sum(1 for m in self.messages if m.status == "planned")


def preview_rows(imported: Imported, *, plans: dict[str, CarePlan], policy: PlanningPolicy,
                 now: datetime) -> tuple[list[PreviewRow], list[CellProblem]]:
    """The rows with their own problems and planned messages; and the problems of the file
    as a whole (its header, its size), which belong to no row."""
    by_line: dict[int, list[CellProblem]] = {}
    for problem in imported.problems:
        by_line.setdefault(problem.line, []).append(problem)
    rows = []
    for row in imported.day_list.rows:
        plan = plans.get(row.request.procedure_type) if row.request else None
        messages = (preview(row.request, plan=plan, policy=policy, now=now)
                    if row.request is not None and plan is not None else [])
        rows.append(PreviewRow(row, by_line.pop(row.line, []), messages))
    return rows, [p for found in by_line.values() for p in found]
