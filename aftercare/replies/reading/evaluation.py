"""The scores of shared/eval/REPLIES.md for labelled replies, and the cases that miss.

Pure: takes parsed cases and a reader function; loading a JSONL file is `parse_cases`'s
caller's business (the CLI reads the file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aftercare.replies.reading.reader import read_reply
from aftercare.replies.reading.types import Reading


@dataclass(frozen=True)
class LabelledCase:
    id: str
    text: str
    lang: str | None
    intent: str
    present: tuple[str, ...]
    absent: tuple[str, ...]
    triage: str


@dataclass(frozen=True)
class Mismatch:
    id: str
    text: str
    field: str
    expected: Any
    got: Any


@dataclass(frozen=True)
class Scores:
    cases: int
    concept_precision: float
    concept_recall: float
    concept_f1: float
    negation_accuracy: float
    triage_accuracy: float
    urgent_recall: float
    false_urgent_rate: float
    intent_accuracy: float
    # Under-triage harms patients: the share of review/urgent cases read as review/urgent.
    needs_clinician_recall: float = 1.0
    # The staff time saved: of the cases needing no clinician, the share read as none or
    # routine; and of all cases, the share closed without a clinician.
    auto_closed_share: float = 1.0
    closed_overall: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    mismatches: tuple[Mismatch, ...] = ()

    def to_dict(self, *, with_mismatches: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_mismatches:
            data.pop("mismatches")
        else:
            data["mismatches"] = [asdict(m) for m in self.mismatches]
        return data


TARGETS = {
    "concept_f1": 0.95, "negation_accuracy": 0.95, "triage_accuracy": 0.90,
    "urgent_recall": 1.0, "intent_accuracy": 0.95, "needs_clinician_recall": 0.98,
    "auto_closed_share": 0.80,
}
# What a blind round is held to (issue 12): the safety scores, not the wording ones.
SAFETY_TARGETS = ("negation_accuracy", "urgent_recall", "needs_clinician_recall",
                  "auto_closed_share")
MAX_FALSE_URGENT = 0.05


def parse_cases(lines: Iterable[str]) -> list[LabelledCase]:
    cases: list[LabelledCase] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        cases.append(LabelledCase(
            id=str(row.get("id", n)), text=row["text"], lang=row.get("lang"),
            intent=row["intent"], present=tuple(row.get("present", ())),
            absent=tuple(row.get("absent", ())), triage=row["triage"],
        ))
    return cases


def _ratio(num: float, den: float, empty: float = 1.0) -> float:
    return num / den if den else empty


def score(
    cases: Sequence[LabelledCase],
    reader: Callable[[LabelledCase], Reading] | None = None,
) -> Scores:
    read = reader or (lambda c: read_reply(c.text, language=c.lang))
    tp = fp = fn = 0
    neg_total = neg_ok = 0
    triage_ok = intent_ok = 0
    urgent_total = urgent_hit = 0
    non_urgent = false_urgent = 0
    needs = needs_hit = closable = closed = closed_all = 0
    misses: list[Mismatch] = []
    for case in cases:
        r = read(case)
        gold, got = set(case.present), set(r.present)
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
        if gold != got:
            misses.append(Mismatch(case.id, case.text, "present", sorted(gold), sorted(got)))
        for code in case.absent:
            neg_total += 1
            if code not in got:
                neg_ok += 1
            else:
                misses.append(Mismatch(case.id, case.text, "absent", code, "present"))
        if r.triage == case.triage:
            triage_ok += 1
        else:
            misses.append(Mismatch(case.id, case.text, "triage", case.triage, r.triage))
        if case.triage == "urgent":
            urgent_total += 1
            urgent_hit += r.triage == "urgent"
        else:
            non_urgent += 1
            false_urgent += r.triage == "urgent"
        if case.triage in ("review", "urgent"):
            needs += 1
            needs_hit += r.triage in ("review", "urgent")
        else:
            closable += 1
            closed += r.triage in ("none", "routine")
        closed_all += r.triage in ("none", "routine")
        if r.intent == case.intent:
            intent_ok += 1
        else:
            misses.append(Mismatch(case.id, case.text, "intent", case.intent, r.intent))
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * precision * recall, precision + recall, 0.0)
    n = len(cases)
    return Scores(
        cases=n, concept_precision=round(precision, 4), concept_recall=round(recall, 4),
        concept_f1=round(f1, 4), negation_accuracy=round(_ratio(neg_ok, neg_total), 4),
        triage_accuracy=round(_ratio(triage_ok, n), 4),
        urgent_recall=round(_ratio(urgent_hit, urgent_total), 4),
        false_urgent_rate=round(_ratio(false_urgent, non_urgent, 0.0), 4),
        intent_accuracy=round(_ratio(intent_ok, n), 4),
        needs_clinician_recall=round(_ratio(needs_hit, needs), 4),
        auto_closed_share=round(_ratio(closed, closable), 4),
        closed_overall=round(_ratio(closed_all, n, 0.0), 4),
        counts={"concept_tp": tp, "concept_fp": fp, "concept_fn": fn, "absent_labels": neg_total,
                "urgent_cases": urgent_total, "non_urgent_cases": non_urgent},
        mismatches=tuple(misses),
    )


def meets_targets(s: Scores, names: Iterable[str] = tuple(TARGETS)) -> list[str]:
    """The targets a score misses (empty when all are met)."""
    failed = [f"{name} {getattr(s, name)} < {TARGETS[name]}" for name in names
              if getattr(s, name) < TARGETS[name]]
    if s.false_urgent_rate > MAX_FALSE_URGENT:
        failed.append(f"false_urgent_rate {s.false_urgent_rate} > {MAX_FALSE_URGENT}")
    return failed
