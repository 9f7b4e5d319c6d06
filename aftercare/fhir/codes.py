"""The FHIR vocabulary we read and write: which procedure codes start which care plan
(`codes.yaml`), the symptoms the reader names as SNOMED CT where a code is certain, and our
own code systems and extensions for what FHIR has no code for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import yaml

CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"
# Ours: the `.example` domain is reserved, so these can never clash with anyone's real ones.
BASE = "https://fhir.aftercare.example"
CARE_PLAN_SYSTEM = f"{BASE}/CodeSystem/care-plan"
SYMPTOM_SYSTEM = f"{BASE}/CodeSystem/symptom"
PROCEDURE_ID_SYSTEM = f"{BASE}/procedure-id"
PATIENT_ID_SYSTEM = f"{BASE}/patient-id"
MESSAGE_ID_SYSTEM = f"{BASE}/message-id"
REPLY_ID_SYSTEM = f"{BASE}/reply-id"
# The patient's answers about contact, as the front desk records them: FHIR has no element
# for "agreed to texts", and a `Consent` resource per channel is more than any sender has.
SMS_CONSENT = f"{BASE}/StructureDefinition/sms-consent"
EMAIL_CONSENT = f"{BASE}/StructureDefinition/email-consent"
# HL7's own extension for a patient's IANA time zone.
TIME_ZONE = "http://hl7.org/fhir/StructureDefinition/tz-code"

# SNOMED CT findings for the reader's symptom names, only where the concept is exact; the
# rest go out in our symptom code system with the reader's own name.
SYMPTOM_SNOMED = {
    "pain": ("22253000", "Pain"),
    "swelling": ("65124004", "Swelling"),
    "itching": ("418363000", "Itching of skin"),
    "redness": ("247441003", "Erythema"),
    "chest_pain": ("29857009", "Chest pain"),
    "breathing_difficulty": ("267036007", "Dyspnea"),
    "fever": ("386661006", "Fever"),
    "headache": ("25064002", "Headache"),
}
SEVERITY_SNOMED = {"mild": ("255604002", "Mild"), "moderate": ("6736007", "Moderate"),
                   "severe": ("24484000", "Severe")}
SEVERITY_ATTRIBUTE = ("246112005", "Severity")
# Laterality qualifiers (SNOMED CT) for the treated side.
SIDE_SNOMED = {"left": ("7771000", "Left"), "right": ("24028007", "Right"),
               "both": ("51440002", "Right and left")}

CODES_FILE = Path(__file__).with_name("codes.yaml")


@cache
def procedure_codes(path: Path = CODES_FILE) -> Mapping[tuple[str, str], str]:
    """(system, code) -> care plan key."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {(str(system), str(code)): str(plan)
            for system, codes in loaded.items() for code, plan in (codes or {}).items()}


def unknown_plans(plans: Iterable[str], path: Path = CODES_FILE) -> list[str]:
    """Care plans the mapping names that `schedules/` does not have: a mapping to fix."""
    known = set(plans)
    return sorted({plan for plan in procedure_codes(path).values() if plan not in known})


def plan_codes(plan: str) -> list[tuple[str, str]]:
    """The codes that start a care plan, CPT first: how a procedure of ours is coded out."""
    found = [key for key, value in procedure_codes().items() if value == plan]
    return sorted(found, key=lambda key: (key[0] != CPT, key))
