"""What an aftercare SMS may contain: GSM-7 only, one segment, no procedure or diagnosis words.

Why each rule (GUIDANCE.md §4):
- GSM-7: one character outside it switches the whole message to UCS-2, 70 characters a
  segment, so a 150-character text silently becomes three billed parts.
- 160 septets: one segment, so the message arrives whole and costs one send.
- Privacy: an SMS shows on a lock screen and may be read by others, so it names no
  procedure or diagnosis (minimum necessary). Details go by email, which this rule skips.
"""

from __future__ import annotations

import re
import unicodedata

SMS_MAX_SEPTETS = 160

# 3GPP TS 23.038 default alphabet (0x1B, the escape to the extension table, left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each character costs an escape plus itself, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Word stems matched on accent-folded, lower-cased text with word boundaries, so "várices"
# and "varices" both hit while "convenient" or "inventory" do not. English and Spanish.
_PRIVACY_PATTERNS: tuple[str, ...] = (
    # procedures and their parts
    r"sclero\w*", r"escleros\w*", r"escleroterapia", r"foam(ed|ing)?", r"espumas?",
    r"ablations?", r"ablacion(es)?", r"evl[at]", r"rfa", r"lasers?", r"radiofrequency",
    r"radiofrecuencia", r"injections?", r"inject(ed|ing)?", r"inyeccion(es)?",
    r"inyectad[oa]s?", r"duplex", r"polidocanol", r"asclera", r"varithena", r"sotradecol",
    # the veins themselves
    r"veins?", r"venas?", r"venitas?", r"venillas?", r"venos[oa]s?", r"venous",
    r"varicose", r"varicos[oa]s?", r"varicosities", r"varices", r"variz",
    r"aranas? vasculares?", r"telangiectas\w*",
    # diagnoses and complications
    r"thrombos[ie]s", r"thrombus", r"trombos[ie]s", r"dvt", r"tvp", r"clots?",
    r"coagulos?", r"ulcers?", r"ulceras?", r"phlebitis", r"flebitis", r"embolism",
    r"embolia", r"strokes?", r"ictus",
)
_PRIVACY_RE = re.compile(r"\b(?:" + "|".join(_PRIVACY_PATTERNS) + r")\b")


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def non_gsm7_chars(text: str) -> list[str]:
    """The characters outside GSM-7, each once, in order of appearance."""
    return list(dict.fromkeys(c for c in text if not is_gsm7(c)))


def septet_count(text: str) -> int:
    """Length in GSM-7 septets: extension characters count 2, everything else 1."""
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def privacy_words(text: str) -> list[str]:
    """Procedure or diagnosis words in `text` (lower-cased, accents dropped), each once."""
    return list(dict.fromkeys(m.group(0) for m in _PRIVACY_RE.finditer(_fold(text))))


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def sms_problems(text_filled: str) -> list[str]:
    """Every rule an SMS (placeholders already filled) breaks, as readable sentences."""
    problems: list[str] = []
    bad = non_gsm7_chars(text_filled)
    if bad:
        problems.append("not in the GSM-7 SMS alphabet: " + ", ".join(map(_describe, bad)))
    septets = septet_count(text_filled)
    if septets > SMS_MAX_SEPTETS:
        problems.append(
            f"{septets} characters after filling placeholders, over the {SMS_MAX_SEPTETS} "
            "of one SMS (extension characters such as [ ] { } ~ ^ | € count 2)"
        )
    words = privacy_words(text_filled)
    if words:
        problems.append(
            "names the procedure or a diagnosis, which an SMS must not (put it in the email): "
            + ", ".join(repr(w) for w in words)
        )
    return problems


_FALLBACK = str.maketrans({
    "á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U",
    "ê": "e", "ë": "e", "â": "a", "ã": "a", "õ": "o", "ô": "o", "ç": "c", "ï": "i",
    "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ",
})


def to_gsm7(text: str) -> str:
    """Replace common non-GSM-7 characters (a patient's "Ramón", curly quotes) with
    look-alikes, so a filled-in name does not turn a one-segment SMS into three."""
    # ASCII has nothing to replace, and translate() with a dict looks up every character.
    return text if text.isascii() else text.translate(_FALLBACK)
