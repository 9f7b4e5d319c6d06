"""Scope of negation, hypotheticals, other people and resolution (a ConText-style pass).

Given tokens, the spans of concept mentions and the trigger matches, decide for each
mention whether it is negated, hypothetical, about someone else or resolved. Scope runs
forward from a pre-trigger ("no pain or swelling") or backward from a post-trigger
("swelling? no", "bruise gone") and ends at the sentence end, at a terminator ("but",
"just", "although", "pero"), or where a new clause starts ("no pain, my calf is swollen").

The same function serves patient replies and the NegEx clinical-note benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aftercare.replies.reading.patterns import Match, select_longest

SENTENCE_END = frozenset({".", "!", "?", ";", "¿"})
SEPARATORS = frozenset({",", ":", "-", "/", "(", ")", "&", "+", "=", "and", "or", "nor", "y",
                        "o", "e", "plus", "also", "then", "ni"})
LIST_JOINERS = frozenset({"and", "or", "nor", "y", "o", "e", "ni", "&", "+", "/"})
ECHO_SEPARATORS = frozenset({"?", ":", "-", "="})
ANSWER_WORDS = frozenset({"no", "nope", "none", "nah", "not", "negative", "yes", "yeah", "yep",
                          "yup", "some", "a", "little", "bit", "slight", "slightly", "mild",
                          "nada", "ninguno", "ninguna", "un", "poco", "zero", "cero", "lots",
                          "loads", "tons", "mucho", "mucha", "very", "really", "so", "only",
                          "just", "all", "gone", "better", "worse", "fine", "ok", "good"})
SUBJECTS = frozenset({"i", "it", "he", "she", "they", "we", "you", "there", "this", "that",
                      "yo", "ella", "ellos", "everything", "everythings", "both"})
COPULAS = frozenset({
    "is", "are", "was", "were", "am", "be", "been", "being", "feel", "feels", "felt",
    "feeling", "look", "looks", "looked", "looking", "seem", "seems", "seemed", "got", "get",
    "gets", "getting", "has", "have", "had", "having", "became", "become", "started",
    "starts", "went", "goes", "came", "comes", "appeared", "appears", "showed", "shows",
    "remained", "remains", "indicates", "indicated", "reveals", "revealed",
    "demonstrates", "demonstrated",
    "esta", "estan", "estoy", "es", "son", "tengo", "tiene", "tienen", "tenia", "tuve",
    "siento", "se", "veo", "hay", "sigue", "parece", "noticed", "notice", "think", "says",
})
POSSESSIVES = frozenset({"my", "the", "his", "her", "your", "our", "their", "mi", "mis", "la",
                         "el", "los", "las", "su", "sus", "tu"})
# A list item is a bare noun: "no pain, swelling or bruising". A segment that opens with a
# quantifier or says how a symptom is going is a new statement: "no swelling, a little
# bruising", "no longer swollen, bruises fading".
QUANTIFIERS = frozenset({"a", "an", "some", "mild", "slight", "slightly", "little", "bit", "few",
                         "lots", "lot", "tons", "very", "really", "just", "only", "un", "una",
                         "algo", "poco", "mucho", "mucha", "muy", "bastante", "severe", "bad",
                         "major", "minor", "moderate", "massive", "huge", "big", "small",
                         "tiny", "terrible"})
STATE_WORDS = frozenset({"fading", "faded", "better", "worse", "improving", "improved",
                         "spreading", "growing", "gone", "going", "getting", "healing",
                         "mejor", "peor", "bajando", "mejorando", "today", "now", "hoy"})
VERBAL = frozenset({"hurts", "aches", "itches", "swells", "bleeds", "burns", "stings",
                    "throbs", "duele", "duelen", "pica", "pican", "sangra", "arde", "hurt"})
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "yo", "mi", "mis", "tengo",
                          "estoy"})
REPORTING = frozenset({"says", "said", "say", "thinks", "think", "thought", "noticed",
                       "notices", "told", "tells", "asked", "saw", "sees", "mentioned",
                       "dice", "dijo", "cree", "piensa", "noto", "vio"})
THIRD_PERSON = frozenset({"her", "his", "she", "he", "they", "their", "hers", "him", "them",
                          "ella", "el", "su", "sus"})
OWN = frozenset({"my", "mi", "mis", "this", "these", "esta", "este", "estos", "estas"})
MAX_SCOPE = 24

PRE = frozenset({"neg", "resolved", "hypo", "other", "possible", "hist"})
POST = frozenset({"neg_post", "resolved_post"})


@dataclass(frozen=True)
class Sentences:
    sentence_of: tuple[int, ...]  # token index -> sentence number
    bounds: tuple[tuple[int, int], ...]  # per sentence: (start, end) token indices


def split_sentences(tokens: Sequence[str]) -> Sentences:
    """Sentences end at . ! ? ; except an echo '?' answered at once ("Bruising? Nope")."""
    sentence_of: list[int] = []
    bounds: list[tuple[int, int]] = []
    start = 0
    n = len(tokens)
    for i, tok in enumerate(tokens):
        sentence_of.append(len(bounds))
        is_end = tok in SENTENCE_END
        if tok == "?" and i + 1 < n and tokens[i + 1] in ANSWER_WORDS:
            is_end = False  # "swelling? no" / "hinchazon? un poco"
        if tok == "¿":
            if i > start:
                bounds.append((start, i))
                sentence_of[-1] = len(bounds)
            start = i
            continue
        if is_end:
            bounds.append((start, i + 1))
            start = i + 1
    if start < n:
        bounds.append((start, n))
    return Sentences(tuple(sentence_of), tuple(bounds))


def _new_clause(seg: Sequence[str], loose: bool) -> bool:
    """Does this segment (after a comma or 'and') start a clause of its own?"""
    if not seg:
        return False
    first = seg[0]
    if first in SUBJECTS or any(t in STATE_WORDS for t in seg):
        return True
    has_verb = any(t in COPULAS or t in VERBAL for t in seg)
    if first in POSSESSIVES and has_verb:
        return True
    if loose:
        return False
    return any(t in COPULAS or t in QUANTIFIERS for t in seg) or first in VERBAL


# Words that end a scope ("just", "but"): a segment looked at for a new clause ends there too.
TERMINATORS = frozenset({"but", "just", "only", "though", "although", "however", "except",
                         "pero", "solo", "aunque", "sino"})


def _segment_after(tokens: Sequence[str], i: int, end: int) -> list[str]:
    seg: list[str] = []
    for j in range(i, end):
        if tokens[j] in SEPARATORS or tokens[j] in SENTENCE_END or tokens[j] in TERMINATORS:
            break
        seg.append(tokens[j])
    return seg


def forward_scope(tokens: Sequence[str], trig: Match, sent_end: int, stops: set[int],
                  other_starts: dict[int, str]) -> tuple[int, int]:
    loose = trig.label != "neg" or "det" not in trig.tags
    j = trig.end
    limit = min(sent_end, trig.end + MAX_SCOPE)
    while j < limit:
        tok = tokens[j]
        if j in stops:
            break
        if j in other_starts and other_starts[j] != trig.label:
            break
        if "nomy" in trig.tags and tok in OWN:
            break  # "could the foam cause my chest pain?": the pain is the patient's
        if trig.label == "other" and (tok in FIRST_PERSON or (
                tok in REPORTING and not _third_person_follows(tokens, j + 1, limit))):
            break
        if tok == ":" and j > trig.end:
            break  # a heading or a new field: "Measurements not obtainable: DIAGNOSIS: ..."
        if tok in SEPARATORS and j > trig.end and _new_clause(
                _segment_after(tokens, j + 1, limit), loose):
            break
        j += 1
    return trig.start + 1, j


def _third_person_follows(tokens: Sequence[str], i: int, end: int) -> bool:
    """'my friend said her leg swelled': the report is still about the friend."""
    if i < end and tokens[i] in {"that", "que"}:
        i += 1
    return i < end and tokens[i] in THIRD_PERSON


def backward_scope(tokens: Sequence[str], trig: Match, sent_start: int, stops: set[int],
                   mention_at: set[int]) -> tuple[int, int]:
    answer = "answer" in trig.tags
    j = trig.start - 1
    collected = False
    while j >= sent_start:
        tok = tokens[j]
        if j in stops:
            break
        if tok in SEPARATORS or tok in ECHO_SEPARATORS:
            if not collected and _new_clause(list(tokens[j + 1:trig.start]), loose=True):
                break  # "swollen and the right one is fine": "fine" is the right leg's
            if collected:
                if answer or tok not in LIST_JOINERS:
                    break
                left = _segment_before(tokens, j - 1, sent_start)
                if _new_clause(left, loose=False) or any(t in ANSWER_WORDS for t in left):
                    break
        elif j in mention_at:
            collected = True
        elif answer and collected and tok in ANSWER_WORDS:
            break  # "bruising yes swelling a little pain no": the "no" answers pain only
        j -= 1
    return j + 1, trig.start


def _segment_before(tokens: Sequence[str], i: int, start: int) -> list[str]:
    seg: list[str] = []
    while i >= start and tokens[i] not in SEPARATORS and tokens[i] not in SENTENCE_END:
        seg.append(tokens[i])
        i -= 1
    seg.reverse()
    return seg


def select_triggers(raw: Sequence[Match], mentions: Sequence[tuple[int, int]]) -> list[Match]:
    """Non-overlapping triggers, longest first, after dropping any that straddle the start
    of a mention: in "no change in vision" the target starts at "change", so the pseudo
    trigger "no change" cannot stand and plain "no" negates it."""
    starts = [s for s, _ in mentions]
    kept = [t for t in raw if not any(t.start < s < t.end for s in starts)]
    return select_longest(kept)


def _first_bare_separator(tokens: Sequence[str], trig: Match, end: int,
                          mention_at: set[int]) -> int:
    """Where a negation's scope crosses a clause boundary before it has reached any mention:
    "not feeling great, short of breath", "no energy and out of breath". What follows is
    read as a new statement for guarded (red-flag) mentions; "no chest pain, cough or
    shortness of breath" still negates the whole list, since its first item is a mention."""
    for j in range(trig.end, end):
        if j in mention_at:
            return end
        if tokens[j] in SEPARATORS:
            return j
    return end


def assign(
    tokens: Sequence[str],
    mentions: Sequence[tuple[int, int]],
    triggers: Sequence[Match],
    guarded: frozenset[int] = frozenset(),
) -> list[frozenset[str]]:
    """For each mention span, the context labels that reach it (empty: plainly affirmed).

    `guarded` mentions (by index) are only negated from across a comma or "and" when the
    negation has already reached a mention before it (a list), never by a leak."""
    sentences = split_sentences(tokens)
    covered = {i for s, e in mentions for i in range(s, e)}
    # a trigger that starts inside a mention is part of it ("can not breathe", "sin aliento")
    live = [t for t in triggers if t.start not in covered and t.label != "pseudo"]
    stops = {t.start for t in live if t.label == "term"}
    other_starts = {t.start: t.label for t in live if t.label in PRE}
    mention_at = {s for s, _ in mentions}
    result: list[set[str]] = [set() for _ in mentions]
    for trig in live:
        if trig.label == "term":
            continue
        s_start, s_end = sentences.bounds[sentences.sentence_of[trig.start]]
        scopes: list[tuple[int, int]] = []
        if trig.label in PRE:
            scopes.append(forward_scope(tokens, trig, s_end, stops, other_starts))
        if trig.label in POST or "bidir" in trig.tags:
            scopes.append(backward_scope(tokens, trig, s_start, stops, mention_at))
        label = trig.label.removesuffix("_post")
        bare = len(tokens)
        if guarded and trig.label == "neg" and scopes:
            bare = _first_bare_separator(tokens, trig, scopes[0][1], mention_at)
        for k, (ms, _me) in enumerate(mentions):
            if k in guarded and ms > bare:
                continue
            hits = [a <= ms < b for a, b in scopes]
            if "bidir" in trig.tags and len(scopes) == 2:
                fwd = any(a <= m < b for m, _ in mentions for a, b in scopes[:1])
                hits = hits[:1] if fwd else hits[1:]
            if any(hits):
                result[k].add(label)
    return [frozenset(r) for r in result]
