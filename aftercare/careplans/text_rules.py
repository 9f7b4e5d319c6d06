"""The rules a care plan's texts must keep beyond their schema: placeholders that can be
filled, no hard-coded emergency number, SMS length and alphabet once filled in, check-ins
whose offered answers mean something, and a first SMS that says how to opt out. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from aftercare.careplans.render import placeholders, realistic_values, render, stray_braces
from aftercare.careplans.schema import (
    LANGUAGES,
    PLACEHOLDERS,
    CarePlan,
    EmailContent,
    Fallback,
    Step,
    Texts,
)
from aftercare.careplans.sms_rules import sms_problems

_HARD_CODED_EMERGENCY = re.compile(r"(?<![\d+])(?:911|999|112)(?!\d)")
_REPLY_SEGMENT = re.compile(r"\b(?:reply|responda|responde)\b([^.!?]*)", re.IGNORECASE)
_OFFERED_NUMBER = re.compile(r"(?<![\w:/-])(\d)(?![\w:/-])")
_YES_NO = {"en": (r"\bYES\b", r"\bNO\b"), "es": (r"\bSI\b", r"\bNO\b")}


_MENTIONS_EMAIL = re.compile(r"\b(?:e-?mail|correo)\b", re.IGNORECASE)


def _sms_texts(step: Step) -> Iterator[tuple[str, Texts]]:
    """(dotted field, texts) for the step's SMS text and each fallback SMS text."""
    yield "text", step.text
    for name, fallback in _fallbacks(step):
        if fallback.text is not None:
            yield f"{name}.text", fallback.text


def _fallbacks(step: Step) -> Iterator[tuple[str, Fallback]]:
    for name in ("without_follow_up", "without_email"):
        fallback = getattr(step, name)
        if fallback is not None:
            yield name, fallback


def _email_texts(step: Step) -> Iterator[tuple[str, EmailContent]]:
    if step.email is not None:
        yield "email", step.email
    for name, fallback in _fallbacks(step):
        if fallback.email is not None:
            yield f"{name}.email", fallback.email


def _texts(step: Step) -> Iterator[tuple[str, str]]:
    """(dotted field, text) for every patient-facing text of a step, fallbacks included."""
    for field, texts in _sms_texts(step):
        for lang in LANGUAGES:
            yield f"{field}.{lang}", texts.get(lang)
    for field, email in _email_texts(step):
        for part in ("subject", "body"):
            for lang in LANGUAGES:
                yield f"{field}.{part}.{lang}", getattr(email, part).get(lang)
    for number, choice in (step.choices or {}).items():
        for lang in LANGUAGES:
            yield f"choices.{number}.label.{lang}", choice.label.get(lang)


def _offered_numbers(text: str) -> set[int]:
    """The numbers a text asks the patient to reply with ("Reply 1 fine, 2 sore")."""
    return {int(n) for seg in _REPLY_SEGMENT.findall(text) for n in _OFFERED_NUMBER.findall(seg)}


def step_problems(step: Step, values: Mapping[str, str] | None) -> Iterator[tuple[str, str]]:
    """(field, message) for each rule `step` breaks beyond its schema."""
    unfillable: set[str] = set()
    for field, text in _texts(step):
        unknown = [p for p in placeholders(text) if p not in PLACEHOLDERS]
        if unknown:
            unfillable.add(field)
            known = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            yield field, f"unknown placeholder {', '.join(f'{{{p}}}' for p in unknown)}; " \
                         f"known: {known}"
        if stray_braces(text):
            unfillable.add(field)
            yield field, "a '{' or '}' that is not part of a {placeholder}"
        if _HARD_CODED_EMERGENCY.search(text):
            yield field, "write {emergency_number}, not the number itself (it differs by country)"

    if "email" in step.channels and step.email is None:
        yield "email", f"channel {step.channel!r} sends an email: add email.subject and email.body"
    if step.email is not None and "email" not in step.channels:
        yield "email", f"channel {step.channel!r} sends no email, so this block is never used"

    yield from _fallback_problems(step)
    if "sms" not in step.channels:
        return
    for name, texts in _sms_texts(step):
        for lang in LANGUAGES:
            field, text = f"{name}.{lang}", texts.get(lang)
            if field in unfillable:
                continue
            filled = render(text, values if values is not None else realistic_values(lang))
            for problem in sms_problems(filled):
                yield field, problem
            if step.kind == "check_in" and name == "text":
                yield from _check_in_problems(step, lang, text)


def _fallback_problems(step: Step) -> Iterator[tuple[str, str]]:
    """A value that may be missing (a follow-up nobody booked, an email nobody will get)
    needs a fallback, and a fallback must not lean on the value it stands in for."""
    names_date = [f for f, text in _texts(step)
                  if "follow_up_date" in placeholders(text) and not f.startswith("without_")]
    if names_date and step.without_follow_up is None:
        yield names_date[0], ("names {follow_up_date}, which is missing until a follow-up is "
                              "booked: add without_follow_up (skip: true, or texts without "
                              "the date)")
    for field, text in _texts(step):
        if field.startswith("without_") and "follow_up_date" in placeholders(text):
            yield field, "a fallback cannot name {follow_up_date}"
    if "sms" in step.channels:
        for field, texts in _sms_texts(step):
            for lang in LANGUAGES:
                text = texts.get(lang)
                if not _MENTIONS_EMAIL.search(text):
                    continue
                if field.startswith("without_email"):
                    yield f"{field}.{lang}", "this text is for patients who get no email"
                elif step.without_email is None:
                    yield f"{field}.{lang}", ("speaks of an email, which patients without "
                                              "email consent or address do not get: add "
                                              "without_email (skip: true, or a text "
                                              "without it)")


def _check_in_problems(step: Step, lang: str, text: str) -> Iterator[tuple[str, str]]:
    # Whatever the SMS invites as an answer must mean something to the reply reader.
    offered = _offered_numbers(text)
    choices = step.choices or {}
    if offered - set(choices):
        missing = ", ".join(map(str, sorted(offered - set(choices))))
        yield ("choices" if not choices else f"text.{lang}",
               f"text.{lang} offers reply {missing} but choices has no such number")
    for number in sorted(set(choices) - offered):
        yield f"choices.{number}", f"choice {number} is not offered in text.{lang}"
    if not choices and not offered and not all(re.search(p, text) for p in _YES_NO[lang]):
        yes_no = "YES or NO" if lang == "en" else "SI o NO"
        yield f"text.{lang}", f"a check-in without choices must ask to reply {yes_no}"


def first_sms_problems(plan: CarePlan) -> Iterator[tuple[Step, str, str]]:
    # US carriers expect the first message of a program to say how to opt out.
    sms_steps = [s for s in plan.steps if "sms" in s.channels]
    if not sms_steps:
        return
    first = min(sms_steps, key=lambda s: s.offset.duration)
    for lang in LANGUAGES:
        if not re.search(r"\bSTOP\b", first.text.get(lang)):
            yield first, f"text.{lang}", "the first SMS must say the patient can reply STOP"
