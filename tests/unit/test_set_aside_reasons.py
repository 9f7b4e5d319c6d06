"""What staff read when a row is set aside: the kind of problem, in words they can act on,
never the patient's data; and a stored date that has no local time still shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aftercare.careplans.loader import load_plans
from aftercare.careplans.render import RenderError
from aftercare.db.models import Patient, Procedure
from aftercare.outbox.planned import why_not_planned
from aftercare.web.render import local_date, local_time
from tests.conftest import REPO_ROOT

PLANS = load_plans(REPO_ROOT / "schedules")


def procedure(*, timezone: str = "America/New_York", language: str = "en",
              procedure_type: str = "sclerotherapy") -> Procedure:
    return Procedure(procedure_type=procedure_type, performed_at=datetime(1, 1, 1, tzinfo=UTC),
                     patient=Patient(first_name="Maria", phone="+12125550100",
                                     timezone=timezone, language=language))


@pytest.mark.parametrize(("case", "exc", "reason"), [
    (procedure(timezone="Mars/Olympus_Mons"), KeyError("Mars/Olympus_Mons"),
     "the patient's time zone is not one this server knows: choose another"),
    (procedure(timezone="../etc/passwd"), ValueError("bad key"),
     "the patient's time zone is not one this server knows: choose another"),
    (procedure(procedure_type="retired"), KeyError("retired"),
     "no care plan for this procedure type in schedules/"),
    (procedure(language="xx"), KeyError("xx"),
     "the patient's language is not one the care plans are written in"),
    (procedure(), RenderError("no value for placeholder(s) follow_up_date"),
     "a message text could not be filled in: no value for placeholder(s) follow_up_date"),
    (procedure(), OverflowError("date value out of range"),
     "a date is out of range (performed or follow-up): correct it"),
    (procedure(), RuntimeError("Maria +12125550100"),
     "planning failed (RuntimeError); see the worker's log"),
])
def test_why_a_procedure_was_not_planned(case: Procedure, exc: Exception, reason: str) -> None:
    assert why_not_planned(case, exc, plans=PLANS) == reason


def test_a_date_without_a_local_time_is_shown_in_utc() -> None:
    year_one = datetime(1, 1, 1, tzinfo=UTC)
    assert local_time(year_one, "America/New_York", year=True) == "Mon 1 Jan 1, 00:00 UTC"
    assert local_date(year_one, "America/New_York") == "Mon 1 Jan 1"
    assert local_time(datetime(2026, 3, 2, 15, tzinfo=UTC), "Mars/Olympus_Mons") == \
        "Mon 2 Mar, 15:00 UTC"
    assert local_time(datetime(2026, 3, 2, 15, tzinfo=UTC), "America/New_York") == \
        "Mon 2 Mar, 10:00 EST"
