"""read_reply: one patient text in, one Reading out. Pure: no I/O, no clock, deterministic."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from aftercare.careplans.schema import ChoiceMeaning
from aftercare.replies.reading import intent as intents
from aftercare.replies.reading import language as languages
from aftercare.replies.reading.analysis import Analysis, Finding, analyse
from aftercare.replies.reading.lexicon import MACROS
from aftercare.replies.reading.normalise import Normalised, normalise
from aftercare.replies.reading.triage import Symptom, TriageInput, assess
from aftercare.replies.reading.types import READER_VERSION, CheckInContext, Reading
from aftercare.replies.reading.vocabulary import is_known, is_symptom_word, make_corrector

_CORRECT = make_corrector()
MAX_CHARS = 1600
_SEVERITY_NAMES = {1: "mild", 2: "moderate", 3: "severe"}
_SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
# A symptom that came and went is still reported ("blurry vision for 10 minutes, gone now",
# "the bleeding stopped"); an expected local one that has gone is simply not there any more.
EPISODIC = frozenset({"bleeding", "vision_change", "headache", "chest_pain", "coughing_blood",
                      "breathing_difficulty", "neuro_deficit", "allergic_reaction", "fever"})
_SYMPTOM_SIGNALS = frozenset({"faint", "dizzy", "cold_toes", "pale_toes", "cold_pale_toes",
                              "clot", "unwell"})
_UNITS = frozenset({"days", "day", "hours", "hour", "weeks", "week", "times", "x", "/", "out",
                    "of", "minutes", "mins", "am", "pm", "dias", "horas", "semanas", "de"})


def read_reply(
    text: str, *, language: str | None = None, check_in: CheckInContext | None = None
) -> Reading:
    # One SMS is at most 1,600 characters (Twilio's limit). Reading more would cost time
    # that grows faster than the text, and delay another patient's urgent reply; the rest
    # is kept, and a person reads it.
    cut = len(text) > MAX_CHARS
    reading = _read(text[:MAX_CHARS], language, check_in)
    if cut and reading.triage in ("none", "routine"):
        reading = replace(reading, triage="review", reasons=(
            *reading.reasons, f"longer than {MAX_CHARS} characters: only the start was read"))
    return reading


def _read(text: str, language: str | None, check_in: CheckInContext | None) -> Reading:
    norm = normalise(text, known=is_known, correct=_CORRECT, telling=is_symptom_word)
    lang = languages.detect(norm, language)
    choice, meaning, answered = _answer(norm, check_in)
    keyword = intents.keyword(norm)
    if keyword is not None and meaning is None:
        return _plain(keyword, lang)
    a = analyse(norm)
    present, absent, hypothetical, other, resolved = _codes(a.findings)
    if a.scale == 0 and "pain" in present:  # "pain 0/10"
        present.remove("pain")
        absent.append("pain")
    if "fever" in present and _normal_temperature(a.temperature):  # "temp 98.4"
        present.remove("fever")
        absent.append("fever")
    symptoms = _merge([f for f in a.findings if f.code in present])
    signals = {f.code[1:] for f in a.findings if f.code.startswith("!")
               and f.status == "present"}
    told = {f.code[1:] for f in a.findings if f.code.startswith("!") and f.status == "present"
            and not f.asked}
    asked_signals = signals - told
    denied_signals = any(f.code.startswith("!") and f.status == "negated" for f in a.findings)
    severity_hint = 0
    text_present = list(present)
    if meaning is not None:
        if meaning.call_me:
            signals.add("call_me")
            told.add("call_me")
        add = tuple(meaning.symptoms) if (answered == "yes" or not present) else ()
        severity_hint = _SEVERITY_RANK.get(meaning.severity or "", 0)
        for code in add:
            if code not in symptoms:
                symptoms[code] = Symptom(code, severity=severity_hint)
                present.append(code)
        if answered == "no" and check_in is not None and check_in.yes_means is not None \
                and meaning.all_clear:
            absent.extend(c for c in check_in.yes_means.symptoms
                          if c not in present and c not in absent)
    phrases = intents.phrase_labels(norm)
    asked_only = bool(text_present) and present == text_present and all(
        f.asked for f in a.findings if f.code in present)
    # Red flags quoted from the leaflet or a text ("the leaflet says call 911 for chest
    # pain, I have neither") are not a question about them, unless one is asked.
    quoted = _QUOTED.search(norm.text) is not None
    question = a.question_sentences > 0 or "request" in phrases or (
        bool(hypothetical) and not quoted)
    intent = _intent(norm, a, present, absent or ([""] if denied_signals else []), told,
                     phrases, question or bool(asked_signals), asked_only, meaning)
    level, reasons = assess(TriageInput(
        symptoms, frozenset(signals), a.scale, a.temperature, _places(a, norm), a.side,
        question=intent == "question" or (question and intent == "symptom_report"),
    ))
    if intent in ("all_clear", "other", "opt_out", "opt_in", "help") and not symptoms \
            and not signals:
        level, reasons = "none", ()
    if intent == "all_clear" and not symptoms and signals == {"worried"}:
        # "a bit nervous, but my leg looks normal, no swelling": recorded, nothing to act on
        level, reasons = "routine", ("worried, but reports all is well",)
    carer = _carer_report(a.findings, a, level) if not _NOT_CARER.search(norm.text) else None
    if carer is not None:
        # Written for the patient by a relative or carer: a red flag about anyone texting
        # from the patient's number is escalated (REPLIES.md); other complaints stay theirs.
        level, reasons, codes = carer
        present.extend(c for c in codes if c not in present)
        intent = "symptom_report"
    stockings = meaning.stockings if meaning is not None else None
    if stockings and not symptoms and not signals:
        # A stocking check-in answered by its number: adherence, recorded. Not wearing them
        # is for a nurse to follow up, not a red flag.
        intent = "all_clear" if stockings != "not_worn" else "other"
        level, reasons = (("routine", ("not wearing the compression stockings",))
                          if stockings == "not_worn" else ("none", ()))
    elif level == "none" and intent == "other" and not a.findings \
            and not intents.benign(norm):
        level, reasons = "review", ("could not be read: a person should look",)
    elif level == "none" and meaning is None and not a.findings and _offers_answers(check_in) \
            and _looks_like_an_answer(norm):
        # "4" or "1 3" to "reply 1, 2 or 3", "yes" to a numbered question, "no, I stopped"
        # to the stockings question: an answer, but none the check-in offered. Benign out of
        # context; here the patient meant something the reader cannot place.
        level, reasons = "review", ("not one of the answers the check-in offered: a "
                                    "person should look",)
    sev = max((x.severity for x in symptoms.values()), default=0) or severity_hint
    if not sev and a.scale is not None and present:
        sev = 1 if a.scale <= 3 else 2 if a.scale <= 6 else 3
    worsening = any(x.worse for x in symptoms.values())
    return Reading(
        intent=intent,  # type: ignore[arg-type]
        present=tuple(present),
        absent=tuple(c for c in absent if c not in present),
        severity=_SEVERITY_NAMES.get(sev) if present else None,  # type: ignore[arg-type]
        scale=a.scale,
        worsening=worsening,
        locations=a.locations,
        side=a.side,  # type: ignore[arg-type]
        triage=level,  # type: ignore[arg-type]
        reasons=reasons,
        language=lang,
        reader_version=READER_VERSION,
        hypothetical=tuple(c for c in hypothetical if c not in present),
        other_person=tuple(c for c in other if c not in present),
        resolved=tuple(resolved),
        improving=not worsening and any(x.better for x in symptoms.values()),
        call_requested="call_me" in signals,
        choice=choice,
        severities={code: _SEVERITY_NAMES[x.severity] for code, x in symptoms.items()  # type: ignore[misc]
                    if x.severity in _SEVERITY_NAMES and code in present},
        stockings=stockings,
    )


# Someone else's complaint, not a report for the patient: the writer says they are fine, or
# it happened long ago ("had a stroke last year"), or the writer asks about themselves.
_RELATIVE = MACROS["family"].replace("(", "(?:", 1)
_NOT_CARER = re.compile(
    r"\b(?:(?:i am|yo estoy|estoy|i feel|me siento|me) (?:all )?(?:fine|ok|okay|good|bien|great|"
    r"alright|all right|perfectly fine)"
    r"|my (?:leg|legs) (?:is|are|feels?|looks?) (?:fine|ok|okay|good)"
    r"|last (?:year|month|week|time|summer|winter)|(?:years?|months?) ago|el ano pasado"
    r"|hace (?:un|una|dos|tres|unos|unas|\d+) (?:anos?|meses|mes)"
    r"|(?:had|tuvo|tenia) (?:a |an |un |una )?(?:stroke|derrame|clot|coagulo|dvt|heart attack)"
    rf"|{_RELATIVE} (?:had|tuvo|used to|was|once)"
    r"|for me|para mi|(?:that is|thats|es) (?:his|her|su) |after (?:hers|his|theirs)"
    r"|(?:have not|has not|did not) had any|not me)\b")


_CLOT_PLACES = {"calf": "calf", "calves": "calf", "pantorrilla": "calf", "pantorilla": "calf",
                "thigh": "thigh", "thighs": "thigh", "muslo": "thigh"}


_QUOTED = re.compile(
    r"\b(?:leaflet|sheet|paper|instructions|handout|booklet|pamphlet|website|folleto|hoja|"
    r"instrucciones|text|message|reminder)s? (?:[a-z]+ ){0,2}(?:says|said|mentions|mentioned|"
    r"lists|listed|dice|decia|menciona)\b")


def _places(a: Analysis, norm: Normalised) -> tuple[str, ...]:
    """The places a finding names, plus a calf or thigh named anywhere: "Calf isn't red. But
    it IS swollen" is a swollen calf."""
    extra = {_CLOT_PLACES[t] for t in norm.tokens if t in _CLOT_PLACES}
    return a.locations + tuple(sorted(extra - set(a.locations)))


def _normal_temperature(t: float | None) -> bool:
    return t is not None and (35.0 <= t < 37.8 or 95.0 <= t < 100.0)


def _carer_report(findings: Iterable[Finding], a: Analysis, level: str
                  ) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """Urgent when what is said about another person would be urgent said of the patient."""
    if level == "urgent":
        return None
    about = [f for f in findings if f.status == "other"]
    if not about:
        return None
    # "Mum says her calf feels tight. It's warm when I touch it": the carer's own sentences
    # describe the same leg.
    about += [f for f in findings if f.status == "present"]
    symptoms = _merge([Finding(f.code, "present", f.start, f.end, f.tags, f.severity, f.worse,
                               f.better, f.persistent) for f in about
                       if not f.code.startswith("!")])
    signals = frozenset(f.code[1:] for f in about if f.code.startswith("!"))
    found, why = assess(TriageInput(symptoms, signals, a.scale, a.temperature, a.locations,
                                    a.side, question=False))
    if found != "urgent":
        return None
    return "urgent", ("reported by a relative or carer", *why), tuple(symptoms)


def _plain(intent: str, lang: str) -> Reading:
    return Reading(intent=intent, present=(), absent=(), severity=None,  # type: ignore[arg-type]
                   scale=None, worsening=False, locations=(), side=None, triage="none",
                   reasons=(), language=lang)


def _offers_answers(check_in: CheckInContext | None) -> bool:
    return check_in is not None and bool(check_in.choices or check_in.yes_means
                                         or check_in.no_means)


def _looks_like_an_answer(norm: Normalised) -> bool:
    """A bare number, or a bare yes or no (with at most a couple of words after it)."""
    words = [t for t in norm.tokens if any(c.isalnum() for c in t) and t != "emopos"]
    numbers = bool(words) and len(words) <= 2 and all(w.isdigit() for w in words)
    return numbers or intents.bare_answer(norm) is not None


def _answer(norm: Normalised, check_in: CheckInContext | None
            ) -> tuple[int | None, ChoiceMeaning | None, str | None]:
    """A numbered choice or a YES/NO answer to the check-in, read through its meanings."""
    if check_in is None or not norm.tokens:
        return None, None, None
    toks = norm.tokens
    first = toks[0]
    if check_in.choices and len(first) == 1 and first.isdigit():
        nxt = toks[1] if len(toks) > 1 else None
        n = int(first)
        others = {int(t) for t in toks[1:] if len(t) == 1 and t.isdigit()} - {n}
        if nxt not in _UNITS and n in check_in.choices and not others & set(check_in.choices):
            # Two choices at once ("1 3": fine, and worried) is no one answer: a person
            # reads it, rather than the first number winning.
            return n, check_in.choices[n], "choice"
    if check_in.yes_means is not None or check_in.no_means is not None:
        ans = intents.leading_answer(norm)
        if ans == "yes" and check_in.yes_means is not None:
            return None, check_in.yes_means, "yes"
        if ans == "no" and check_in.no_means is not None:
            return None, check_in.no_means, "no"
    return None, None, None


def _codes(findings: Iterable[Finding]) -> tuple[list[str], list[str], list[str], list[str],
                                                 list[str]]:
    present: list[str] = []
    absent: list[str] = []
    hypo: list[str] = []
    other: list[str] = []
    resolved: list[str] = []
    for f in findings:
        if f.code.startswith("!"):
            continue
        if f.status == "present" or (f.status == "resolved" and f.code in EPISODIC):
            if f.code not in present:
                present.append(f.code)
            if f.status == "resolved" and f.code not in resolved:
                resolved.append(f.code)
        elif f.status in ("negated", "resolved"):
            absent.append(f.code)
        elif f.status == "hypothetical":
            hypo.append(f.code)
        elif f.status == "other":
            other.append(f.code)
    still = {f.code for f in findings if f.status == "present"}
    resolved = [c for c in resolved if c not in still]
    absent = [c for i, c in enumerate(absent) if c not in present and c not in absent[:i]]
    return present, absent, hypo, other, resolved


def _merge(findings: list[Finding]) -> dict[str, Symptom]:
    out: dict[str, Symptom] = {}
    for f in findings:
        if f.status not in ("present", "resolved"):
            continue
        prev = out.get(f.code)
        resolved = f.status == "resolved"
        if prev is None:
            out[f.code] = Symptom(f.code, f.severity, f.worse, f.better, f.persistent,
                                  resolved, f.tags)
        else:
            out[f.code] = Symptom(
                f.code, max(prev.severity, f.severity), prev.worse or f.worse,
                prev.better or f.better, prev.persistent or f.persistent,
                prev.resolved and resolved, prev.tags | f.tags,
            )
    return out


def _intent(norm: Normalised, a: Analysis, present: list[str], absent: list[str],
            signals: set[str], phrases: set[str], question: bool, asked_only: bool,
            meaning: ChoiceMeaning | None) -> str:
    if "opt_in" in phrases and not present:
        return "opt_in"  # before opt-out: "I sent stop by mistake" asks for them back
    if "opt_out" in phrases and not present:
        return "opt_out"
    if "help" in phrases and not present:
        return "help"
    if (present and not asked_only) or (signals & _SYMPTOM_SIGNALS):
        return "symptom_report"
    if question or "call_me" in signals or present:
        return "question"
    if meaning is not None and meaning.all_clear:
        return "all_clear"
    if "all_clear" in phrases or intents.only_clear_words(norm) or absent:
        return "all_clear"
    return "other"
