"""The reader's vocabulary: words it knows (never "corrected") and symptom words typos map to."""

from __future__ import annotations

import re

from aftercare.replies.reading.lexicon import _CONCEPTS, LOCATIONS, MACROS
from aftercare.replies.reading.normalise import EXPANSIONS
from aftercare.replies.reading.spelling import Corrector
from aftercare.replies.reading.spelling_blocklist import BLOCKLIST
from aftercare.replies.reading.triggers import _MODIFIERS, _TRIGGERS

_WORD_RE = re.compile(r"[a-z][a-z']*")

COMMON_WORDS = frozenset([
    "a", "about", "after", "again", "all", "almost", "also", "am", "an", "and", "any", "anything",
    "are", "around", "as", "at", "away", "back", "be", "because", "been", "before", "being",
    "better", "both", "but", "by", "came", "can", "come", "could", "day", "days", "did", "do",
    "does", "doing", "done", "down", "each", "even", "evening", "ever", "every", "everything",
    "feel", "feeling", "felt", "few", "fine", "for", "from", "get", "gets", "getting", "go",
    "going", "good", "got", "great", "had", "has", "have", "having", "he", "her", "here", "hi",
    "him", "his", "how", "i", "if", "in", "into", "is", "it", "just", "keep", "know", "last",
    "least", "leg", "legs", "less", "like", "little", "look", "looks", "lot", "made", "make",
    "many", "may", "me", "might", "more", "morning", "most", "much", "my", "myself", "need",
    "needed", "new", "next", "night", "no", "nor", "not", "now", "of", "off", "ok", "on", "once",
    "one", "only", "or", "other", "our", "out", "over", "please", "pretty", "put", "quite",
    "really", "right", "said", "same", "saw", "say", "see", "seem", "seems", "she", "should",
    "since", "so", "some", "something", "still", "such", "sure", "take", "than", "thank",
    "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "thing", "things",
    "think", "this", "those", "though", "time", "to", "today", "told", "tomorrow", "too", "took",
    "up", "us", "very", "walk", "walked", "walking", "want", "was", "way", "we", "week", "weeks",
    "well", "went", "were", "what", "when", "where", "which", "while", "who", "why", "will",
    "with", "without", "would", "yes", "yesterday", "yet", "you", "your", "hello", "hey", "dear",
    "nurse", "doctor", "clinic", "stockings", "stocking", "compression", "shower", "fly",
    "flight", "sock", "socks", "bandage", "work", "exercise", "gym", "run", "running", "swim",
    "swimming", "bath", "drive", "driving", "normal", "expected", "appointment", "follow", "told",
    "advice", "okay", "alright", "alot", "abit", "kinda", "sorta", "hope", "message", "messages",
    "text", "texts", "texting", "reply", "stop", "start", "help", "info", "cancel", "quit", "end",
    "unsubscribe", "worried", "question", "questions", "treatment", "procedure", "injection",
    "injections", "sclerotherapy", "foam", "vein", "veins", "spot", "spots", "marks", "mark",
    "area", "skin", "inner", "outer", "upper", "lower", "side", "left", "right", "both", "each",
    "gracias", "hola", "bien", "mal", "muy", "poco", "mucho", "todo", "todos", "nada", "pero",
    "como", "cuando", "donde", "porque", "que", "el", "la", "los", "las", "un", "una", "unos",
    "unas", "de", "del", "en", "con", "sin", "por", "para", "mi", "mis", "me", "yo", "tu", "su",
    "es", "esta", "estoy", "estan", "tengo", "tiene", "hay", "ya", "no", "si", "mas", "menos",
    "hoy", "ayer", "manana", "noche", "dia", "dias", "semana", "pierna", "piernas", "puedo",
    "debo", "hacer", "ejercicio", "caminar", "ducha", "medias", "vendaje", "cita", "doctora",
    "enfermera", "pregunta",
])


_MACRO_REF_RE = re.compile(r"@[a-z_]+")


def _words(spec: str) -> set[str]:
    return set(_WORD_RE.findall(_MACRO_REF_RE.sub(" ", spec)))


def _collect(table: dict[str, list[str | tuple[str, str]]]) -> set[str]:
    words: set[str] = set()
    for items in table.values():
        for item in items:
            spec = item if isinstance(item, str) else item[0]
            words |= _words(spec)
    return words


_MACRO_WORDS = {w for spec in MACROS.values() for w in _words(spec)}
SYMPTOM_WORDS = frozenset(_collect(_CONCEPTS) | _MACRO_WORDS | set(LOCATIONS))
KNOWN = frozenset(
    SYMPTOM_WORDS | _collect(_TRIGGERS) | _collect(_MODIFIERS) | COMMON_WORDS
    | {w for v in EXPANSIONS.values() for w in v.split()} | set(EXPANSIONS) | {"emopos"}
)
# Typos are repaired towards symptom and body words only, never towards function words.
TARGETS = frozenset(w for w in SYMPTOM_WORDS if len(w) >= 4 and w.isalpha())


def is_known(word: str) -> bool:
    return word in KNOWN


# Words that name a symptom or a body part, not the function words symptom phrases share.
TELLING = frozenset(SYMPTOM_WORDS - COMMON_WORDS)


def is_symptom_word(word: str) -> bool:
    return word in TELLING


def make_corrector() -> Corrector:
    return Corrector(TARGETS, BLOCKLIST | (KNOWN - TARGETS), known=is_known)
