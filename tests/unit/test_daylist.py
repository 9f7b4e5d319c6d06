"""Reading a day list (CSV): every row a request, or every problem named by line and column."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from aftercare.procedures.daylist import (
    MAX_BYTES,
    MAX_ROWS,
    CellProblem,
    read_day_list,
    row_problems,
)
from aftercare.procedures.rules import Problem

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "day-list.csv"
HEADER = ("visit_id,first_name,phone,email,timezone,sms_consent,email_consent,procedure_type,"
          "performed_at,side")
ROW = "V1,Ana,212-555-0142,,America/Chicago,yes,no,sclerotherapy,2026-12-03 09:30,left"
ZONE = "America/New_York"


def read(*lines: str) -> list[CellProblem] | list[object]:
    day_list = read_day_list("\n".join(lines).encode(), clinic_zone=ZONE)
    return day_list.problems or day_list.requests


def test_the_sample_file_reads_cleanly() -> None:
    day_list = read_day_list(SAMPLE.read_bytes(), clinic_zone=ZONE)
    assert day_list.problems == []
    assert [r.patient.first_name for r in day_list.requests] == ["Maria", "José", "Linda"]
    maria = day_list.requests[0]
    assert maria.external_id == "V-20261203-01" and maria.patient.external_id == "MRN-1001"
    assert maria.follow_up_at is not None and maria.side == "left"


def test_a_row_becomes_the_request_every_entry_point_sends() -> None:
    [request] = read(HEADER, ROW)
    assert request.patient.timezone == "America/Chicago"  # type: ignore[attr-defined]
    assert request.patient.sms_consent is True  # type: ignore[attr-defined]
    assert request.patient.email_consent is False  # type: ignore[attr-defined]
    # A time without an offset is the clinic's wall clock: 09:30 in New York is 14:30 UTC.
    assert request.performed_at.astimezone(UTC) == datetime(  # type: ignore[attr-defined]
        2026, 12, 3, 14, 30, tzinfo=UTC)


def test_what_an_export_changes_harmlessly_is_read() -> None:
    header = "\ufeffVisit ID;First Name;PHONE;Email;Time-zone;SMS consent;Email consent;" \
             "Procedure type;Performed at;Side"
    row = "V1;Ana;212-555-0142;;;Y;false;sclerotherapy;2026-12-03T09:30-05:00;LEFT"
    [request] = read(header, row, "", ";;;")
    assert request.patient.timezone == ZONE  # type: ignore[attr-defined]
    assert request.side == "left"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cell", "column", "words"), [
    ("V1,Ana,212-555-0142,,America/Chicago,yes,no,sclerotherapy,03/12/2026 09:30,left",
     "performed_at", "YYYY-MM-DD HH:MM"),
    ("V1,Ana,212-555-0142,,America/Chicago,yes,no,sclerotherapy,2026-12-03,left",
     "performed_at", "YYYY-MM-DD HH:MM"),
    ("V1,Ana,212-555-0142,,Mars/Olympus,yes,no,sclerotherapy,2026-12-03 09:30,left",
     "timezone", "not a time zone"),
    ("V1,Ana,212-555-0142,,America/Chicago,maybe,no,sclerotherapy,2026-12-03 09:30,left",
     "sms_consent", "yes or no"),
    ("V1,Ana,212-555-0142,,America/Chicago,,no,sclerotherapy,2026-12-03 09:30,left",
     "sms_consent", "ask the patient"),
    ("V1,,212-555-0142,,America/Chicago,yes,no,sclerotherapy,2026-12-03 09:30,left",
     "first_name", "empty"),
    ("V1,Ana,212-555-0142,not-an-email,America/Chicago,yes,no,sclerotherapy,"
     "2026-12-03 09:30,left", "email", "email"),
    ("V1,Ana,212-555-0142,,America/Chicago,yes,no,sclerotherapy,2026-12-03 09:30,middle",
     "side", "left"),
])
def test_a_bad_cell_is_named_by_line_and_column(cell: str, column: str, words: str) -> None:
    problems = read(HEADER, ROW, cell.replace("V1,", "V2,", 1))
    assert len(problems) == 1
    [problem] = problems
    assert isinstance(problem, CellProblem)
    assert (problem.line, problem.column) == (3, column)
    assert words in problem.message


def test_every_problem_is_reported_at_once() -> None:
    problems = read(HEADER, ROW.replace("yes", "perhaps").replace("2026-12-03 09:30", "today"))
    assert {(p.line, p.column) for p in problems} == {  # type: ignore[union-attr]
        (2, "sms_consent"), (2, "performed_at")}


def test_a_file_missing_a_column_or_naming_an_unknown_one_is_refused_at_its_header() -> None:
    problems = read(HEADER.replace(",phone", ",mobile"), ROW)
    assert {(p.line, p.column) for p in problems} == {  # type: ignore[union-attr]
        (1, "phone"), (1, "mobile")}


def test_the_same_visit_twice_in_one_list_is_a_problem() -> None:
    [problem] = read(HEADER, ROW, ROW)
    assert (problem.line, problem.column) == (3, "visit_id")  # type: ignore[union-attr]
    assert "line 2" in problem.message  # type: ignore[union-attr]


def test_lists_too_long_or_too_large_or_not_text_are_refused_whole() -> None:
    rows = [ROW.replace("V1", f"V{i}") for i in range(MAX_ROWS + 1)]
    [problem] = read(HEADER, *rows)
    assert f"more than {MAX_ROWS}" in problem.message  # type: ignore[union-attr]
    big = read_day_list(b"x" * (MAX_BYTES + 1), clinic_zone=ZONE)
    assert big.problems and "larger than" in big.problems[0].message
    for data in (b"\xff\xfe\x00\x01", b"visit_id\x00,phone\n"):
        assert read_day_list(data, clinic_zone=ZONE).problems
    assert read_day_list(b"", clinic_zone=ZONE).problems[0].message.startswith("the file is")
    assert "no procedures" in read_day_list(HEADER.encode(), clinic_zone=ZONE
                                            ).problems[0].message


def test_the_services_problems_are_named_by_the_row_they_came_from() -> None:
    day_list = read_day_list("\n".join([HEADER, ROW, ROW.replace("V1", "V2")]).encode(),
                             clinic_zone=ZONE)
    found = row_problems(day_list, {1: [Problem(("patient", "phone"), "not a phone number"),
                                        Problem(("external_id",), "taken")]})
    assert found == [CellProblem(3, "phone", "not a phone number"),
                     CellProblem(3, "visit_id", "taken")]
