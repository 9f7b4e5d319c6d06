"""The NegEx benchmark: is a condition negated in a clinical sentence? Same scope logic.

Runs the reader's own trigger lists and scope rules (context.py) over the 2,376 annotated
concept-sentence pairs of Chapman's NegEx test set (shared/eval/negex/SOURCE.md). The
condition is the target span; the file has no "Possible" gold label, so uncertainty
("rule out", "cannot be excluded") counts as affirmed, as in the published GenNegEx runs.
Resolution ("nausea resolved") counts as negated, as the gold labels do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aftercare.replies.reading import context
from aftercare.replies.reading.analysis import TRIGGERS
from aftercare.replies.reading.normalise import normalise
from aftercare.replies.reading.vocabulary import is_known

# F1 on exactly this file. GenNegEx and GenConText: their repo READMEs. negspacy: measured
# here with bench/negex_negspacy.py (negspacy 1.1.0, spaCy 3.8.18, blank "en" pipeline with
# a sentencizer, en_clinical termset): TP 466 FP 36 FN 25 TN 1849, P 0.928 R 0.949.
REFERENCES = {"negspacy 1.1.0": 0.9386, "GenNegEx 1.2": 0.9467, "GenConText": 0.9806}
_OPEN, _CLOSE = "qqtargetopen", "qqtargetclose"


@dataclass(frozen=True)
class Row:
    id: str
    condition: str
    sentence: str
    negated: bool


@dataclass(frozen=True)
class Result:
    tp: int
    fp: int
    fn: int
    tn: int
    errors: tuple[tuple[Row, bool], ...]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        n = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / n if n else 0.0


def parse_rows(lines: Iterable[str]) -> list[Row]:
    rows: list[Row] = []
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4 or parts[3] not in ("Negated", "Affirmed"):
            continue  # the header row
        rows.append(Row(parts[0], parts[1], parts[2], parts[3] == "Negated"))
    return rows


def _locate(condition: str, sentence: str) -> tuple[int, int] | None:
    """Character span of the condition in the sentence, preferring the upper-case copy."""
    words = condition.split()
    while words:
        rx = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        spans = [m.span() for m in rx.finditer(sentence)]
        if spans:
            upper = [s for s in spans if not any(c.islower() for c in sentence[s[0]:s[1]])]
            return (upper or spans)[0]
        words = words[:-1]  # the sentence splitter cut the condition short
    return None


def is_negated(condition: str, sentence: str) -> bool:
    span = _locate(condition, sentence)
    if span is None:
        return False
    marked = (f"{sentence[:span[0]]} {_OPEN} {sentence[span[0]:span[1]]} {_CLOSE} "
              f"{sentence[span[1]:]}")
    norm = normalise(marked, known=is_known, correct=lambda w: w)
    toks = list(norm.tokens)
    if _OPEN not in toks or _CLOSE not in toks:
        return False
    start = toks.index(_OPEN)
    toks.pop(start)
    end = toks.index(_CLOSE)
    toks.pop(end)
    plain = normalise(" ".join(toks), known=lambda w: True, correct=lambda w: w)
    target = [(start, max(end, start + 1))]
    triggers = context.select_triggers(TRIGGERS.find(plain.text, plain.tokens, plain.offsets),
                                       target)
    labels = context.assign(plain.tokens, target, triggers)[0]
    return bool({"neg", "resolved"} & labels) and "hypo" not in labels


def evaluate(rows: Iterable[Row]) -> Result:
    tp = fp = fn = tn = 0
    errors: list[tuple[Row, bool]] = []
    for row in rows:
        got = is_negated(row.condition, row.sentence)
        if got and row.negated:
            tp += 1
        elif got:
            fp += 1
            errors.append((row, got))
        elif row.negated:
            fn += 1
            errors.append((row, got))
        else:
            tn += 1
    return Result(tp, fp, fn, tn, tuple(errors))
