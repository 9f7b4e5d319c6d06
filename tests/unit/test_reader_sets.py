"""The reader against labelled sets: the dev set in ../shared/eval and our own extra cases.

These guard regressions. The dev set is not the judge (a held-out set with other texts is),
so the extra set holds varied phrasings written for every family the reader must handle.

The blind sets were each written before the reader was run on them, scored, and only then
fixed (reader-1.1); their before-fix scores are the honest estimate of generalisation. Once
fixed they are regression sets like the others: a new blind round needs new texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aftercare.replies.reading.evaluation import (
    SAFETY_TARGETS,
    meets_targets,
    parse_cases,
    score,
)
from tests.support.evalsets import eval_set, needs_eval_set

REPO = Path(__file__).resolve().parents[2]
DEV = eval_set("replies-dev.jsonl")
EXTRA = REPO / "tests" / "data" / "replies-extra.jsonl"
BLIND = [REPO / "tests" / "data" / f"replies-blind-{n}.jsonl" for n in (1, 2, 3, 4)]
# Issue 12's blind rounds, each scored before any fix (the figures are in its closing note),
# held to the safety targets: half of each is red flags and decoys by design.
ROUNDS = sorted((REPO / "tests" / "data").glob("replies-round-*.jsonl"))


@pytest.mark.parametrize("path", [
    pytest.param(DEV, id="dev", marks=needs_eval_set(DEV)),
    pytest.param(EXTRA, id="extra"),
    *(pytest.param(path, id=f"blind-{n}") for n, path in enumerate(BLIND, start=1)),
])
def test_labelled_set_meets_targets(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        cases = parse_cases(fh)
    scores = score(cases)
    misses = "\n".join(f"{m.id} {m.field}: expected {m.expected}, got {m.got} | {m.text}"
                       for m in scores.mismatches)
    assert meets_targets(scores) == [], misses
    assert scores.urgent_recall == 1.0, misses


@pytest.mark.parametrize("path", ROUNDS, ids=[p.stem for p in ROUNDS])
def test_blind_round_meets_the_safety_targets(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        cases = parse_cases(fh)
    assert len(cases) >= 150
    scores = score(cases)
    misses = "\n".join(f"{m.id} {m.field}: expected {m.expected}, got {m.got} | {m.text}"
                       for m in scores.mismatches if m.field in ("triage", "absent"))
    assert meets_targets(scores, SAFETY_TARGETS) == [], misses
    assert scores.false_urgent_rate <= 0.05, misses
    # Half of a round is red flags and decoys: 40% closed without a clinician is the staff
    # time the reader must still save (issue 12).
    assert scores.closed_overall >= 0.40, misses


def test_there_are_at_least_three_blind_rounds() -> None:
    assert len(ROUNDS) >= 3, ROUNDS


def test_extra_set_is_varied() -> None:
    with EXTRA.open(encoding="utf-8") as fh:
        cases = parse_cases(fh)
    assert len(cases) >= 120
    assert sum(c.lang == "es" for c in cases) >= 30
    assert {c.intent for c in cases} == {"symptom_report", "all_clear", "question", "opt_out",
                                         "opt_in", "help", "other"}
    assert {c.triage for c in cases} == {"none", "routine", "review", "urgent"}
    assert len({c.text for c in cases}) == len(cases)
