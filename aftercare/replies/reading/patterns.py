"""A tiny phrase language for lexicon entries, compiled once to indexed regular expressions.

Lexicon entries are written as token phrases, not raw regexes, so that they stay readable
and so that each compiled pattern knows the words it can start with (its anchors). At read
time only patterns whose anchors occur in the reply are tried: that keeps reading fast
with hundreds of phrases.

Syntax (tokens separated by spaces; the text being matched is normalised, lower case,
one space between tokens):
    word            a literal token (punctuation tokens such as `?` or `/` too)
    (a|b c|d)       alternatives; each may be a sequence of tokens
    [x y]           optional sequence
    *N              up to N intervening word tokens (never a negation, `but`, `and`...)
    @name           a macro (an alternation defined elsewhere)
    #               any number token
    $               a lookahead: end of text or a clause punctuation token follows
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Words a gap may not skip: crossing them would join two clauses or swallow a negation.
GAP_BLOCKERS = [
    "no", "not", "never", "without", "but", "and", "or", "nor", "neither", "pero", "sin", "ni",
    "y", "o", "though", "although", "however", "just", "only", "except", "nada", "tampoco",
]
_GAP = r"(?:(?!(?:" + "|".join(GAP_BLOCKERS) + r") )[a-z0-9']+ )"
_NUMBER = r"\d+(?:[.,]\d+)?[a-z]* "
_END = r"(?=$|[.,;:!?\-)(/] )"

_TOKEN_RE = re.compile(r"\(|\)|\[|\]|\||\*\d+|@[a-z_]+|[^\s()\[\]|]+")


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class _Node:
    regex: str
    first: frozenset[str]  # words a match of this node can start with
    nullable: bool = False  # may match no token at all
    any_first: bool = False  # may start with a number token: not indexable by word
    gap: bool = False


class _Parser:
    def __init__(self, spec: str, macros: Mapping[str, str]) -> None:
        self.spec = spec
        self.tokens = _TOKEN_RE.findall(spec)
        self.pos = 0
        self.macros = macros

    def parse(self) -> _Node:
        node = self._seq(stop=())
        if self.pos != len(self.tokens):
            raise PatternError(f"unexpected {self.tokens[self.pos]!r} in {self.spec!r}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _seq(self, stop: tuple[str, ...]) -> _Node:
        parts: list[_Node] = []
        while (tok := self._peek()) is not None and tok not in stop:
            parts.append(self._elem())
        return self._concat(parts)

    def _elem(self) -> _Node:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "(":
            alts = [self._seq(stop=("|", ")"))]
            while self._peek() == "|":
                self.pos += 1
                alts.append(self._seq(stop=("|", ")")))
            self._expect(")")
            return _Node(
                "(?:" + "|".join(a.regex for a in alts) + ")",
                frozenset().union(*(a.first for a in alts)),
                any(a.nullable for a in alts),
                any(a.any_first for a in alts),
                any(a.gap for a in alts),
            )
        if tok == "[":
            opts = [self._seq(stop=("|", "]"))]
            while self._peek() == "|":
                self.pos += 1
                opts.append(self._seq(stop=("|", "]")))
            self._expect("]")
            return _Node(
                "(?:" + "|".join(o.regex for o in opts) + ")?",
                frozenset().union(*(o.first for o in opts)), True,
                any(o.any_first for o in opts), any(o.gap for o in opts),
            )
        if tok.startswith("*") and tok[1:].isdigit():
            return _Node(f"{_GAP}{{0,{int(tok[1:])}}}?", frozenset(), True, gap=True)
        if tok.startswith("@"):
            name = tok[1:]
            if name not in self.macros:
                raise PatternError(f"unknown macro @{name} in {self.spec!r}")
            return _Parser(self.macros[name], self.macros).parse()
        if tok == "#":
            return _Node(_NUMBER, frozenset(), any_first=True)
        if tok == "$":
            return _Node(_END, frozenset(), nullable=True)
        return _Node(re.escape(tok) + " ", frozenset({tok}))

    def _expect(self, tok: str) -> None:
        if self._peek() != tok:
            raise PatternError(f"expected {tok!r} in {self.spec!r}")
        self.pos += 1

    def _concat(self, parts: Sequence[_Node]) -> _Node:
        first: set[str] = set()
        any_first = gap = False
        nullable = True
        for part in parts:
            first |= part.first
            any_first = any_first or part.any_first
            gap = gap or part.gap
            if not part.nullable:
                nullable = False
                break
        return _Node("".join(p.regex for p in parts), frozenset(first), nullable, any_first, gap)


@dataclass(frozen=True)
class Compiled:
    key: int
    label: str  # what the pattern means to its owner: a symptom code, a trigger kind...
    tags: frozenset[str]
    regex: re.Pattern[str]
    anchors: frozenset[str]
    always: bool  # cannot be indexed by a word (starts with a number): try on every text


@dataclass(frozen=True)
class Match:
    label: str
    tags: frozenset[str]
    start: int  # token index
    end: int  # token index, exclusive
    key: int  # position in the pattern list: earlier entries win ties


def compile_spec(spec: str, macros: Mapping[str, str]) -> tuple[str, frozenset[str], bool]:
    node = _Parser(spec, macros).parse()
    if node.nullable:
        raise PatternError(f"pattern can match nothing: {spec!r}")
    if node.gap:
        raise PatternError(f"pattern may not start with a gap: {spec!r}")
    return "(?<= )" + node.regex, node.first, node.any_first


class PatternSet:
    """Many phrase patterns, indexed by their possible first words."""

    def __init__(
        self,
        entries: Iterable[tuple[str, str, frozenset[str]]],
        macros: Mapping[str, str],
    ) -> None:
        self.patterns: list[Compiled] = []
        self.index: dict[str, list[int]] = {}
        self.always: list[int] = []
        for key, (label, spec, tags) in enumerate(entries):
            regex, anchors, any_first = compile_spec(spec, macros)
            compiled = Compiled(key, label, tags, re.compile(regex), anchors, any_first)
            self.patterns.append(compiled)
            for word in anchors:
                self.index.setdefault(word, []).append(key)
            if any_first:
                self.always.append(key)
        self.vocabulary = frozenset(self.index)

    def find(self, text: str, tokens: Sequence[str], offsets: Sequence[int]) -> list[Match]:
        """All matches of all candidate patterns (overlaps included), as token spans.

        `text` is " " + " ".join(tokens) + " "; `offsets[i]` is where token i starts in it.
        """
        keys: set[int] = set(self.always)
        index = self.index
        for tok in set(tokens):
            hit = index.get(tok)
            if hit:
                keys.update(hit)
        found: list[Match] = []
        if not keys:
            return found
        starts = {off: i for i, off in enumerate(offsets)}
        for key in sorted(keys):
            pat = self.patterns[key]
            pos = 1
            while True:
                m = pat.regex.search(text, pos)
                if m is None:
                    break
                s = starts.get(m.start())
                if s is not None and m.end() > m.start():
                    end_tok = _token_end(starts, m.end(), len(tokens))
                    found.append(Match(pat.label, pat.tags, s, end_tok, key))
                pos = m.start() + 1
        return found


def _token_end(starts: Mapping[int, int], end_char: int, n: int) -> int:
    # A match ends with the space after its last token, so the next token starts there.
    return starts.get(end_char, n)


def select_longest(matches: Iterable[Match]) -> list[Match]:
    """Keep non-overlapping matches, longest first, then the earliest-listed pattern."""
    chosen: list[Match] = []
    taken: set[int] = set()
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), m.key, m.start)):
        span = range(m.start, m.end)
        if any(i in taken for i in span):
            continue
        chosen.append(m)
        taken.update(span)
    chosen.sort(key=lambda m: (m.start, m.end))
    return chosen
