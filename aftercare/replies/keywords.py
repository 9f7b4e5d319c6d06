"""STOP / START / HELP: carrier keywords count only as the whole message. Pure.

"The bleeding won't stop" or "cancel my appointment" are sentences, not keywords.
"""

from __future__ import annotations

import re
from typing import Literal

Keyword = Literal["opt_out", "opt_in", "help"]

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                     "OPTOUT", "PARAR", "ALTO"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO", "AYUDA"})

# Trailing punctuation, emoji and spaces do not make a keyword a sentence ("Stop." "STOP!!").
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def keyword_of(text: str, *, opted_out: bool = False) -> Keyword | None:
    """The keyword the whole message is, if any.

    YES only opts back in a patient who has opted out: otherwise it is an answer to a
    yes-or-no check-in and must be read as one.
    """
    word = _EDGES.sub("", text.strip()).upper().replace(" ", "")
    if word in OPT_OUT:
        return "opt_out"
    if word in HELP:
        return "help"
    if word in OPT_IN and (word != "YES" or opted_out):
        return "opt_in"
    return None
