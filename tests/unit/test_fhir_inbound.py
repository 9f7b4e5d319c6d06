"""FHIR in: a scheduling system's Bundle read into a logging request, or refused with the
element named. Pure: no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aftercare.careplans.loader import load_plans
from aftercare.fhir import codes
from aftercare.fhir.inbound import read_bundle, read_procedure
from aftercare.fhir.outcome import Issue, Refused
from aftercare.procedures.schemas import PatientIn
from tests.conftest import REPO_ROOT
from tests.support.fhir import bundle, contained, procedure

AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
ZONE = "America/New_York"


def refused(data: dict[str, Any]) -> list[Issue]:
    with pytest.raises(Refused) as caught:
        read_bundle(data, clinic_zone=ZONE)
    return caught.value.issues


def test_a_bundle_becomes_the_request_every_entry_point_sends() -> None:
    follow_up = datetime(2026, 12, 17, 15, 0, tzinfo=UTC)
    incoming = read_bundle(bundle(AT, follow_up=follow_up), clinic_zone=ZONE)
    r = incoming.request
    assert incoming.patient_url == "urn:uuid:p1"
    assert (r.procedure_type, r.performed_at, r.follow_up_at) == ("sclerotherapy", AT, follow_up)
    assert (r.external_id, r.side, r.clinician) == ("VISIT-77", "left", "Dr. Ortiz")
    p = r.patient
    assert (p.first_name, p.phone, p.email) == ("Maria", "(212) 555-0142", "maria@example.org")
    assert (p.timezone, p.language, p.external_id) == ("America/Chicago", "es", "MRN-1001")
    assert p.sms_consent and p.email_consent


@pytest.mark.parametrize(("code", "plan"), [
    ("36470", "sclerotherapy"), ("36471", "sclerotherapy"),
    ("36465", "ultrasound-guided-foam-sclerotherapy"),
    ("36466", "ultrasound-guided-foam-sclerotherapy"),
    ("36475", "endovenous-thermal-ablation"), ("36478", "endovenous-thermal-ablation")])
def test_cpt_codes_start_their_care_plan(code: str, plan: str) -> None:
    data = bundle(AT, procedure_changes={"code": {"coding": [
        {"system": "http://loinc.org", "code": "x"}, {"system": codes.CPT, "code": code}]}})
    assert read_bundle(data, clinic_zone=ZONE).request.procedure_type == plan


def test_every_care_plan_the_mapping_names_is_in_schedules() -> None:
    plans = load_plans(REPO_ROOT / "schedules")
    assert codes.unknown_plans(plans) == []
    assert set(codes.procedure_codes().values()) == set(plans)


@pytest.mark.parametrize(("change", "element", "words"), [
    ({"procedure_changes": {"code": {"coding": [{"system": codes.CPT, "code": "99213"}]}}},
     "Procedure.code", "no care plan"),
    ({"procedure_changes": {"status": "in-progress"}}, "Procedure.status", "completed"),
    ({"procedure_changes": {"performedDateTime": "2026-12-03"}},
     "Procedure.performedDateTime", "with its offset"),
    ({"procedure_changes": {"identifier": []}}, "Procedure.identifier", "retry"),
    ({"procedure_changes": {"subject": {"reference": "urn:uuid:other"}}},
     "Procedure.subject", "the Bundle's Patient"),
    ({"patient_changes": {"telecom": [{"system": "email", "value": "a@b.org"}]}},
     "Patient.telecom", "mobile number"),
    ({"patient_changes": {"extension": []}}, "Patient.extension", "answer about texts"),
    ({"patient_changes": {"name": [{"family": "Lopez"}]}}, "Patient.name.given",
     "first name"),
    ({"patient_changes": {"communication": [{"language": {"coding": [{"code": "fr"}]}}]}},
     "Patient.communication", "Spanish"),
])
def test_what_cannot_be_read_safely_is_refused_at_its_element(
        change: dict[str, Any], element: str, words: str) -> None:
    issues = refused(bundle(AT, **change))
    assert {i.expression for i in issues} == {element}
    assert words in issues[0].message


def test_invalid_fhir_is_refused_by_the_models_themselves() -> None:
    data = bundle(AT, procedure_changes={"performedDateTime": "yesterday"})
    with pytest.raises(Refused) as caught:
        read_bundle(data, clinic_zone=ZONE)
    assert caught.value.status == 400
    assert any("performedDateTime" in i.expression for i in caught.value.issues)
    for other in ({"resourceType": "Patient"}, [], {"resourceType": "Bundle", "type": 7}):
        with pytest.raises(Refused):
            read_bundle(other, clinic_zone=ZONE)  # type: ignore[arg-type]


def test_a_bundle_needs_one_patient_and_one_procedure() -> None:
    data = bundle(AT)
    data["entry"] = data["entry"][1:]
    assert [i.message for i in refused(data)] == ["send exactly one Patient (found 0)"]
    history = {**bundle(AT), "type": "history"}
    assert refused(history)[0].expression == "Bundle.type"


def nobody(_: object) -> None:
    return None


def test_a_procedure_with_its_patient_contained() -> None:
    incoming = read_procedure(contained(AT), clinic_zone=ZONE, known_patient=nobody)
    assert incoming.request.patient.first_name == "Maria"
    alone = contained(AT)
    alone["contained"] = []
    with pytest.raises(Refused) as caught:
        read_procedure(alone, clinic_zone=ZONE, known_patient=nobody)
    assert caught.value.issues[0].expression == "Procedure.subject"


def test_a_procedure_for_a_patient_logged_before() -> None:
    held = PatientIn(first_name="Rosa", phone="+12125550100", timezone="America/Denver",
                     sms_consent=True, email_consent=False, external_id="MRN-5")
    asked: list[object] = []

    def known(subject: object) -> PatientIn:
        asked.append(subject)
        return held

    by_id = procedure(AT, patient_url="Patient/5")
    request = read_procedure(by_id, clinic_zone=ZONE, known_patient=known).request
    assert request.patient == held and request.external_id == "VISIT-77"
    assert asked[0].reference == "Patient/5"  # type: ignore[attr-defined]
    by_mrn = procedure(AT, subject={"identifier": {"value": "MRN-5"}})
    assert read_procedure(by_mrn, clinic_zone=ZONE, known_patient=known).request.patient == held


def test_a_patient_without_a_zone_takes_the_clinics() -> None:
    data = bundle(AT, patient_changes={"extension": [
        {"url": codes.SMS_CONSENT, "valueBoolean": True},
        {"url": codes.EMAIL_CONSENT, "valueBoolean": False}]})
    assert read_bundle(data, clinic_zone=ZONE).request.patient.timezone == ZONE
