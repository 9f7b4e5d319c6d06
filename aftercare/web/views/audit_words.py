"""The audit log in words: who did what to which patient, with what changed.

Events keep record references ("procedure:12"); the page names the patient behind each one
(admins only see this page) and spells out reschedules and cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import AuditEvent, Patient, Procedure, Reply

VERBS = {
    "view_procedure": "viewed", "view_patient": "viewed", "view_reply": "read",
    "view_photo": "looked at a photo in", "list_procedures": "listed procedures",
    "list_replies": "listed replies", "log_procedure": "logged",
    "fhir_log_procedure": "logged (FHIR)", "fhir_everything": "read the FHIR record of",
    "reschedule_procedure": "rescheduled", "cancel_procedure": "cancelled",
    "correct_patient": "corrected the record of", "export_patient": "exported everything about",
    "erase_patient": "erased", "review_reply": "reviewed", "sms_opt_out": "stopped texts after",
    "sms_opt_in": "restarted texts after", "simulate_reply": "texted as",
    "import_day_list": "imported a day list", "login": "signed in",
    "login_failed": "could not sign in", "logout": "signed out", "create_user": "added user",
    "create_token": "created API token", "revoke_token": "revoked API token",
    "unlock_user": "unlocked", "sign_out_everywhere": "signed out everywhere",
    "change_password": "changed the password of",
    "add_location": "added", "change_location": "changed",
    "set_user_locations": "set the locations of", "add_oncall_shift": "added an on-call shift",
    "remove_oncall_shift": "removed an on-call shift", "purge_expired": "purged old words",
    "enable_two_factor": "turned on two-step sign-in for",
    "reset_two_factor": "reset two-step sign-in of",
    "password_reset_link": "made a password reset link for",
    "reset_password": "set a new password (reset link) for",
    "text_patient": "texted the patient of", "text_number": "texted the number that sent",
    "attach_reply": "attached to a patient", "add_canned_reply": "added a canned reply",
    "archive_canned_reply": "removed a canned reply",
}
_FIELDS = {"performed_at": "performed", "follow_up_at": "follow-up", "timezone": "time zone"}


@dataclass(frozen=True)
class Line:
    event: AuditEvent
    text: str  # "rescheduled Maria's procedure 12"
    changes: list[str]  # "performed: 2 Mar 09:00 → 3 Mar 10:00"
    link: str | None  # the record's page


def in_words(session: Session, events: Sequence[AuditEvent], zone: str) -> list[Line]:
    names = _names(session, events)
    return [_line(e, names, zone) for e in events]


def patient_subjects(session: Session, patient_id: int) -> list[str]:
    """Every record reference that is about this patient."""
    procedures = session.scalars(select(Procedure.id).where(Procedure.patient_id == patient_id))
    replies = session.scalars(select(Reply.id).where(Reply.patient_id == patient_id))
    return ([f"patient:{patient_id}"] + [f"procedure:{i}" for i in procedures]
            + [f"reply:{i}" for i in replies])


def _line(event: AuditEvent, names: dict[str, str], zone: str) -> Line:
    kind, _, ident = event.subject.partition(":")
    who = names.get(event.subject)
    thing = {"procedure": f"procedure {ident}", "reply": f"reply {ident}",
             "patient": f"patient {ident}"}.get(kind)
    if thing is not None and who:
        thing = f"{who}'s {thing}" if kind != "patient" else f"{who} (patient {ident})"
    verb = VERBS.get(event.action, event.action.replace("_", " "))
    if thing is not None:
        text = f"{verb} {thing}"
    elif event.action in ("login", "logout", "login_failed") or not ident:
        text = verb  # the subject says nothing more ("login", "procedures")
    else:
        text = f"{verb} {kind} {ident}"
    link = {"procedure": f"/procedures/{ident}", "reply": f"/review/{ident}",
            "patient": f"/patients/{ident}"}.get(kind)
    return Line(event, text, _changes(event, zone), link)


def _changes(event: AuditEvent, zone: str) -> list[str]:
    detail = event.detail or {}
    out = []
    for key, value in sorted(detail.items()):
        if isinstance(value, list) and len(value) == 2 and key in _FIELDS:
            out.append(f"{_FIELDS[key]}: {_when(value[0], zone)} → {_when(value[1], zone)}")
        elif key in ("procedures", "replies") and isinstance(value, list):
            out.append(f"{len(value)} {key}: {', '.join(str(v) for v in value[:20])}"
                       + (" …" if len(value) > 20 else ""))
        else:
            out.append(f"{key.replace('_', ' ')}: {value}")
    return out


def _when(value: object, zone: str) -> str:
    if not isinstance(value, str):
        return "none" if value is None else str(value)
    try:
        from aftercare.web.render import local_time

        return local_time(datetime.fromisoformat(value), zone, year=True)
    except ValueError:
        return value  # a time zone's name


def _names(session: Session, events: Sequence[AuditEvent]) -> dict[str, str]:
    """The patient's first name behind each record reference (erased patients are
    "an erased patient")."""
    ids: dict[str, set[int]] = {"procedure": set(), "reply": set(), "patient": set()}
    for e in events:
        kind, _, ident = e.subject.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    found: dict[str, str] = {}

    def named(first_name: str | None, erased: datetime | None) -> str:
        return "an erased patient" if erased is not None else (first_name or "someone")

    if ids["patient"]:
        for pid, name, erased in session.execute(select(
                Patient.id, Patient.first_name, Patient.erased_at).where(
                Patient.id.in_(ids["patient"]))):
            found[f"patient:{pid}"] = named(name, erased)
    if ids["procedure"]:
        for pid, name, erased in session.execute(select(
                Procedure.id, Patient.first_name, Patient.erased_at)
                .join(Patient, Patient.id == Procedure.patient_id)
                .where(Procedure.id.in_(ids["procedure"]))):
            found[f"procedure:{pid}"] = named(name, erased)
    if ids["reply"]:
        for rid, name, erased in session.execute(select(
                Reply.id, Patient.first_name, Patient.erased_at)
                .join(Patient, Patient.id == Reply.patient_id)
                .where(Reply.id.in_(ids["reply"]))):
            found[f"reply:{rid}"] = named(name, erased)
    return found
