"""Page numbers as typed into an address bar: only plain ASCII digits count, anything else
(0, negative, "²", Arabic-Indic digits, thousands of digits) is page 1 or the last page;
the list clamps to the pages it has."""

from __future__ import annotations

import re

# Far beyond any list here; keeps the number (and the SQL OFFSET) small.
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,12}")


def page_number(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        return 1
    return min(max(int(text), 1), MAX_PAGE)
