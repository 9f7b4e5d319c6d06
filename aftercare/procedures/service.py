"""Logging, reading, rescheduling and cancelling procedures: the one service every entry
point calls (HTTP API, web form, CLI, imports). The caller owns the transaction; planning
is woken once it has committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from aftercare import audit
from aftercare.careplans.schema import CarePlan
from aftercare.db.models import Procedure
from aftercare.db.session import after_commit
from aftercare.errors import InvalidRequest
from aftercare.outbox import writer
from aftercare.outbox.planned import replan
from aftercare.planning import PlanningPolicy
from aftercare.procedures import store
from aftercare.procedures.queries import get_procedure
from aftercare.procedures.rules import (
    FOLLOW_UP_LIMIT,
    Checked,
    Problem,
    check,
    date_problems,
)
from aftercare.procedures.schemas import ProcedureIn, ProcedurePatch
from aftercare.queue import TaskQueue


@dataclass(frozen=True)
class Logged:
    procedure_id: int
    status: str
    created: bool  # False: this external_id was logged before; nothing changed


@dataclass(frozen=True)
class Refused:
    problems: list[Problem]  # fields within the request


def log_procedures(
    session: Session, *, requests: Sequence[ProcedureIn], plans: dict[str, CarePlan],
    phone_region: str, queue: TaskQueue, now: datetime, by: str | Sequence[str],
    all_or_none: bool = False,
) -> list[Logged | Refused]:
    """Record procedures and their patients; one result per request, in order. `by`: who
    logged them (a user's email, "token:NAME", the operator), one for all or one per
    request; the consent history names them for the consent answers logged.

    A request that breaks a rule is refused with every problem it has; the others are
    logged, unless `all_or_none` (a day list: fixed and sent again whole), when nothing is.
    The same `external_id` again returns the procedure already logged, unchanged: staff
    systems retry, and a retry must not plan a second set of reminders. A patient who comes
    back for another leg or session keeps one record; the latest contact details and
    consent answers win.
    """
    checked, already, places = _checked(session, requests=requests, plans=plans,
                                        phone_region=phone_region, now=now)
    refused = any(not isinstance(c, Checked) for c in checked)
    fine = [(i, c) for i, c in enumerate(checked) if isinstance(c, Checked)]
    who = [by] * len(requests) if isinstance(by, str) else list(by)
    if len(who) != len(requests):
        raise ValueError("`by`: one name, or one per request")
    logged = {} if refused and all_or_none else _store(session, fine, now=now, by=who,
                                                       already=already, places=places)
    if any(one.created for one in logged.values()):
        after_commit(session, queue.wake_planning)
    return [Refused(c) if not isinstance(c, Checked)
            else logged.get(i) or Refused([])  # all_or_none: not logged, though fine itself
            for i, c in enumerate(checked)]


def refusals(session: Session, *, requests: Sequence[ProcedureIn], plans: dict[str, CarePlan],
             phone_region: str, now: datetime) -> dict[int, list[Problem]]:
    """What `log_procedures` would refuse, by the request's index, without logging anything:
    a day list's preview."""
    checked, _, _ = _checked(session, requests=requests, plans=plans,
                             phone_region=phone_region, now=now)
    return {i: c for i, c in enumerate(checked) if not isinstance(c, Checked)}


def _checked(session: Session, *, requests: Sequence[ProcedureIn], plans: dict[str, CarePlan],
             phone_region: str, now: datetime
             ) -> tuple[list[Checked | list[Problem]], dict[str, tuple[int, str]],
                        dict[str | None, int]]:
    checked = [check(r, plans=plans, phone_region=phone_region, now=now) for r in requests]
    places = store.location_ids(session, [r.location for r in requests])
    for i, request in enumerate(requests):
        if request.location not in places:
            problem = Problem(("location",), f"unknown location {request.location!r}; known: "
                              + ", ".join(store.location_keys(session)))
            found = checked[i]
            checked[i] = [*found, problem] if isinstance(found, list) else [problem]
    already = store.already_logged(session, [c.request.external_id or None for c in checked
                                             if isinstance(c, Checked)])
    for i, problem in duplicates(session, checked, already=already).items():
        checked[i] = [problem]
    return checked, already, places


def duplicates(session: Session, checked: Sequence[Checked | list[Problem]], *,
               already: dict[str, tuple[int, str]] | None = None) -> dict[int, Problem]:
    """Requests that would log a second active procedure of the same type for the same
    patient on the same local day, unless they allow it: usually the same visit entered
    twice, which would plan two sets of texts. An `external_id` logged before wins (that
    request is a retry, answered unchanged)."""
    candidates = [(i, c) for i, c in enumerate(checked) if isinstance(c, Checked)]
    if not candidates:
        return {}
    if already is None:
        already = store.already_logged(session, [c.request.external_id or None
                                                 for _, c in candidates])
    candidates = [(i, c) for i, c in candidates
                  if not (c.request.external_id and c.request.external_id in already)]
    if not candidates:
        return {}
    existing = store.active_on_days(
        session, phones=sorted({c.phone for _, c in candidates}),
        procedure_types=sorted({c.request.procedure_type for _, c in candidates}),
        around=[c.request.performed_at for _, c in candidates])
    # (the patient as the store matches one: MRN, else phone and first name; type, time,
    # side, which): a family phone shared by two people is two patients.
    seen: list[tuple[store.PatientKey, str, datetime, str | None, str]] = [
        (person, kind, at, side, f"procedure {id_}")
        for id_, person, kind, at, side in existing]
    found = {}
    for i, c in candidates:
        zone = ZoneInfo(c.request.patient.timezone)
        day = c.request.performed_at.astimezone(zone).date()
        who = store.patient_key(c.request.patient, c.phone)
        same = next((which for person, kind, at, side, which in seen
                     if person == who and kind == c.request.procedure_type
                     and at.astimezone(zone).date() == day
                     and _same_leg(side, c.request.side)), None)
        if same is not None and not c.request.allow_duplicate:
            found[i] = Problem(("allow_duplicate",), (
                f"this patient already has an active {c.request.procedure_type} procedure on "
                f"{day.isoformat()} ({same}): if this is another one, confirm with "
                "allow_duplicate: true"))
        else:
            seen.append((who, c.request.procedure_type, c.request.performed_at,
                         c.request.side, "sent with it just now"))
    return found


def _same_leg(one: str | None, other: str | None) -> bool:
    # The left leg in the morning and the right one after lunch are two procedures; an
    # unrecorded side (or "both") may be either.
    return one is None or other is None or one == other or "both" in (one, other)


def _store(session: Session, checked: list[tuple[int, Checked]], *, now: datetime,
           by: list[str], already: dict[str, tuple[int, str]], places: dict[str | None, int]
           ) -> dict[int, Logged]:
    # A blank external_id is what some systems send for none: not a key two visits share.
    keys = {i: c.request.external_id or None for i, c in checked}
    firsts: dict[str, int] = {}  # the same visit twice in one call: the first one counts
    new = []
    for i, c in checked:
        key = keys[i]
        if key is None or (key not in already and firsts.setdefault(key, i) == i):
            new.append((i, c))
    patient_ids = store.save_patients(
        session, [(c.request.patient, c.phone, by[i]) for i, c in new], now=now)
    rows = [{"external_id": keys[i], "patient_id": patient_id,
             "procedure_type": c.request.procedure_type,
             "performed_at": c.request.performed_at, "follow_up_at": c.request.follow_up_at,
             "side": c.request.side, "clinician": c.request.clinician, "status": "active",
             "location_id": places[c.request.location], "created_at": now}
            for (i, c), patient_id in zip(new, patient_ids, strict=True)]
    ids = store.insert_returning_ids(session, Procedure, rows)
    created = {i: id_ for (i, _), id_ in zip(new, ids, strict=True)}
    results = {}
    for i, _ in checked:
        key = keys[i]
        if i in created:
            results[i] = Logged(created[i], "active", True)
        elif key is not None and key in already:
            results[i] = Logged(*already[key], False)
        else:  # a repeat within this call
            results[i] = Logged(created[firsts[key]], "active", False)  # type: ignore[index]
    return results


def reschedule(
    session: Session, *, procedure_id: int, patch: ProcedurePatch,
    plans: dict[str, CarePlan], policy: PlanningPolicy, now: datetime, actor: str,
) -> Procedure:
    """New time, zone or follow-up date: re-plan every message that has not gone yet.

    A procedure planning had set aside is planned again here, and its reason cleared; a
    change that still cannot be planned is refused and changes nothing. The audit log
    keeps what changed, from what to what."""
    procedure = get_procedure(session, procedure_id)
    before = _when(procedure)
    if procedure.status != "active":
        raise InvalidRequest(("status",), "a cancelled procedure cannot be rescheduled")
    # Checked against what the procedure will be, so a new follow-up alone is compared
    # with the time already stored (which was checked when it was logged).
    problems = list(date_problems(
        performed_at=patch.performed_at or procedure.performed_at,
        follow_up_at=patch.follow_up_at or procedure.follow_up_at, now=now,
        future=FOLLOW_UP_LIMIT))
    if patch.performed_at is None:  # an old procedure's follow-up may still be rebooked
        problems = [p for p in problems if p.field != ("performed_at",)]
    if problems:
        raise InvalidRequest(problems[0].field, problems[0].message)
    try:
        with session.begin_nested():  # rolled back alone when planning refuses the change
            if patch.performed_at is not None:
                procedure.performed_at = patch.performed_at
            if patch.follow_up_at is not None:
                procedure.follow_up_at = patch.follow_up_at
            if patch.timezone is not None:
                procedure.patient.timezone = patch.timezone
            replan(session, procedure_ids=[procedure.id], plans=plans, policy=policy, now=now)
            if procedure.plan_error is not None:
                raise _NotPlannable(procedure.plan_error)
    except _NotPlannable as refused:
        reason = str(refused)
        field = "timezone" if "time zone" in reason else "performed_at"
        raise InvalidRequest((field,), f"cannot be planned: {reason}") from None
    after = _when(procedure)
    audit.record(session, actor=actor, action="reschedule_procedure",
                 subject=f"procedure:{procedure.id}", now=now,
                 detail={name: [before[name], after[name]] for name in before
                         if before[name] != after[name]})
    return procedure


def _when(procedure: Procedure) -> dict[str, str | None]:
    return {"performed_at": procedure.performed_at.isoformat(),
            "follow_up_at": procedure.follow_up_at.isoformat() if procedure.follow_up_at
            else None, "timezone": procedure.patient.timezone}


class _NotPlannable(Exception):
    pass


def cancel(session: Session, *, procedure_id: int, reason: str, actor: str, now: datetime
           ) -> Procedure:
    procedure = get_procedure(session, procedure_id)
    if procedure.status == "cancelled":
        return procedure
    audit.record(session, actor=actor, action="cancel_procedure",
                 subject=f"procedure:{procedure.id}", now=now, detail={"reason": reason})
    procedure.status = "cancelled"
    procedure.cancel_reason = reason
    writer.cancel(session, procedure_id=procedure.id, reason=f"procedure cancelled: {reason}")
    session.flush()
    session.expire(procedure, ["messages"])
    return procedure
