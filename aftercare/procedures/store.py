"""Where logged procedures and their patients are stored: a constant number of statements
for one procedure or hundreds (a scheduling system's day list).

Procedures already logged under their `external_id` are found in one SELECT, patients in
another, new patients inserted and returning ones updated in one statement each, and the
procedures inserted in one (on SQLite, the embedded default, a row at a time: SQLAlchemy
cannot return SQLite's new ids in order otherwise). Plain SQL expressions built once: at a
few hundred requests a second the ORM's unit of work cost more CPU than the database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from aftercare.db.models import ConsentEvent, Location, Patient, Procedure
from aftercare.locations.store import default_location
from aftercare.procedures.schemas import PatientIn


def already_logged(session: Session, keys: list[str | None]) -> dict[str, tuple[int, str]]:
    wanted = list({key for key in keys if key})
    if not wanted:
        return {}
    found = session.connection().execute(_statements().already_logged, {"keys": wanted})
    return {key: (procedure_id, status) for key, procedure_id, status in found if key}


def location_ids(session: Session, keys: list[str | None]) -> dict[str | None, int]:
    """The ids of the named locations that take procedures (archived ones do not), and
    None's: the default location."""
    wanted = sorted({key.strip().lower() for key in keys if key})
    found: dict[str | None, int] = {None: default_location(session).id}
    if wanted:
        rows = session.execute(select(Location.key, Location.id).where(
            Location.key.in_(wanted), Location.archived_at.is_(None)))
        found.update({key: id_ for key, id_ in rows})
    # As asked, so the caller's lookups by its own spelling work.
    found.update({key: found[key.strip().lower()] for key in keys
                  if key and key.strip().lower() in found})
    return found


def location_keys(session: Session) -> list[str]:
    return list(session.scalars(select(Location.key).where(Location.archived_at.is_(None))
                                .order_by(Location.id)))


PatientKey = tuple[str, ...]


def active_on_days(session: Session, *, phones: list[str], procedure_types: list[str],
                   around: list[datetime]
                   ) -> list[tuple[int, PatientKey, str, datetime, str | None]]:
    """(id, patient key, type, performed_at, side) of active procedures of these phones and
    types within a day either side of the given times (the caller compares local days)."""
    utc = [a.astimezone(UTC) for a in around]
    rows = session.execute(
        select(Procedure.id, Patient.phone, Procedure.procedure_type, Procedure.performed_at,
               Procedure.side, Patient.first_name, Patient.external_id)
        .join(Patient, Procedure.patient_id == Patient.id)
        .where(Patient.phone.in_(phones), Procedure.procedure_type.in_(procedure_types),
               Procedure.status == "active",
               Procedure.performed_at >= min(utc) - timedelta(days=1),
               Procedure.performed_at <= max(utc) + timedelta(days=1)))
    return [(id_, ("mrn", mrn) if mrn else ("phone", phone, name), kind,
             at if at.tzinfo else at.replace(tzinfo=UTC), side)
            for id_, phone, kind, at, side, name, mrn in rows]


# What a returning patient's record takes from the latest visit (the MRN never changes).
_PATIENT_FIELDS = ("first_name", "phone", "email", "timezone", "language", "sms_consent",
                   "email_consent")


def patient_key(data: PatientIn, phone: str) -> PatientKey:
    """The clinic's own id when given, else phone and first name: a shared family phone
    stays separate people."""
    return ("mrn", data.external_id) if data.external_id else ("phone", phone, data.first_name)


def save_patients(session: Session, patients: list[tuple[PatientIn, str, str]], *,
                  now: datetime) -> list[int]:
    """Each patient's id, inserting or updating their record; `(data, phone, by)` with `by`
    who logged it. The last mention wins. The consent answers of a new patient, and any an
    intake changes, are kept in the consent history (method "intake", by whom)."""
    if not patients:
        return []
    latest: dict[PatientKey, dict[str, Any]] = {}
    logged_by: dict[PatientKey, str] = {}
    for data, phone, by in patients:
        key = patient_key(data, phone)
        latest[key] = {
            "external_id": data.external_id or None,  # blank: no MRN (see patient_key)
            "first_name": data.first_name, "phone": phone,
            "email": str(data.email) if data.email else None, "timezone": data.timezone,
            "language": data.language, "sms_consent": data.sms_consent,
            "email_consent": data.email_consent}
        logged_by[key] = by
    found = _find_patients(session, list(latest))
    ids = {key: patient_id for key, (patient_id, _) in found.items()}
    updates = [{"pid": ids[key], **{c: row[c] for c in _PATIENT_FIELDS}}
               for key, row in latest.items() if key in ids]
    if updates:
        session.connection().execute(_statements().update_patient, updates)
    fresh = [key for key in latest if key not in ids]
    rows = [{**latest[key], "sms_opted_out_at": None, "created_at": now} for key in fresh]
    ids.update(zip(fresh, insert_returning_ids(session, Patient, rows), strict=True))
    consent = [
        {"patient_id": ids[key], "channel": channel, "granted": latest[key][column],
         "method": "intake", "actor": logged_by[key][:120], "at": now, "note": None}
        for key in latest for channel, column in _CONSENT
        if key not in found or found[key][1][channel] != latest[key][column]]
    if consent:
        session.connection().execute(_statements().insert_consent, consent)
    return [ids[patient_key(data, phone)] for data, phone, _ in patients]


_CONSENT = (("sms", "sms_consent"), ("email", "email_consent"))


def _find_patients(session: Session, keys: list[PatientKey]
                   ) -> dict[PatientKey, tuple[int, dict[str, bool]]]:
    """Each known patient's id and consent answers now, by channel."""
    mrns = [key[1] for key in keys if key[0] == "mrn"]
    phones = [key[1] for key in keys if key[0] == "phone"]
    found: dict[PatientKey, tuple[int, dict[str, bool]]] = {}
    rows = session.connection().execute(_statements().find_patients,
                                        {"mrns": mrns, "phones": phones})
    for patient_id, external_id, phone, first_name, sms, email in rows:
        key = ("mrn", external_id) if external_id else ("phone", phone, first_name)
        # Several matches: the oldest record.
        found.setdefault(key, (patient_id, {"sms": sms, "email": email}))
    return found


def insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]
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
    insert_consent: Any


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
                             patients.c.first_name, patients.c.sms_consent,
                             patients.c.email_consent)
        .where(or_(patients.c.external_id.in_(bindparam("mrns", expanding=True)),
                   and_(patients.c.external_id.is_(None),
                        patients.c.phone.in_(bindparam("phones", expanding=True)))))
        .order_by(patients.c.id),
        update_patient=update(patients).where(patients.c.id == bindparam("pid"))
        .values({c: bindparam(c) for c in _PATIENT_FIELDS}),
        insert_patients=insert(patients).returning(patients.c.id, sort_by_parameter_order=True),
        insert_consent=insert(ConsentEvent),
        insert_procedures=insert(procedures).returning(procedures.c.id,
                                                       sort_by_parameter_order=True),
    )
