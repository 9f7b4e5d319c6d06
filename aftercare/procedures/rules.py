"""The clinic's rules for a procedure to be logged, checked the same way for every entry
point (API, web form, CLI, imports). Pure: no database, no clock of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aftercare.careplans.schema import CarePlan
from aftercare.procedures.phones import to_e164
from aftercare.procedures.schemas import ProcedureIn

Field = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    field: Field  # where in the request, e.g. ("patient", "phone")
    message: str


@dataclass(frozen=True)
class Checked:
    """A request that keeps the rules, with what checking it worked out."""

    request: ProcedureIn
    phone: str  # E.164


def check(request: ProcedureIn, *, plans: Mapping[str, CarePlan], phone_region: str
          ) -> Checked | list[Problem]:
    """The request, checked; or every rule it breaks, so all are fixed in one go."""
    problems = []
    if request.procedure_type not in plans:
        known = ", ".join(sorted(plans))
        problems.append(Problem(("procedure_type",), f"unknown procedure type "
                                f"{request.procedure_type!r}; known: {known}"))
    phone = ""
    try:
        phone = to_e164(request.patient.phone, default_region=phone_region)
    except ValueError as exc:
        problems.append(Problem(("patient", "phone"), str(exc)))
    if request.patient.email_consent and not request.patient.email:
        problems.append(Problem(("patient", "email"),
                                "the patient agreed to email: enter their email address"))
    return problems if problems else Checked(request, phone)
