"""One pass over a normalised reply: symptom findings with context, modifiers and numbers.

The lexicon finds concept mentions, the context pass (context.py) says whether each one is
negated, hypothetical, about someone else or resolved, and modifiers (how bad, getting
worse or better, bleeding that won't stop) attach to the mentions of their clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from aftercare.replies.reading import context
from aftercare.replies.reading.lexicon import LOCATIONS, MACROS, SIDE_PHRASES, concept_entries
from aftercare.replies.reading.normalise import Normalised
from aftercare.replies.reading.patterns import Match, PatternSet, select_longest
from aftercare.replies.reading.triggers import modifier_entries, trigger_entries

CONCEPTS = PatternSet(concept_entries(), MACROS)
TRIGGERS = PatternSet(trigger_entries(), MACROS)
MODIFIERS = PatternSet(modifier_entries(), MACROS)
SIDES = PatternSet(((label, spec, frozenset()) for label, spec in SIDE_PHRASES), MACROS)

SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
# Red flags: a negation reaches them across a clause boundary only as part of a list.
GUARDED = frozenset({"breathing_difficulty", "chest_pain", "coughing_blood", "neuro_deficit",
                     "allergic_reaction", "!faint"})
LEG_WORDS = frozenset(w for w, loc in LOCATIONS.items() if loc not in {"arm", "hand", "face",
                                                                       "chest",
                                                                       "injection_site"})
_PLACE_PREPS = frozenset({"on", "in", "at", "around", "near", "along", "down", "across", "over",
                          "under", "behind", "of", "inside", "en", "de", "del"})
_PLACE_FILLERS = frozenset({"my", "the", "her", "his", "mi", "la", "el", "los", "las", "left",
                            "right", "lower", "upper", "inner", "outer", "back", "front", "both"})
QUALIFIER_CODES = {
    "q:nonstop": {"bleeding"}, "q:ongoing": {"bleeding"}, "q:extreme": {"swelling"},
    "q:asym": {"swelling"},
    "q:open": {"skin_wound"},
    "q:black": {"skin_wound"}, "q:spreading": {"redness", "allergic_reaction", "skin_wound"},
}
INTERROGATIVES = frozenset({
    "can", "could", "should", "is", "are", "am", "do", "does", "did", "will", "would", "when",
    "what", "how", "why", "where", "who", "which", "may", "shall", "puedo", "debo", "cuando",
    "como", "que", "cual", "cuanto", "cuantos", "donde", "por", "pueden", "puede", "es",
    "deberia", "tengo", "any", "anything", "whats", "hows",
})
WH_WORDS = frozenset({"when", "what", "how", "why", "where", "which", "who", "cuando",
                      "cuanto", "donde", "cual", "whats", "hows"})
# "doesn't itch as much": less, not gone
_LESS_AFTER = (("as", "much"), ("as", "bad"), ("as", "often"), ("so", "much"), ("that", "much"),
               ("as", "badly"), ("tanto",))
_SCALE_RE = re.compile(r" (\d{1,2}) (?:/|out of|de|over|of) 10 ")
_SCALE_WORD_RE = re.compile(
    r" (?:pain|dolor|hurts|level|score|rating|rate it|it is a|its a|about a|like a|como un"
    r"|como una|como en)"
    r"(?: (?:is|was|at|of|about|around|like|a|es|de|level|score|now|today|maybe))* "
    r"(\d{1,2}) (?!(?:days?|hours?|weeks?|minutes?|mins?|am|pm|dias|horas|semanas|times|x) )"
)
_TEMP_RE = re.compile(
    r" (?:fever|fevers|temp|temperature|fiebre|temperatura|calentura|febrile)"
    r"(?: (?:[a-z]+|[,:=]|is|was)){0,3} (\d{2,3}(?:[.,]\d)?)(?:[a-z]*) "
)


@dataclass(frozen=True)
class Finding:
    code: str  # a symptom code, or "!signal" (fainting, a clot mentioned...)
    status: str  # present | negated | hypothetical | other | resolved
    start: int
    end: int
    tags: frozenset[str]
    severity: int = 0  # 0 not said, 1 mild, 2 moderate, 3 severe
    worse: bool = False
    better: bool = False
    persistent: bool = False
    asked: bool = False  # mentioned inside a question ("is it normal to have bruising?")


@dataclass(frozen=True)
class Analysis:
    tokens: tuple[str, ...]
    findings: tuple[Finding, ...]
    scale: int | None
    temperature: float | None
    locations: tuple[str, ...]
    side: str | None
    question_sentences: int
    sentences: context.Sentences


def _status(labels: frozenset[str]) -> str:
    for label, status in (("other", "other"), ("hypo", "hypothetical"), ("neg", "negated"),
                          ("hist", "historical"), ("resolved", "resolved")):
        if label in labels:
            return status
    return "present"


def _segments(tokens: tuple[str, ...]) -> list[int]:
    seg, out = 0, []
    for tok in tokens:
        if tok in context.SEPARATORS or tok in context.SENTENCE_END:
            seg += 1
        out.append(seg)
    return out


def _question_sentences(tokens: tuple[str, ...], sents: context.Sentences) -> set[int]:
    asked: set[int] = set()
    for k, (s, e) in enumerate(sents.bounds):
        words = [t for t in tokens[s:e] if t not in {",", "¿", "emopos", "so", "and", "but",
                                                      "also", "y", "pero", "ok", "hi", "hola"}]
        if not words:
            continue
        if "?" in tokens[s:e] or "¿" in tokens[s:e]:
            # "Swelling? a little" echoes a question, it does not ask one
            if words[0] in INTERROGATIVES or tokens[e - 1] == "?" and not _echo(tokens, s, e):
                asked.add(k)
        elif (len(words) > 2 and (words[0] in WH_WORDS or (
                words[0] in INTERROGATIVES and words[1] in {"i", "you", "it", "we", "my", "the",
                                                            "this", "that", "there", "someone",
                                                            "somebody", "he", "she", "yo"}))
              ) or _asks_after_comma(tokens[s:e]):
            asked.add(k)
    return asked


_AUX = frozenset({"can", "could", "should", "is", "are", "do", "does", "did", "will", "would",
                  "may", "am"})
_ASKED_SUBJECTS = frozenset({"i", "you", "it", "that", "this", "there", "we", "my", "these"})


def _asks_after_comma(sent: tuple[str, ...]) -> bool:
    """'sister in law got DVT, does that mean i'm at risk': a question with no '?'."""
    for i, tok in enumerate(sent[:-2]):
        if tok == "," and sent[i + 1] in _AUX and sent[i + 2] in _ASKED_SUBJECTS:
            return True
    return False


def _echo(tokens: tuple[str, ...], s: int, e: int) -> bool:
    """'Bruising?' alone as a sentence: an echo of the check-in, not a question."""
    words = [t for t in tokens[s:e] if t not in {"?", "¿"}]
    return len(words) <= 2 and e < len(tokens)


def _asked_mention(tokens: tuple[str, ...], start: int, sent: tuple[int, int]) -> bool:
    s, _e = sent
    words = [t for t in tokens[s:start] if t not in {"¿", ","}]
    if words and words[0] in INTERROGATIVES:
        return True
    # the clause holding the mention starts with an interrogative ("..., is it normal?")
    j = start - 1
    while j >= s and tokens[j] not in context.SEPARATORS:
        j -= 1
    return j + 1 < start and tokens[j + 1] in INTERROGATIVES and tokens[j + 1] != "any"


def analyse(norm: Normalised) -> Analysis:
    tokens = norm.tokens
    raw = _drop_attached_places(CONCEPTS.find(norm.text, tokens, norm.offsets), tokens)
    concept_matches = select_longest(raw)
    concept_matches = [m for m in concept_matches if m.label != "-"]
    spans = [(m.start, m.end) for m in concept_matches]
    triggers = context.select_triggers(TRIGGERS.find(norm.text, tokens, norm.offsets), spans)
    guarded = frozenset(k for k, m in enumerate(concept_matches) if m.label in GUARDED)
    labels = context.assign(tokens, spans, triggers, guarded)
    sents = context.split_sentences(tokens)
    asked_sents = _question_sentences(tokens, sents)
    segs = _segments(tokens)
    all_modifiers = MODIFIERS.find(norm.text, tokens, norm.offsets)
    modifiers = select_longest(all_modifiers)
    qualifiers = [m for m in all_modifiers if m.label.startswith("q:") and not (
        # "no para de picar" is about the itch; "no para de sangrar" / "no para" stay
        m.label == "q:nonstop" and m.end + 1 < len(tokens) and tokens[m.end] == "de"
        and tokens[m.end + 1] != "sangrar")]
    findings = []
    for m, lab in zip(concept_matches, labels, strict=True):
        if m.label == "~":
            continue  # a symptom word with no code: it only shapes negation lists
        sent_no = sents.sentence_of[m.start]
        asked = sent_no in asked_sents and _asked_mention(tokens, m.start, sents.bounds[sent_no])
        status = _status(lab)
        if m.label == "!worried" and status == "other":
            status = "present"  # the one texting is the one worried: "my sister had one, scared"
        if status == "historical" and m.label in GUARDED:
            status = "present"  # "chest pain like I had years ago": escalate, do not file away
        finding = _with_modifiers(m, status, modifiers, qualifiers, concept_matches, segs, sents,
                                  asked)
        if status == "negated" and any(tuple(tokens[m.end:m.end + len(p)]) == p
                                       for p in _LESS_AFTER):
            finding = replace(finding, status="present", better=True)
        findings.append(finding)
    scale = _scale(norm.text)
    temperature = _temperature(norm.text)
    present_sents = {sents.sentence_of[f.start] for f in findings if f.status == "present"
                     and not f.code.startswith("!")}
    locations: list[str] = []
    for i, tok in enumerate(tokens):
        loc = LOCATIONS.get(tok)
        if loc and sents.sentence_of[i] in present_sents and loc not in locations:
            locations.append(loc)
    side = _side(norm) if present_sents else None
    return Analysis(tokens, tuple(findings), scale, temperature, tuple(locations), side,
                    len(asked_sents), sents)


def _drop_attached_places(raw: list[Match], tokens: tuple[str, ...]) -> list[Match]:
    """'the bruise on my leg is huge': the leg names where the bruise is; what is huge is the
    bruise, so a swelling reading that starts at that leg word is dropped."""
    ends = {m.end for m in raw if m.label != "-" and not m.label.startswith("!")}
    if not ends:
        return raw
    keep: list[Match] = []
    for m in raw:
        if m.label == "swelling" and tokens[m.start] in LEG_WORDS:
            i = m.start - 1
            while i >= 0 and tokens[i] in _PLACE_FILLERS:
                i -= 1
            if i >= 0 and tokens[i] in _PLACE_PREPS and i in ends:
                continue
        keep.append(m)
    return keep


def _with_modifiers(m: Match, status: str, modifiers: list[Match], qualifiers: list[Match],
                    concepts: list[Match], segs: list[int], sents: context.Sentences,
                    asked: bool) -> Finding:
    severity = 0
    worse = better = persistent = False
    tags = set(m.tags)
    my_seg = segs[m.start]
    sent = sents.sentence_of[m.start]
    seg_has_concept = {segs[c.start] for c in concepts}
    for mod in modifiers:
        if sents.sentence_of[mod.start] != sent:
            continue
        mseg = segs[mod.start]
        # a modifier with no concept in its own clause belongs to the nearest one before
        if mseg != my_seg and (mseg in seg_has_concept
                               or not _nearest_before(m, mod, concepts, segs)):
            continue
        if mod.label in SEVERITY_RANK:
            severity = max(severity, SEVERITY_RANK[mod.label])
        elif mod.label == "worse":
            worse = True
        elif mod.label == "better":
            better = True
        elif mod.label == "persistent":
            persistent = True
    for q in qualifiers:
        if sents.sentence_of[q.start] == sent and m.label in QUALIFIER_CODES.get(q.label, ()):
            tags.add(q.label[2:])
    if "spreading" in tags or "extreme" in tags:
        worse = worse or "spreading" in tags
    return Finding(m.label, status, m.start, m.end, frozenset(tags), severity, worse, better,
                   persistent, asked)


def _nearest_before(m: Match, mod: Match, concepts: list[Match], segs: list[int]) -> bool:
    """Is `m` the closest concept mention before (or else after) the modifier?"""
    before = [c for c in concepts if c.end <= mod.start]
    if before:
        nearest = max(before, key=lambda c: c.start)
        return segs[nearest.start] == segs[m.start]
    after = [c for c in concepts if c.start >= mod.end]
    return bool(after) and segs[min(after, key=lambda c: c.start).start] == segs[m.start]


def _scale(text: str) -> int | None:
    for rx in (_SCALE_RE, _SCALE_WORD_RE):
        m = rx.search(text)
        if m and 0 <= int(m.group(1)) <= 10:
            return int(m.group(1))
    return None


def _temperature(text: str) -> float | None:
    m = _TEMP_RE.search(text)
    if not m:
        return None
    value = float(m.group(1).replace(",", "."))
    return value if 35 <= value <= 43 or 95 <= value <= 108 else None


def _side(norm: Normalised) -> str | None:
    found = {m.label for m in SIDES.find(norm.text, norm.tokens, norm.offsets)}
    if "both" in found or {"left", "right"} <= found:
        return "both"
    for side in ("one_leg", "left", "right"):
        if side in found:
            return side
    return None
