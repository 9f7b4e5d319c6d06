"""`Patient/{id}/$everything`: what we hold about one patient, as FHIR R4 resources built
with fhir.resources (so each one is validated as it is made).

- `Patient`, and each `Procedure` with the code that starts its care plan.
- A `Communication` for every message that went out (status, SMS or email, time sent),
  and one for every reply received (its text).
- An `Observation` for each symptom the reader read in a reply, present or absent
  (`valueBoolean`), with its severity; a `Flag` for each reply read as urgent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.communication import Communication, CommunicationPayload
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.patient import PatientCommunication
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.procedure import ProcedurePerformer
from fhir.resources.R4B.reference import Reference
from sqlalchemy import select
from sqlalchemy.orm import Session

from aftercare.db.models import Message, Patient, Procedure, Reply
from aftercare.errors import NotFound
from aftercare.fhir import codes

# Our message statuses as a Communication's: what went out, and how it ended.
SENT = ("sending", "sent", "delivered", "undelivered", "failed")
_STATUS = {"sending": "in-progress", "sent": "completed", "delivered": "completed",
           "undelivered": "stopped", "failed": "not-done"}
_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
_MEDIUM = {"sms": Coding(system=_PARTICIPATION, code="WRITTEN", display="written"),
           "email": Coding(system=_PARTICIPATION, code="EMAILWRIT", display="email")}
_FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def everything(session: Session, *, patient_id: int) -> Bundle:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    procedures = session.scalars(select(Procedure).where(Procedure.patient_id == patient.id)
                                 .order_by(Procedure.performed_at, Procedure.id)).all()
    messages = session.scalars(select(Message).where(
        Message.patient_id == patient.id, Message.audience == "patient",
        Message.status.in_(SENT)).order_by(Message.sent_at, Message.id)).all()
    replies = session.scalars(select(Reply).where(Reply.patient_id == patient.id)
                              .order_by(Reply.received_at, Reply.id)).all()
    resources: list[Any] = [patient_resource(patient)]
    resources += [procedure_resource(p) for p in procedures]
    resources += [message_resource(m) for m in messages]
    sent_ids = {m.id for m in messages}
    for reply in replies:
        resources.append(reply_resource(reply, answered=reply.answers_message_id in sent_ids))
        resources.extend(observations(reply))
        if reply.triage == "urgent":
            resources.append(urgent_flag(reply))
    return Bundle(type="searchset", total=len(resources), entry=[
        BundleEntry(fullUrl=f"{r.get_resource_type()}/{r.id}", resource=r)
        for r in resources])


def patient_resource(patient: Patient) -> FhirPatient:
    telecom = [ContactPoint(system="sms", value=patient.phone, use="mobile")]
    if patient.email:
        telecom.append(ContactPoint(system="email", value=patient.email))
    identifiers = [Identifier(system=codes.PATIENT_ID_SYSTEM, value=str(patient.id))]
    if patient.external_id:
        identifiers.append(Identifier(value=patient.external_id, use="usual"))
    return FhirPatient(
        id=str(patient.id), identifier=identifiers,
        name=[HumanName(given=[patient.first_name], use="usual")], telecom=telecom,
        communication=[PatientCommunication(language=CodeableConcept(coding=[Coding(
            system="urn:ietf:bcp:47", code=patient.language)]), preferred=True)],
        extension=[Extension(url=codes.TIME_ZONE, valueCode=patient.timezone),
                   Extension(url=codes.SMS_CONSENT,
                             valueBoolean=patient.sms_consent
                             and patient.sms_opted_out_at is None),
                   Extension(url=codes.EMAIL_CONSENT, valueBoolean=patient.email_consent)])


def procedure_resource(procedure: Procedure) -> FhirProcedure:
    codings = [Coding(system=system, code=code) for system, code
               in codes.plan_codes(procedure.procedure_type)]
    identifiers = [Identifier(system=codes.PROCEDURE_ID_SYSTEM, value=str(procedure.id))]
    if procedure.external_id:
        identifiers.append(Identifier(value=procedure.external_id, use="official"))
    side = codes.SIDE_SNOMED.get(procedure.side or "")
    return FhirProcedure(
        id=str(procedure.id), identifier=identifiers, status="completed",
        code=CodeableConcept(coding=codings or None, text=procedure.procedure_type),
        subject=Reference(reference=f"Patient/{procedure.patient_id}"),
        performedDateTime=procedure.performed_at,
        bodySite=[CodeableConcept(coding=[Coding(system=codes.SNOMED, code=side[0],
                                                 display=side[1])], text=procedure.side)]
        if side else None,
        performer=[ProcedurePerformer(actor=Reference(display=procedure.clinician))]
        if procedure.clinician else None,
        note=[Annotation(text=f"aftercare messages cancelled: {procedure.cancel_reason}")]
        if procedure.status == "cancelled" else None)


def message_resource(message: Message) -> Communication:
    return Communication(
        id=f"message-{message.id}",
        identifier=[Identifier(system=codes.MESSAGE_ID_SYSTEM, value=str(message.id))],
        status=_STATUS[message.status],
        statusReason=CodeableConcept(text=message.reason or message.error_code or
                                     message.status)
        if message.status in ("undelivered", "failed") else None,
        medium=[CodeableConcept(coding=[_MEDIUM[message.channel]],
                                text="SMS" if message.channel == "sms" else "email")],
        subject=Reference(reference=f"Patient/{message.patient_id}"),
        recipient=[Reference(reference=f"Patient/{message.patient_id}")],
        about=[Reference(reference=f"Procedure/{message.procedure_id}")]
        if message.procedure_id else None,
        sent=message.sent_at or message.claimed_at,
        payload=[CommunicationPayload(contentString=_text(message.body))])


def reply_resource(reply: Reply, *, answered: bool) -> Communication:
    return Communication(
        id=f"reply-{reply.id}",
        identifier=[Identifier(system=codes.REPLY_ID_SYSTEM, value=str(reply.id))],
        status="completed",
        medium=[CodeableConcept(coding=[_MEDIUM["sms"]], text="SMS")],
        subject=Reference(reference=f"Patient/{reply.patient_id}"),
        sender=Reference(reference=f"Patient/{reply.patient_id}"),
        about=[Reference(reference=f"Procedure/{reply.procedure_id}")]
        if reply.procedure_id else None,
        inResponseTo=[Reference(reference=f"Communication/message-{reply.answers_message_id}")]
        if answered else None,
        received=reply.received_at,
        payload=[CommunicationPayload(contentString=_text(reply.body))]
        if reply.body.strip() else None)


def observations(reply: Reply) -> Iterator[Observation]:
    """One per symptom the reader named: present or denied ("no swelling")."""
    if reply.read_at is None:
        return
    for present, names in ((True, reply.present), (False, reply.absent)):
        for name in names:
            severity = codes.SEVERITY_SNOMED.get(reply.severity or "") if present else None
            yield Observation(
                id=f"reply-{reply.id}-{name.replace('_', '-')}", status="final",
                category=[CodeableConcept(coding=[Coding(system=_OBSERVATION_CATEGORY,
                                                         code="survey")])],
                code=symptom_code(name),
                subject=Reference(reference=f"Patient/{reply.patient_id}"),
                effectiveDateTime=reply.received_at,
                derivedFrom=[Reference(reference=f"Communication/reply-{reply.id}")],
                valueBoolean=present,
                method=CodeableConcept(text=f"read from the patient's reply by "
                                       f"{reply.reader_version}"),
                component=[ObservationComponent(
                    code=CodeableConcept(coding=[Coding(
                        system=codes.SNOMED, code=codes.SEVERITY_ATTRIBUTE[0],
                        display=codes.SEVERITY_ATTRIBUTE[1])]),
                    valueCodeableConcept=CodeableConcept(coding=[Coding(
                        system=codes.SNOMED, code=severity[0], display=severity[1])]))]
                if severity else None)


def symptom_code(name: str) -> CodeableConcept:
    label = name.replace("_", " ")
    snomed = codes.SYMPTOM_SNOMED.get(name)
    coding = [Coding(system=codes.SYMPTOM_SYSTEM, code=name, display=label)]
    if snomed is not None:
        coding.insert(0, Coding(system=codes.SNOMED, code=snomed[0], display=snomed[1]))
    return CodeableConcept(coding=coding, text=label)


def urgent_flag(reply: Reply) -> Flag:
    return Flag(
        id=f"reply-{reply.id}-urgent",
        status="active" if reply.review_status == "open" else "inactive",
        category=[CodeableConcept(coding=[Coding(system=_FLAG_CATEGORY, code="clinical")])],
        code=CodeableConcept(text="Urgent reply: " + "; ".join(reply.reasons or ["red flag"])),
        subject=Reference(reference=f"Patient/{reply.patient_id}"),
        period=Period(start=reply.received_at))


def _text(body: str) -> str:
    return body if body else "(no text)"
