"""Typo repair for symptom words: "swolen", "brused", "brething", "chest pian", "ankel".

Only unknown words are touched, only towards the reader's own symptom vocabulary, and only
within a small edit distance that grows with word length (see `max_edits`). The first letter
must match: patients rarely get it wrong, and it blocks most false hits. Real words that sit
one edit away from a symptom word ("never"/"fever", "cruise"/"bruise", "smelling"/"swelling")
are listed in `spelling_blocklist.py` and are never corrected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent swaps count one), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        row_min = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def max_edits(word: str) -> int:
    n = len(word)
    if n < 4:
        return 0
    if n < 9:
        return 1
    return 2


def _is_swap_or_indel(a: str, b: str) -> bool:
    """For 4-5 letter words: allow an adjacent swap, one extra or one missing letter."""
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] \
            and a[diffs[1]] == b[diffs[0]]
    return abs(len(a) - len(b)) == 1 and osa_distance(a, b, 1) == 1


_DIMINUTIVES = (("citos", ("es", "e", "")), ("citas", ("es", "e", "")), ("cito", ("e", "")),
                ("cita", ("e", "")), ("itos", ("os", "o")), ("itas", ("as", "a")),
                ("ito", ("o",)), ("ita", ("a",)))


def spanish_diminutive(token: str, known: Callable[[str], bool]) -> str | None:
    """'hinchadito' -> 'hinchado', 'manchitas' -> 'manchas', 'dolorcito' -> 'dolor',
    'calientito' -> 'caliente', 'poquito' -> 'poco': the known word a diminutive is made from."""
    for suffix, endings in _DIMINUTIVES:
        if not token.endswith(suffix) or len(token) - len(suffix) < 3:
            continue
        stem = token[: -len(suffix)]
        stems = [stem]
        if stem.endswith("nt"):  # calientito, calientita
            stems.append(stem + "e")
        if stem.endswith("qu"):
            stems.append(stem[:-2] + "c")
        elif stem.endswith("gu"):
            stems.append(stem[:-1])
        for st in stems:
            for ending in endings if st is stem or not st.endswith("e") else ("",):
                if len(st + ending) >= 4 and known(st + ending):
                    return st + ending
    return None


class Corrector:
    """Maps an unknown token to the closest target word, or leaves it alone. Memoised."""

    def __init__(self, targets: Iterable[str], blocklist: Iterable[str],
                 known: Callable[[str], bool] | None = None) -> None:
        self.by_first: dict[str, list[str]] = {}
        for t in sorted(set(targets)):
            if len(t) >= 4 and t.isalpha():
                self.by_first.setdefault(t[0], []).append(t)
        self.blocklist = frozenset(blocklist)
        self.known = known
        self.cache: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        hit = self.cache.get(token)
        if hit is not None:
            return hit
        result = self._correct(token)
        if len(self.cache) > 50_000:  # bound memory on a long-running worker
            self.cache.clear()
        self.cache[token] = result
        return result

    def _correct(self, token: str) -> str:
        if len(token) < 4 or not token.isalpha():
            return token
        if self.known is not None:
            base = spanish_diminutive(token, self.known)
            if base is not None:
                return base
        if token in self.blocklist:
            return token
        best: str | None = None
        best_d = 99
        for target in self.by_first.get(token[0], ()):
            limit = min(max_edits(token), max_edits(target))
            if limit == 0 or abs(len(target) - len(token)) > limit:
                continue
            if min(len(token), len(target)) <= 5:
                if not _is_swap_or_indel(token, target):
                    continue
                d = 1
            else:
                d = osa_distance(token, target, limit)
            if d <= limit and (d < best_d or (d == best_d and best is not None and target < best)):
                best, best_d = target, d
        return best if best is not None else token
