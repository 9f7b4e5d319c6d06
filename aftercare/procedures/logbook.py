"""Logging procedures: one or many in one transaction, in a constant number of statements.

The front desk logs one procedure at a time; a scheduling system importing a day's list
logs hundreds. Both take this path: every request is checked first (nothing is written if
any is refused), then procedures already logged under their `external_id` are found in one
SELECT, patients in another, new patients inserted and returning ones updated in one
statement each, and the procedures inserted in one (on SQLite, the embedded default, the
INSERTs go a row at a time: SQLAlchemy cannot return SQLite's new ids in order otherwise).
Plain SQL expressions, not ORM objects: at a few hundred requests a second the ORM's unit of
work cost more CPU than the database.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Patient, Procedure, utcnow
from aftercare.procedures.errors import InvalidRequest
from aftercare.procedures.phones import to_e164
from aftercare.procedures.schemas import PatientIn, ProcedureIn


@dataclass(frozen=True)
class Logged:
    procedure_id: int
    status: str
    created: bool  # False: this external_id was logged before; nothing changed


class InvalidBatch(Exception):
    """Some requests broke the clinic's rules; nothing was written. Fields start with the
    request's index."""

    def __init__(self, problems: list[InvalidRequest]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def log_procedures(session: Session, *, requests: Sequence[ProcedureIn],
                   plans: dict[str, CarePlan], phone_region: str) -> list[Logged]:
    """Record procedures and their patients; one result per request, in order.

    The same `external_id` again returns the procedure already logged, unchanged: staff
    systems retry, and a retry must not plan a second set of reminders. A patient who comes
    back for another leg or session keeps one record (see `_patient_key`); the latest
    consent answers and contact details win.
    """
    phones = _check(requests, plans, phone_region)
    # A blank external_id is what some systems send for none: not a key two visits share.
    keys = [r.external_id or None for r in requests]
    already = _already_logged(session, keys)
    new = [i for i, key in enumerate(keys) if key is None or key not in already]
    # A batch may log the same visit twice: the first one counts.
    firsts: dict[str, int] = {}
    for i in new:
        key = keys[i]
        if key is not None:
            firsts.setdefault(key, i)
    new = [i for i in new if keys[i] is None or firsts[keys[i]] == i]  # type: ignore[index]
    patient_ids = _save_patients(session, [(requests[i].patient, phones[i]) for i in new])
    now = utcnow()
    rows = [{"external_id": keys[i], "patient_id": patient_id,
             "procedure_type": requests[i].procedure_type,
             "performed_at": requests[i].performed_at, "follow_up_at": requests[i].follow_up_at,
             "side": requests[i].side, "clinician": requests[i].clinician, "status": "active",
             "created_at": now} for i, patient_id in zip(new, patient_ids, strict=True)]
    created = dict(zip(new, _insert_returning_ids(session, Procedure, rows), strict=True))
    results = []
    for i, key in enumerate(keys):
        if i in created:
            results.append(Logged(created[i], "active", True))
        elif key is not None and key in already:
            results.append(Logged(*already[key], False))
        else:  # a repeat within this batch
            results.append(Logged(created[firsts[key]], "active", False))  # type: ignore[index]
    return results


def log_each(session: Session, *, requests: Sequence[ProcedureIn],
             plans: dict[str, CarePlan], phone_region: str) -> list[Logged | InvalidBatch]:
    """Independent requests (concurrent single POSTs) logged together: a request that breaks
    a rule is refused alone, with its own problems (fields without the index), and the rest
    are logged as `log_procedures` would log them one after the other."""
    try:
        return list(log_procedures(session, requests=requests, plans=plans,
                                   phone_region=phone_region))
    except InvalidBatch as refused:  # nothing was written: log the others without them
        problems: dict[int, list[InvalidRequest]] = {}
        for p in refused.problems:
            problems.setdefault(int(p.field[0]), []).append(
                InvalidRequest(p.field[1:], p.message))
    rest = [i for i in range(len(requests)) if i not in problems]
    logged = dict(zip(rest, log_procedures(session, requests=[requests[i] for i in rest],
                                           plans=plans, phone_region=phone_region),
                      strict=True))
    return [logged[i] if i in logged else InvalidBatch(problems[i])
            for i in range(len(requests))]


def _check(requests: Sequence[ProcedureIn], plans: dict[str, CarePlan], phone_region: str
           ) -> list[str]:
    """Each request's phone in E.164; every broken rule, with its request's index."""
    phones, problems = [], []
    known = ", ".join(sorted(plans))
    for i, request in enumerate(requests):
        if request.procedure_type not in plans:
            problems.append(InvalidRequest(
                (i, "procedure_type"),
                f"unknown procedure type {request.procedure_type!r}; known: {known}"))
        try:
            phones.append(to_e164(request.patient.phone, default_region=phone_region))
        except ValueError as exc:
            phones.append("")
            problems.append(InvalidRequest((i, "patient", "phone"), str(exc)))
        if request.patient.email_consent and not request.patient.email:
            problems.append(InvalidRequest((i, "patient", "email"),
                                           "email consent given but no email address"))
    if problems:
        raise InvalidBatch(problems)
    return phones


def _already_logged(session: Session, keys: list[str | None]) -> dict[str, tuple[int, str]]:
    wanted = list({key for key in keys if key})
    if not wanted:
        return {}
    found = session.connection().execute(_statements().already_logged, {"keys": wanted})
    return {key: (procedure_id, status) for key, procedure_id, status in found if key}


PatientKey = tuple[str, ...]
# What a returning patient's record takes from the latest visit (the MRN never changes).
_PATIENT_FIELDS = ("first_name", "phone", "email", "timezone", "language", "sms_consent",
                   "email_consent")


def _patient_key(data: PatientIn, phone: str) -> PatientKey:
    """The clinic's own id when given, else phone and first name: a shared family phone
    stays separate people."""
    return ("mrn", data.external_id) if data.external_id else ("phone", phone, data.first_name)


def _save_patients(session: Session, patients: list[tuple[PatientIn, str]]) -> list[int]:
    """Each patient's id, inserting or updating their record. The last mention wins."""
    if not patients:
        return []
    latest: dict[PatientKey, dict[str, Any]] = {}
    for data, phone in patients:
        latest[_patient_key(data, phone)] = {
            "external_id": data.external_id or None,  # blank: no MRN (see _patient_key)
            "first_name": data.first_name, "phone": phone,
            "email": str(data.email) if data.email else None, "timezone": data.timezone,
            "language": data.language, "sms_consent": data.sms_consent,
            "email_consent": data.email_consent}
    ids = _find_patients(session, list(latest))
    updates = [{"pid": ids[key], **{c: row[c] for c in _PATIENT_FIELDS}}
               for key, row in latest.items() if key in ids]
    if updates:
        session.connection().execute(_statements().update_patient, updates)
    fresh = [key for key in latest if key not in ids]
    rows = [{**latest[key], "sms_opted_out_at": None, "created_at": utcnow()} for key in fresh]
    ids.update(zip(fresh, _insert_returning_ids(session, Patient, rows), strict=True))
    return [ids[_patient_key(data, phone)] for data, phone in patients]


def _find_patients(session: Session, keys: list[PatientKey]) -> dict[PatientKey, int]:
    mrns = [key[1] for key in keys if key[0] == "mrn"]
    phones = [key[1] for key in keys if key[0] == "phone"]
    found: dict[PatientKey, int] = {}
    rows = session.connection().execute(_statements().find_patients,
                                        {"mrns": mrns, "phones": phones})
    for patient_id, external_id, phone, first_name in rows:
        key = ("mrn", external_id) if external_id else ("phone", phone, first_name)
        found.setdefault(key, patient_id)  # several matches: the oldest record
    return found


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]
                          ) -> list[int]:
    """Insert the rows in one statement; their new ids, in the rows' order."""
    if not rows:
        return []
    stmt = (_statements().insert_patients if model is Patient
            else _statements().insert_procedures)
    return list(session.connection().execute(stmt, rows).scalars())


@dataclass(frozen=True)
class _Statements:
    already_logged: Any
    find_patients: Any
    update_patient: Any
    insert_patients: Any
    insert_procedures: Any


@functools.cache
def _statements() -> _Statements:
    """Built once, values bound at execute: building a statement per request cost more CPU
    than running it."""
    procedures: Any = Procedure.__table__
    patients: Any = Patient.__table__
    return _Statements(
        already_logged=select(procedures.c.external_id, procedures.c.id, procedures.c.status)
        .where(procedures.c.external_id.in_(bindparam("keys", expanding=True))),
        find_patients=select(patients.c.id, patients.c.external_id, patients.c.phone,
                             patients.c.first_name)
        .where(or_(patients.c.external_id.in_(bindparam("mrns", expanding=True)),
                   and_(patients.c.external_id.is_(None),
                        patients.c.phone.in_(bindparam("phones", expanding=True)))))
        .order_by(patients.c.id),
        update_patient=update(patients).where(patients.c.id == bindparam("pid"))
        .values({c: bindparam(c) for c in _PATIENT_FIELDS}),
        insert_patients=insert(patients).returning(patients.c.id, sort_by_parameter_order=True),
        insert_procedures=insert(procedures).returning(procedures.c.id,
                                                       sort_by_parameter_order=True),
    )
