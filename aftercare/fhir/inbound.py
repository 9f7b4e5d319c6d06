"""A procedure coming in as FHIR R4, read into the request every other entry point sends.

Pure: the JSON is modelled and validated with fhir.resources, then read element by element;
anything we cannot read safely is an `Issue` naming its element, and nothing is logged.

- `Bundle` (transaction or batch): one `Patient`, one `Procedure` whose `subject` is that
  Patient's `fullUrl`, and optionally an `Appointment` whose `start` is the booked follow-up.
- `Procedure` alone: with the Patient `contained` (subject `#id`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError

from aftercare.fhir import codes
from aftercare.fhir.outcome import Issue, Refused, validation_issues
from aftercare.procedures.rules import Field
from aftercare.procedures.schemas import PatientIn, ProcedureIn

# Where each field of a logging request comes from, to name it when a rule refuses it.
ELEMENT_OF: Mapping[Field, str] = {
    ("procedure_type",): "Procedure.code",
    ("performed_at",): "Procedure.performedDateTime",
    ("follow_up_at",): "Appointment.start",
    ("external_id",): "Procedure.identifier",
    ("side",): "Procedure.bodySite",
    ("clinician",): "Procedure.performer",
    ("allow_duplicate",): "Procedure",
    ("patient", "first_name"): "Patient.name.given",
    ("patient", "phone"): "Patient.telecom",
    ("patient", "email"): "Patient.telecom",
    ("patient", "timezone"): "Patient.extension",
    ("patient", "language"): "Patient.communication",
    ("patient", "sms_consent"): "Patient.extension",
    ("patient", "email_consent"): "Patient.extension",
    ("patient", "external_id"): "Patient.identifier",
}
_SIDE_OF_CODE = {code: side for side, (code, _) in codes.SIDE_SNOMED.items()}
_LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Incoming:
    request: ProcedureIn
    patient_url: str | None  # the Bundle entry's fullUrl, for the response
    answer_type: str = "transaction-response"


def read_bundle(data: Mapping[str, Any], *, clinic_zone: str) -> Incoming:
    bundle = _model(Bundle, data, "Bundle")
    if bundle.type not in ("transaction", "batch"):
        raise Refused([Issue("Bundle.type", f"a {bundle.type} Bundle logs nothing: send a "
                             "transaction (or batch) Bundle", "not-supported")])
    found: dict[str, list[tuple[str | None, Any]]] = {}
    for entry in bundle.entry or []:
        if entry.resource is not None:
            found.setdefault(entry.resource.get_resource_type(), []).append(
                (entry.fullUrl, entry.resource))
    issues = []
    for kind in ("Patient", "Procedure"):
        if len(found.get(kind, [])) != 1:
            issues.append(Issue("Bundle.entry", f"send exactly one {kind} (found "
                                f"{len(found.get(kind, []))})", "required"))
    if len(found.get("Appointment", [])) > 1:
        issues.append(Issue("Bundle.entry", "send at most one Appointment (the booked "
                            "follow-up)"))
    other = sorted(set(found) - {"Patient", "Procedure", "Appointment"})
    if other:
        issues.append(Issue("Bundle.entry", f"not read here: {', '.join(other)}; send "
                            "Patient, Procedure and optionally Appointment", "not-supported"))
    if issues:
        raise Refused(issues)
    [(patient_url, patient)] = found["Patient"]
    [(_, procedure)] = found["Procedure"]
    reference = procedure.subject.reference if procedure.subject else None
    if not reference or reference not in {patient_url, f"Patient/{patient.id}"}:
        raise Refused([Issue("Procedure.subject", "must refer to the Bundle's Patient (its "
                             "fullUrl)", "invalid")])
    appointments = found.get("Appointment", [])
    appointment = appointments[0][1] if appointments else None
    return Incoming(_request(patient, procedure, appointment, clinic_zone=clinic_zone),
                    patient_url, f"{bundle.type}-response")


def read_procedure(data: Mapping[str, Any], *, clinic_zone: str,
                   known_patient: Callable[[Reference], PatientIn | None]) -> Incoming:
    """A Procedure whose Patient is contained (`#id`), or one logged here before, referred
    to by our id (`Patient/12`) or by its identifier (e.g. the MRN): `known_patient` finds
    that one, as we hold it."""
    procedure = _model(Procedure, data, "Procedure")
    subject = procedure.subject
    reference = subject.reference if subject is not None else None
    contained = {f"#{r.id}": r for r in procedure.contained or []
                 if r.get_resource_type() == "Patient"}
    patient = contained.get(reference or "")
    if patient is not None:
        return Incoming(_request(patient, procedure, None, clinic_zone=clinic_zone), None)
    held = known_patient(subject) if subject is not None else None
    if held is None:
        raise Refused([Issue("Procedure.subject", "contain the Patient and refer to it as "
                             "#id, refer to a patient logged here (Patient/{id} or their "
                             "identifier), or send a transaction Bundle to POST /fhir/Bundle",
                             "required")])
    return Incoming(_request(None, procedure, None, clinic_zone=clinic_zone, held=held), None)


def _model(kind: type[Any], data: Mapping[str, Any], name: str) -> Any:
    if not isinstance(data, Mapping) or data.get("resourceType") != name:
        raise Refused([Issue(name, f"the body is not a FHIR {name} resource", "structure")],
                      status=400)
    try:
        return kind.model_validate(dict(data))
    except ValidationError as exc:
        raise Refused(validation_issues(exc, name), status=400) from None


def _request(patient: Patient | None, procedure: Procedure,
             appointment: Appointment | None, *, clinic_zone: str,
             held: PatientIn | None = None) -> ProcedureIn:
    issues: list[Issue] = []
    if procedure.status != "completed":
        issues.append(Issue("Procedure.status", f"status {procedure.status!r}: log a "
                            "procedure once it is completed", "business-rule"))
    plan = _plan(procedure.code, issues)
    performed_at = _performed_at(procedure, issues)
    visit = _identifier(i for i in procedure.identifier or []
                        if i.system not in (codes.PATIENT_ID_SYSTEM, codes.PROCEDURE_ID_SYSTEM))
    if not visit:
        issues.append(Issue("Procedure.identifier", "give the visit's identifier: a retry "
                            "must find the procedure logged before", "required"))
    follow_up = None
    if appointment is not None and appointment.status not in ("cancelled", "noshow",
                                                               "entered-in-error"):
        follow_up = appointment.start
        if follow_up is None:
            issues.append(Issue("Appointment.start", "the booked follow-up needs its start",
                                "required"))
    patient_fields = (held.model_dump() if held is not None
                      else _patient_fields(patient, issues, clinic_zone=clinic_zone))
    if issues:
        raise Refused(issues)
    try:
        return ProcedureIn.model_validate({
            "patient": patient_fields,
            "procedure_type": plan, "performed_at": performed_at,
            "side": _side(procedure.bodySite), "clinician": _performer(procedure),
            "external_id": visit, "follow_up_at": follow_up})
    except ValidationError as exc:
        raise Refused([Issue(ELEMENT_OF.get(tuple(e["loc"]), "Procedure"),
                             str(e["msg"]).removeprefix("Value error, "))
                       for e in exc.errors()]) from None


def _patient_fields(patient: Patient | None, issues: list[Issue], *, clinic_zone: str
                    ) -> dict[str, Any]:
    assert patient is not None
    given = next((g for name in _preferred_names(patient) for g in (name.given or [])
                  if g and g.strip()), None)
    if given is None:
        issues.append(Issue("Patient.name.given", "the patient's first name is needed for "
                            "their texts", "required"))
    phone = _telecom(patient, ("sms", "phone"))
    if phone is None:
        issues.append(Issue("Patient.telecom", "a mobile number (system sms or phone) is "
                            "needed", "required"))
    return {"first_name": given, "phone": phone, "email": _telecom(patient, ("email",)),
            "timezone": _extension(patient, codes.TIME_ZONE, "valueCode") or clinic_zone,
            "language": _language(patient, issues),
            "sms_consent": _flag(patient, codes.SMS_CONSENT, issues),
            "email_consent": _flag(patient, codes.EMAIL_CONSENT, issues),
            # Our own ids, when a resource we sent comes back, are not another system's.
            "external_id": _identifier(i for i in patient.identifier or []
                                       if i.system not in (codes.PATIENT_ID_SYSTEM,
                                                           codes.PROCEDURE_ID_SYSTEM))}


def _plan(code: CodeableConcept | None, issues: list[Issue]) -> str | None:
    known = codes.procedure_codes()
    codings = code.coding or [] if code is not None else []
    for coding in codings:
        plan = known.get((coding.system or "", coding.code or ""))
        if plan is not None:
            return plan
    sent = ", ".join(f"{c.system}|{c.code}" for c in codings) or "none"
    issues.append(Issue("Procedure.code", f"no care plan for the code(s) sent ({sent}); "
                        "known: CPT 36470/36471, 36465/36466, 36475/36478 and the codes in "
                        "aftercare/fhir/codes.yaml", "code-invalid"))
    return None


def _performed_at(procedure: Procedure, issues: list[Issue]) -> datetime | None:
    at = procedure.performedDateTime
    if at is None and procedure.performedPeriod is not None:
        at = procedure.performedPeriod.end or procedure.performedPeriod.start
    if isinstance(at, datetime) and at.tzinfo is not None:
        return at
    issues.append(Issue("Procedure.performedDateTime", "give the date and time the "
                        "procedure ended, with its offset (e.g. 2026-12-03T09:30:00-05:00)"
                        if isinstance(at, date) else "the time of the procedure is needed",
                        "required"))
    return None


def _identifier(identifiers: Iterable[Any] | None) -> str | None:
    values = [i for i in identifiers or [] if i.value and i.value.strip()]
    official = [i for i in values if i.use in ("official", "usual")]
    chosen = (official or values or [None])[0]
    return chosen.value.strip() if chosen is not None else None


def _preferred_names(patient: Patient) -> list[Any]:
    names = list(patient.name or [])
    return sorted(names, key=lambda n: {"usual": 0, "official": 1}.get(n.use or "", 2))


def _telecom(patient: Patient, systems: tuple[str, ...]) -> str | None:
    points = [t for t in patient.telecom or [] if t.system in systems and t.value]
    points.sort(key=lambda t: (t.use != "mobile", t.rank or 99))
    return points[0].value if points else None


def _extension(resource: Any, url: str, kind: str) -> Any:
    for extension in resource.extension or []:
        if extension.url == url:
            return getattr(extension, kind, None)
    return None


def _flag(patient: Patient, url: str, issues: list[Issue]) -> bool | None:
    value = _extension(patient, url, "valueBoolean")
    if value is None:
        channel = "texts" if url == codes.SMS_CONSENT else "email"
        issues.append(Issue("Patient.extension", f"the patient's answer about {channel} is "
                            f"needed: extension {url} with valueBoolean", "required"))
    return value  # type: ignore[no-any-return]


def _language(patient: Patient, issues: list[Issue]) -> str:
    spoken = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in spoken:
        for coding in communication.language.coding or []:
            code = (coding.code or "").split("-")[0].lower()
            if code in _LANGUAGES:
                return code
    if spoken:
        issues.append(Issue("Patient.communication", "texts are written in English (en) and "
                            "Spanish (es) only", "not-supported"))
    return "en"


def _side(sites: Iterable[CodeableConcept] | None) -> str | None:
    for site in sites or []:
        for coding in site.coding or []:
            if coding.system == codes.SNOMED and coding.code in _SIDE_OF_CODE:
                return _SIDE_OF_CODE[coding.code]
        text = (site.text or "").lower()
        words = set(text.replace(",", " ").split())
        if "both" in words or "bilateral" in words or {"left", "right"} <= words:
            return "both"
        for side in ("left", "right"):
            if side in words:
                return side
    return None


def _performer(procedure: Procedure) -> str | None:
    for performer in procedure.performer or []:
        if performer.actor is not None and performer.actor.display:
            return performer.actor.display[:120]  # type: ignore[no-any-return]
    return None


def element_of(field: Field) -> str:
    return ELEMENT_OF.get(tuple(str(f) for f in field), "Procedure")
