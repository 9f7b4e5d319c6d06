"""Refusals as FHIR answers them: an `OperationOutcome` whose issues name the element
(a FHIRPath expression) and say what is wrong, with a 4xx status."""

from __future__ import annotations

from dataclasses import dataclass

from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from pydantic import ValidationError
from starlette.responses import Response

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Issue:
    expression: str  # e.g. "Procedure.code"
    message: str
    code: str = "invalid"  # the FHIR issue type: invalid, required, code-invalid, ...


class Refused(Exception):
    """A FHIR request refused whole: nothing was stored."""

    def __init__(self, issues: list[Issue], status: int = 422) -> None:
        super().__init__("; ".join(f"{i.expression}: {i.message}" for i in issues))
        self.issues = issues
        self.status = status


def outcome(issues: list[Issue]) -> OperationOutcome:
    return OperationOutcome(issue=[
        OperationOutcomeIssue(severity="error", code=i.code, diagnostics=i.message,
                              expression=[i.expression] if i.expression else None)
        for i in issues])


def fhir_response(resource: object, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    body = resource.model_dump_json(exclude_none=True)  # type: ignore[attr-defined]
    return Response(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def refused_response(refused: Refused) -> Response:
    return fhir_response(outcome(refused.issues), status=refused.status)


def validation_issues(exc: ValidationError, resource: str) -> list[Issue]:
    """fhir.resources' errors as issues at the element that failed."""
    issues = []
    for error in exc.errors()[:20]:
        path = ".".join(str(part) for part in error.get("loc", ()) if not str(part).isdigit()
                        and str(part) != "__root__")
        message = str(error.get("msg", "invalid")).encode("utf-8", "replace").decode()
        issues.append(Issue(f"{resource}.{path}" if path else resource, message, "structure"))
    return issues or [Issue(resource, "not a valid resource", "structure")]
