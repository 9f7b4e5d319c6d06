"""A day's list of procedures as CSV, exported from a scheduling system: read into the same
requests every other entry point sends, or into problems named by line and column.

Pure: no database, no clock. Tolerant where an export differs harmlessly (header case and
spacing, a byte-order mark, `;` or tab between cells, yes/no/true/false/1/0, blank optional
cells); strict where a guess could text a patient the wrong thing (a date is ISO 8601 only:
03/04/2026 is March to one system and April to another).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from aftercare.procedures.rules import Problem
from aftercare.procedures.schemas import MAX_BATCH, ProcedureIn
from aftercare.timezones import find_zone

REQUIRED = ("first_name", "phone", "sms_consent", "email_consent", "procedure_type",
            "performed_at")
OPTIONAL = ("email", "timezone", "language", "side", "clinician", "visit_id", "patient_id",
            "follow_up_at", "allow_duplicate", "location")
COLUMNS = REQUIRED + OPTIONAL
_SQUEEZED = {name.replace("_", ""): name for name in COLUMNS}
MAX_ROWS = MAX_BATCH  # one transaction, as a batch through the API
MAX_BYTES = 512 * 1024

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
# Where the service names a problem, the column it came from.
_COLUMN_OF = {("external_id",): "visit_id", ("patient", "external_id"): "patient_id",
              ("patient", "timezone"): "timezone"}


@dataclass(frozen=True)
class CellProblem:
    line: int  # as a spreadsheet numbers it: the header is line 1
    column: str  # "" when the problem is the whole file or row
    message: str


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]
    request: ProcedureIn | None  # None: the row has problems


@dataclass
class DayList:
    rows: list[Row] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)

    @property
    def requests(self) -> list[ProcedureIn]:
        return [row.request for row in self.rows if row.request is not None]


def read_day_list(data: bytes, *, clinic_zone: str) -> DayList:
    """Every row as a request, or every problem in the file at once, so it is fixed in one
    go. A time without an offset is the clinic's wall clock (`clinic_zone`), where the
    procedure was done; the patient's own zone (column `timezone`) defaults to it too."""
    result = DayList()
    if len(data) > MAX_BYTES:
        result.problems.append(CellProblem(0, "", f"the file is larger than "
                                           f"{MAX_BYTES // 1024} KB: split the day's list"))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.problems.append(CellProblem(0, "", "the file is not UTF-8 text: export it "
                                           "as CSV UTF-8"))
        return result
    if "\x00" in text:
        result.problems.append(CellProblem(0, "", "the file holds binary data, not CSV"))
        return result
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        result.problems.append(CellProblem(1, "", "the file is empty: the first line names "
                                           "the columns"))
        return result
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = [_column(name) for name in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    for name in missing:
        result.problems.append(CellProblem(1, name, "this column is missing"))
    for name in unknown:
        result.problems.append(CellProblem(1, name, "unknown column; the columns are "
                                           + ", ".join(COLUMNS)))
    for name in repeated:
        result.problems.append(CellProblem(1, name, "this column appears twice"))
    if result.problems:
        return result
    seen_visits: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, often the last
        if len(result.rows) == MAX_ROWS:
            result.problems.append(CellProblem(line, "", f"more than {MAX_ROWS} procedures: "
                                               "split the day's list"))
            break
        if len(cells) > len(header):
            result.problems.append(CellProblem(line, "", f"{len(cells)} cells, but the "
                                               f"header names {len(header)} columns"))
        values = {name: (cells[i].strip() if i < len(cells) else "")
                  for i, name in enumerate(header) if name}
        request, problems = _request(values, line=line, clinic_zone=clinic_zone)
        visit = values.get("visit_id", "")
        if visit and visit in seen_visits:
            problems.append(CellProblem(line, "visit_id", f"the same visit id is on line "
                                        f"{seen_visits[visit]}"))
            request = None
        elif visit:
            seen_visits[visit] = line
        result.problems.extend(problems)
        result.rows.append(Row(line, values, request if not problems else None))
    if not result.rows and not result.problems:
        result.problems.append(CellProblem(2, "", "no procedures below the header"))
    return result


def row_problems(day_list: DayList, problems: dict[int, list[Problem]]) -> list[CellProblem]:
    """The service's problems with requests (by index among the rows' requests) named by
    the line and column they came from."""
    lines = [row.line for row in day_list.rows if row.request is not None]
    return [CellProblem(lines[i], column_of(p.field), _plain(p.message))
            for i, found in sorted(problems.items()) for p in found]


def column_of(field_path: tuple[str | int, ...]) -> str:
    return _COLUMN_OF.get(tuple(str(f) for f in field_path), str(field_path[-1]))


def _request(values: dict[str, str], *, line: int, clinic_zone: str
             ) -> tuple[ProcedureIn | None, list[CellProblem]]:
    problems: list[CellProblem] = []

    def flag(column: str) -> bool | None:
        value = values.get(column, "").lower()
        if value in _YES:
            return True
        if value in _NO or (not value and column == "allow_duplicate"):
            return False
        problems.append(CellProblem(line, column, "answer yes or no" if value
                                    else "ask the patient and enter yes or no"))
        return None

    zone = values.get("timezone") or clinic_zone
    if find_zone(zone) is None:
        problems.append(CellProblem(line, "timezone", f"{zone[:40]!r} is not a time zone; "
                                    "use a name such as America/Chicago"))
        zone = clinic_zone
    sms, email, allow = flag("sms_consent"), flag("email_consent"), flag("allow_duplicate")
    performed_at = _time(values, "performed_at", clinic_zone, line, problems, required=True)
    follow_up_at = _time(values, "follow_up_at", clinic_zone, line, problems, required=False)
    for name in ("first_name", "phone", "procedure_type"):
        if not values.get(name):
            problems.append(CellProblem(line, name, "this cell is empty"))
    if problems:
        return None, problems
    try:
        request = ProcedureIn.model_validate({
            "patient": {"first_name": values["first_name"], "phone": values["phone"],
                        "email": values.get("email") or None, "timezone": zone,
                        "language": values.get("language") or "en", "sms_consent": sms,
                        "email_consent": email,
                        "external_id": values.get("patient_id") or None},
            "procedure_type": values["procedure_type"], "performed_at": performed_at,
            "location": values.get("location", "").lower() or None,
            "side": values.get("side", "").lower() or None,
            "clinician": values.get("clinician") or None,
            "external_id": values.get("visit_id") or None,
            "follow_up_at": follow_up_at, "allow_duplicate": allow})
    except ValidationError as exc:
        for error in exc.errors():
            where = tuple(error["loc"])
            problems.append(CellProblem(line, column_of(where) if where else "",
                                        _plain(error["msg"])))
        return None, problems
    return request, []


def _time(values: dict[str, str], column: str, clinic_zone: str, line: int,
          problems: list[CellProblem], *, required: bool) -> datetime | None:
    value = values.get(column, "")
    if not value:
        if required:
            problems.append(CellProblem(line, column, "this cell is empty"))
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or (at.hour == at.minute == 0 and len(value) <= 10):
        problems.append(CellProblem(line, column, f"{value!r} is not a date and time as "
                                    "YYYY-MM-DD HH:MM (24-hour, optionally with an offset)"))
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(clinic_zone))


def _delimiter(header: str) -> str:
    # The header's own separators decide: a name never holds one of these.
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _column(name: str) -> str:
    # "First Name", "first-name" and "FIRST_NAME" are one column; an unknown name stays
    # as written, to be named in the problem.
    squeezed = "".join(c for c in name.lower() if c.isalnum())
    return _SQUEEZED.get(squeezed, name.strip())


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")
