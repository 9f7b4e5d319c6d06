"""Text to tokens: lower case, apostrophes, emoji, accents, contractions, stretched letters.

Patients type fast: "cant", "dont", "sooo swollen", "hinchazón", "😢". Everything the lexicon
and the context rules match is normalised here first, once per reply, so that the rest of
the reader works on clean tokens: one space between tokens, punctuation as its own token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

POSITIVE_EMOJI = "👍👌😊🙂😀😃😄😁☺💪✅🥰😍🙏👏🎉💯✔😎🤗❤💚💙💜🧡💛♥"
NEGATIVE_EMOJI = "😢😭😞😟😔😩😫🤕😣😖😰😨😱☹🙁😬😧😥🤒🥵🥶"

_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ´`′"})
_DASHES = str.maketrans({c: "-" for c in "–—―‐‑−"})
_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)?[a-z]*"  # numbers: 8, 38.5, 2x, 103f
    r"|[a-z]+(?:'[a-z]+)*'?"  # words, with inner apostrophes (don't, mom's)
    r"|[?!.,;:/()&+=¿\-]"  # punctuation that matters for clauses
)
_STRETCH_RE = re.compile(r"([a-z])\1{2,}")
_INTRA_HYPHEN_RE = re.compile(r"(?<=[a-z])-(?=[a-z])")
_SI_YES_RE = re.compile(r"(?<![a-záéíóúñ])sí(?![a-záéíóúñ])")

# One token to several: contractions with and without the apostrophe, SMS shorthand.
EXPANSIONS: dict[str, str] = {
    "can't": "can not", "cant": "can not", "cannot": "can not", "cnt": "can not",
    "won't": "will not", "wont": "will not", "ain't": "is not", "aint": "is not",
    "i'm": "i am", "im": "i am", "i've": "i have", "ive": "i have", "i'd": "i would",
    "i'll": "i will", "it's": "it is", "its": "it is", "there's": "there is",
    "theres": "there is", "that's": "that is", "thats": "that is", "what's": "what is",
    "whats": "what is", "he's": "he is", "she's": "she is", "you're": "you are",
    "they're": "they are", "we're": "we are", "let's": "let us", "how's": "how is",
    "dosent": "does not", "dosnt": "does not", "doesent": "does not", "doesnt": "does not",
    "dont": "do not", "didnt": "did not", "didint": "did not", "dident": "did not",
    "isnt": "is not", "wasnt": "was not", "arent": "are not", "werent": "were not",
    "havent": "have not", "havnt": "have not", "hasnt": "has not", "hadnt": "had not",
    "wouldnt": "would not", "couldnt": "could not", "shouldnt": "should not",
    "w/o": "without", "pls": "please", "plz": "please", "thx": "thanks",
    "thnx": "thanks", "thanx": "thanks", "ty": "thanks", "tysm": "thanks", "u": "you",
    "ur": "your", "b4": "before", "abt": "about", "bc": "because",
    "cuz": "because", "coz": "because", "idk": "i do not know", "lil": "little",
    "rn": "right now", "tmrw": "tomorrow", "tmr": "tomorrow", "2day": "today",
    "tonite": "tonight", "hrs": "hours", "mins": "minutes", "lol": "", "omg": "",
    "q": "que", "xq": "porque", "porq": "porque", "tb": "tambien", "tmb": "tambien",
    "k": "ok", "kk": "ok", "okay": "ok", "okey": "ok", "oki": "ok", "okk": "ok",
    "yea": "yeah", "ya'll": "you all", "gonna": "going to", "wanna": "want to",
    "cos": "because", "nope": "nope", "nah": "nah", "sob": "short of breath",
}


@dataclass(frozen=True)
class Normalised:
    tokens: tuple[str, ...]
    text: str  # " " + " ".join(tokens) + " ", what phrase patterns run on
    offsets: tuple[int, ...]  # where each token starts in `text`
    question: bool  # a "?" or "¿" was typed
    emoji_positive: int
    emoji_negative: int
    accented: bool  # Spanish letters or punctuation seen (a language clue)


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _unstretch(token: str, known: Callable[[str], bool]) -> str:
    """'sooo' -> 'so', 'swollllen' -> 'swollen', 'goood' -> 'good'."""
    if not _STRETCH_RE.search(token):
        return token
    double = _STRETCH_RE.sub(r"\1\1", token)
    if known(double):
        return double
    single = _STRETCH_RE.sub(r"\1", token)
    return single if known(single) else double


def _spanish_yes(tokens: list[str]) -> None:
    """'si' without its accent opening a statement is 'sí' (yes): "si me duele" = it does.

    In a question it is 'if': "¿y si se hincha?", "si me duele el pecho, voy?".
    """
    start = 0
    for i in range(len(tokens) + 1):
        if i == len(tokens) or tokens[i] in {".", "!", "?", ";", "¿"}:
            asked = i < len(tokens) and tokens[i] == "?" or (start > 0 and tokens[start - 1]
                                                             == "¿")
            j = start + (1 if start < len(tokens) and tokens[start] == "¿" else 0)
            if j < i and tokens[j] == "si" and (not asked or (j + 1 < i and tokens[j + 1] ==
                                                              ",")):
                tokens[j] = "yes"
            start = i + 1


# "know chest pain know swelling": a sound-alike "no" opens a clause; the verb never does
# without a subject before it, except before what is known ("know what", "know if").
_KNOW_OBJECTS = frozenset({"what", "if", "how", "that", "why", "when", "where", "whether",
                           "who", "about", "it", "this", "you", "the", "your", "anything",
                           "much", "more", "!", "?", "."})


_KNOWERS = frozenset({"i", "you", "u", "ya", "we", "they", "he", "she", "to", "not", "do",
                      "does", "did", "me", "let", "who", "would", "will", "can", "could",
                      "might", "may", "should", "must", "people", "everyone", "anyone",
                      "nobody", "somebody", "already", "also",
                      "just", "really", "all", "yall", "guys"})


def _know_as_no(tokens: list[str]) -> None:
    for i, tok in enumerate(tokens):
        if tok == "know" and (i == 0 or tokens[i - 1] not in _KNOWERS) \
                and i + 1 < len(tokens) and tokens[i + 1] not in _KNOW_OBJECTS:
            tokens[i] = "no"


# A split must never invent a negation ("nosebleed" is not "no se bleed").
_NEVER_SPLIT_OUT = frozenset({"no", "not", "nor", "ni", "sin", "never", "nada", "none", "se"})


def split_run_together(word: str, known: Callable[[str], bool]) -> list[str] | None:
    """'calfhotandswollen' -> calf hot and swollen: an unknown word that is several known
    ones typed without spaces (fewest pieces; a one-letter piece only 'i' or 'a')."""
    n = len(word)
    if n < 7 or n > 40 or not word.isalpha():
        return None
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 16), end):
            before, piece = best[start], word[start:end]
            if before is None or not known(piece) or (len(piece) == 1 and piece not in "ia") \
                    or piece in _NEVER_SPLIT_OUT:
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or ()):
                best[end] = [*before, piece]
    found = best[n]
    return found if found is not None and 2 <= len(found) <= 6 else None


def normalise(
    raw: str,
    *,
    known: Callable[[str], bool],
    correct: Callable[[str], str],
    telling: Callable[[str], bool] = lambda word: False,
) -> Normalised:
    """`known` says whether a word is in the reader's vocabulary; `correct` fixes typos."""
    text = unicodedata.normalize("NFKC", raw).lower()
    text = text.translate(_APOSTROPHES).translate(_DASHES)
    accented = any(c in text for c in "áéíóúñ¿¡")
    question = "?" in text or "¿" in text
    pos = sum(text.count(e) for e in POSITIVE_EMOJI)
    neg = sum(text.count(e) for e in NEGATIVE_EMOJI)
    for e in POSITIVE_EMOJI:
        if e in text:
            text = text.replace(e, " emopos ")
    text = _SI_YES_RE.sub(" yes ", text)
    text = fold_accents(text).replace("\n", " . ").replace("¡", " ")
    text = _INTRA_HYPHEN_RE.sub(" ", text)
    tokens: list[str] = []
    for raw_tok in _TOKEN_RE.findall(text):
        tok = raw_tok.strip("'")
        if not tok:
            continue
        if tok[0].isalpha():
            tok = _unstretch(tok, known)
            expanded = EXPANSIONS.get(tok)
            if expanded is not None:
                tokens.extend(expanded.split())
                continue
            if tok.endswith("n't"):
                tokens.extend((tok[:-3], "not"))
                continue
            if tok.endswith("'s"):
                tokens.extend((tok[:-2], "s"))
                continue
            tok = tok.replace("'", "")
            if not known(tok):
                pieces = split_run_together(tok, known)
                # Split only when it reveals a symptom or body word: "awesome" is no
                # "a we some", but "calfhotandswollen" is calf hot and swollen.
                if pieces and any(len(p) >= 4 and telling(p) for p in pieces):
                    tokens.extend(pieces)
                    continue
                tok = correct(tok)
        tokens.append(tok)
    _spanish_yes(tokens)
    _know_as_no(tokens)
    offsets: list[int] = []
    pos_c = 1
    for tok in tokens:
        offsets.append(pos_c)
        pos_c += len(tok) + 1
    joined = " " + " ".join(tokens) + " "
    return Normalised(tuple(tokens), joined, tuple(offsets), question, pos, neg, accented)
