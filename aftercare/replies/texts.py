"""The service's own texts to patients and clinicians, per language. GSM-7, no diagnosis words
(an SMS can be read over a shoulder), the clinic's own numbers filled in."""

from __future__ import annotations

from aftercare.planning import ClinicContext

_TEXTS = {
    "opt_out": {
        "en": "{clinic}: you will get no more texts from us. Reply START to resume. "
              "Questions: {phone}.",
        "es": "{clinic}: no recibira mas mensajes. Responda START para volver a recibirlos. "
              "Consultas: {phone}.",
    },
    "opt_in": {
        "en": "{clinic}: texts are back on. Reply STOP to opt out, HELP for help.",
        "es": "{clinic}: los mensajes estan activos de nuevo. Responda STOP para cancelar.",
    },
    "help": {
        "en": "{clinic} aftercare messages. Questions: call {phone}. Emergency: {emergency}. "
              "Reply STOP to opt out.",
        "es": "Mensajes de cuidados de {clinic}. Consultas: {phone}. Emergencias: {emergency}. "
              "Responda STOP para cancelar.",
    },
    "safety": {
        "en": "{clinic}: your message may describe a serious problem. Call {emergency} now or "
              "go to the nearest emergency department. We will also call you: {phone}.",
        "es": "{clinic}: su mensaje puede indicar un problema grave. Llame al {emergency} ahora "
              "o vaya a urgencias. Tambien le llamaremos: {phone}.",
    },
    # A symptom reply that is not urgent: somebody will read it (never a diagnosis).
    "acknowledgement": {
        "en": "{clinic}: thanks, a nurse will look at your message today. If it gets worse "
              "call {phone}; in an emergency call {emergency}.",
        "es": "{clinic}: gracias, una enfermera revisara su mensaje hoy. Si empeora llame al "
              "{phone}; en una emergencia llame al {emergency}.",
    },
}


def patient_text(name: str, language: str, clinic: ClinicContext) -> str:
    """In the name of the patient's location, with its numbers."""
    texts = _TEXTS[name]
    template = texts.get(language, texts["en"])
    return template.format(clinic=clinic.name, phone=clinic.phone,
                           emergency=clinic.emergency_number)


def alert_sms(*, reply_id: int, level: int, base_url: str, clinic: ClinicContext) -> str:
    again = " (reminder: still not reviewed)" if level > 1 else ""
    return (f"aftercare URGENT patient reply #{reply_id}{again} ({clinic.name}). Review now: "
            f"{base_url}/review/{reply_id}")


def alert_email(*, reply_id: int, level: int, reasons: list[str], first_name: str | None,
                base_url: str, clinic: ClinicContext) -> tuple[str, str]:
    again = "Reminder: not yet reviewed. " if level > 1 else ""
    who = first_name or "a number not on file"
    subject = f"URGENT patient reply #{reply_id} needs review"
    body = (f"{again}A reply from {who} ({clinic.name}) was read as urgent.\n\n"
            + "".join(f"- {r}\n" for r in reasons)
            + f"\nThe patient was told to call {clinic.emergency_number}. Review it now: "
              f"{base_url}/review/{reply_id}\n")
    return subject, body
