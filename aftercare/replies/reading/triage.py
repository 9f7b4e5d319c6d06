"""Triage: from what was read to none / routine / review / urgent, with reasons.

Levels follow shared/eval/REPLIES.md (its urgent list is the contract) calibrated on the
labelled replies; GUIDANCE §3 URGENT-999 maps to `urgent`, and most URGENT-SAME-DAY items
(vision change or headache after foam, fever alone) to `review`, as the labels do. A present
red flag is always urgent, resolved or not: urgent recall matters more than a quiet queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LEVELS = ("none", "routine", "review", "urgent")
_RANK = {level: i for i, level in enumerate(LEVELS)}

URGENT_CODES = {
    "breathing_difficulty": "shortness of breath reported",
    "chest_pain": "chest pain or tightness reported",
    "coughing_blood": "coughing up blood reported",
    "neuro_deficit": "stroke-like signs reported (face, speech, one-sided weakness, confusion)",
}
REVIEW_CODES = {
    "lump": "lump or hard vein",
    "discoloration": "brown staining or dark marks",
    "matting": "new tiny red veins (matting)",
    "numbness": "numbness or tingling",
    "headache": "headache after treatment",
    "fever": "fever or signs of infection",
    "vision_change": "vision change after treatment",
    "skin_wound": "blister or skin wound",
    "allergic_reaction": "possible allergic reaction",
}
SIGNALS = {
    "faint": ("urgent", "fainted or collapsed"),
    "dizzy": ("review", "dizziness reported"),
    "clot": ("review", "patient mentions a clot"),
    "worried": ("review", "patient is worried"),
    "call_me": ("review", "asked for a call"),
    "cold_toes": ("review", "toes or foot cold: stocking may be too tight"),
    "pale_toes": ("review", "toes or foot pale or blue: stocking may be too tight"),
    "cold_pale_toes": ("review", "toes or foot cold and pale or blue"),
    "unwell": ("review", "feels unwell (nausea or sickness)"),
}
LOCAL = ("bruising", "swelling", "pain", "redness", "itching", "warmth")


@dataclass(frozen=True)
class Symptom:
    """Everything said about one present symptom code, merged over its mentions."""

    code: str
    severity: int = 0  # 0 not said, 1 mild, 2 moderate, 3 severe
    worse: bool = False
    better: bool = False
    persistent: bool = False
    resolved: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TriageInput:
    symptoms: dict[str, Symptom]
    signals: frozenset[str]
    scale: int | None
    temperature: float | None
    locations: tuple[str, ...]
    side: str | None
    question: bool


def _high_fever(t: float | None) -> bool:
    return t is not None and (38.5 <= t <= 43 or 101 <= t <= 108)


def assess(data: TriageInput) -> tuple[str, tuple[str, ...]]:
    found: list[tuple[str, str]] = list(_rules(data))
    if not found:
        return "none", ()
    found.sort(key=lambda lr: -_RANK[lr[0]])
    level = found[0][0]
    reasons: list[str] = []
    for _lvl, reason in found:
        if reason not in reasons:
            reasons.append(reason)
    return level, tuple(reasons)


def _rules(d: TriageInput) -> Iterable[tuple[str, str]]:
    s = d.symptoms
    for code, reason in URGENT_CODES.items():
        if code in s:
            yield "urgent", reason + (" (now resolved)" if s[code].resolved else "")
    yield from _allergy(s)
    yield from _skin(s)
    yield from _bleeding(s)
    yield from _infection(s, d.temperature)
    yield from _dvt(d)
    yield from _circulation(d)
    if "vision_change" in s and "vision_loss" in s["vision_change"].tags:
        yield "urgent", "sudden loss of vision"
    for code, reason in REVIEW_CODES.items():
        if code == "discoloration" and code in s and s[code].better and not s[code].worse:
            yield "routine", "brown marks fading"  # expected, and going (REPLIES.md)
            continue
        if code in s:
            yield "review", reason + (" (now resolved)" if s[code].resolved else "")
    yield from _local(s, d.scale)
    for signal in sorted(d.signals - {"colour"}):  # a colour alone says nothing
        level, reason = SIGNALS[signal]
        yield level, reason
    if d.question:
        yield "review", "question about care"


def _allergy(s: dict[str, Symptom]) -> Iterable[tuple[str, str]]:
    a = s.get("allergic_reaction")
    if a is None:
        return
    if "airway" in a.tags:
        yield "urgent", "throat, tongue, lips or face swelling: possible anaphylaxis"
    elif "allover" in a.tags:
        yield "urgent", "hives all over: possible anaphylaxis"
    elif "breathing_difficulty" in s:
        yield "urgent", "allergic reaction with breathing trouble"


def _skin(s: dict[str, Symptom]) -> Iterable[tuple[str, str]]:
    w = s.get("skin_wound")
    if w is not None and ({"open", "black"} & w.tags):
        yield "urgent", "open sore or skin turning black"


def _bleeding(s: dict[str, Symptom]) -> Iterable[tuple[str, str]]:
    b = s.get("bleeding")
    if b is None:
        return
    if not b.resolved and ("nonstop" in b.tags or ("ongoing" in b.tags and b.severity != 1)):
        yield "urgent", "bleeding that will not stop"
    elif b.resolved:
        yield "review", "bleeding that has stopped"
    else:
        yield "review", "bleeding reported"


def _infection(s: dict[str, Symptom], temperature: float | None) -> Iterable[tuple[str, str]]:
    if "fever" not in s or "redness" not in s:
        return
    r = s["redness"]
    if temperature is not None and not _high_fever(temperature):
        return  # a measured temperature below about 38.5 C / 101.3 F: review, not urgent
    if r.worse or "streak" in r.tags or "spreading" in r.tags or _high_fever(temperature):
        yield "urgent", "fever with spreading redness: possible infection"


def _circulation(d: TriageInput) -> Iterable[tuple[str, str]]:
    """Toes or foot cold *and* pale, white, blue, purple, grey or dusky (REPLIES.md)."""
    if "cold_pale_toes" in d.signals:
        yield "urgent", "toes or foot cold and pale or blue: possible blocked artery"
        return
    if "cold_toes" not in d.signals:
        return
    coloured = bool({"pale_toes", "colour"} & d.signals) or "discoloration" in d.symptoms or (
        "bruising" in d.symptoms and {"toes", "foot"} & set(d.locations))
    if coloured:
        yield "urgent", "toes or foot cold and pale or blue: possible blocked artery"


def _dvt(d: TriageInput) -> Iterable[tuple[str, str]]:
    s = d.symptoms
    yield from _calf_pain(d)
    sw = s.get("swelling")
    if sw is None or sw.resolved:
        return
    if "extreme" in sw.tags:
        yield "urgent", "leg badly swollen or cannot walk on it: possible DVT"
    if "asym" in sw.tags:
        yield "urgent", "one leg more swollen than the other: possible DVT"
    hot, sore, red = (s.get(c) for c in ("warmth", "pain", "redness"))
    others = [x for x in (hot, sore, red) if x is not None and not x.resolved]
    if not others:
        return
    if hot is not None and sore is not None:
        yield "urgent", "leg swollen, hot and painful: possible DVT"
        return
    if sore is not None and not sore.resolved and {"calf", "thigh"} & set(d.locations):
        # REPLIES.md: a calf or thigh with pain (cramping, throbbing) and swelling, however
        # mildly put: the patient cannot judge a clot's size.
        yield "urgent", "calf or thigh swollen and painful: possible DVT"
        return
    one_leg = bool({"calf", "thigh"} & set(d.locations)) or d.side == "one_leg" or (
        d.side in ("left", "right") and "leg" in d.locations)
    mild_only = all(x.severity == 1 or x.better for x in [sw, *others])
    if sore is not None and red is not None and not mild_only:
        yield "urgent", "leg swollen, red and painful: possible DVT"
        return
    if one_leg and (hot is not None or not mild_only):
        parts = [n for n, x in (("hot", hot), ("painful", sore), ("red", red)) if x]
        yield "urgent", f"one calf or leg swollen and {' and '.join(parts)}: possible DVT"
    elif hot is not None:
        yield ("review" if mild_only else "urgent"), "leg swollen and warm: possible DVT"
    elif red is not None and not mild_only:
        yield "review", "leg swollen and red"
    elif sore is not None and not any(x.severity == 1 or x.better for x in (sw, sore)):
        if max(sw.severity, sore.severity) >= 3:
            yield "urgent", "leg badly swollen and painful: possible DVT"
        else:
            yield "review", "leg swollen and painful"


def _calf_pain(d: TriageInput) -> Iterable[tuple[str, str]]:
    """A calf, thigh or whole leg with pain (tightness, cramping, throbbing) and warmth: two
    of the signs REPLIES.md names suffice; warmth is only read at the leg."""
    s = d.symptoms
    sore, hot = s.get("pain"), s.get("warmth")
    if sore is None or hot is None or sore.resolved or hot.resolved:
        return
    if "swelling" in s and not s["swelling"].resolved:
        return  # the swollen-leg rules below name all three
    yield "urgent", "leg painful or tight and warm: possible DVT"


def _local(s: dict[str, Symptom], scale: int | None) -> Iterable[tuple[str, str]]:
    for code in LOCAL:
        x = s.get(code)
        if x is None:
            continue
        name = code.replace("_", " ")
        if x.worse:
            yield "review", f"{name} getting worse"
        elif x.persistent:
            yield "review", f"{name} not improving"
        if code == "pain":
            if (scale is not None and scale >= 6) or x.severity >= 3:
                yield "review", f"severe pain{f' ({scale}/10)' if scale is not None else ''}"
            else:
                yield "routine", "mild pain or soreness"
        elif code in ("bruising", "swelling") and x.severity >= 2 and not x.better:
            yield "review", f"{'marked' if x.severity == 3 else 'moderate'} {name}"
        elif code == "redness" and ("streak" in x.tags or "spreading" in x.tags):
            yield "review", "red streak or spreading redness"
        elif code == "warmth" and x.severity != 1:
            yield "review", "warmth at the treated leg"
        else:
            yield "routine", f"{name}{' (improving)' if x.better else ''}"
