"""FHIR test data: a scheduling system's transaction Bundle for one procedure, as dicts a
test can break one element at a time."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from aftercare.fhir import codes


def patient(**changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-1001"}],
        "name": [{"use": "official", "family": "Lopez", "given": ["Maria"]}],
        "telecom": [{"system": "phone", "value": "(212) 555-0142", "use": "mobile"},
                    {"system": "email", "value": "maria@example.org"}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                     "code": "es-US"}]},
                           "preferred": True}],
        "extension": [{"url": codes.TIME_ZONE, "valueCode": "America/Chicago"},
                      {"url": codes.SMS_CONSENT, "valueBoolean": True},
                      {"url": codes.EMAIL_CONSENT, "valueBoolean": True}],
    }
    resource.update(changes)
    return resource


def procedure(performed_at: datetime, *, cpt: str = "36471", patient_url: str = "urn:uuid:p1",
              **changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Procedure",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.6", "value": "VISIT-77"}],
        "status": "completed",
        "code": {"coding": [{"system": codes.CPT, "code": cpt}]},
        "subject": {"reference": patient_url},
        "performedDateTime": performed_at.isoformat(),
        "bodySite": [{"coding": [{"system": codes.SNOMED, "code": "7771000"}],
                      "text": "left leg"}],
        "performer": [{"actor": {"display": "Dr. Ortiz"}}],
    }
    resource.update(changes)
    return resource


def bundle(performed_at: datetime, *, follow_up: datetime | None = None,
           patient_changes: dict[str, Any] | None = None,
           procedure_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    entries = [
        {"fullUrl": "urn:uuid:p1", "resource": patient(**(patient_changes or {})),
         "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:s1", "resource": procedure(performed_at,
                                                         **(procedure_changes or {})),
         "request": {"method": "POST", "url": "Procedure"}},
    ]
    if follow_up is not None:
        entries.append({"fullUrl": "urn:uuid:a1", "resource": {
            "resourceType": "Appointment", "status": "booked", "start": follow_up.isoformat(),
            "end": follow_up.isoformat(),
            "participant": [{"actor": {"reference": "urn:uuid:p1"}, "status": "accepted"}]},
            "request": {"method": "POST", "url": "Appointment"}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def contained(performed_at: datetime) -> dict[str, Any]:
    """A Procedure alone, its Patient contained."""
    return procedure(performed_at, patient_url="#pat",
                     contained=[{**copy.deepcopy(patient()), "id": "pat"}])
