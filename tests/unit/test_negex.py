"""The negation-scope logic on the NegEx clinical benchmark (../shared/eval/negex)."""

from __future__ import annotations

import pytest

from aftercare.replies.reading.negex import evaluate, is_negated, parse_rows
from tests.support.evalsets import eval_set, needs_eval_set

NEGEX = eval_set("negex/rsAnnotations-1-120-random.txt")


@pytest.mark.parametrize(("condition", "sentence", "negated"), [
    ("edema", "Extremities reveal no peripheral cyanosis or EDEMA.", True),
    ("chills", "REVIEW OF SYSTEMS:  Constitutional - No fevers, CHILLS, or sweats.", True),
    ("fever", "He denies any FEVER.", True),
    ("Fecal occult blood", "FECAL OCCULT BLOOD was negative.", True),
    ("vomiting", "His nausea and VOMITING resolved.", True),
    ("infiltrate", "The chest x-ray was negative for any INFILTRATE or effusion.", True),
    ("change in vision", "In general, no CHANGE IN VISION, diplopia or change in hearing.",
     True),
    ("chest pain", "Positive for CHEST PAIN, no palpitations.", False),
    ("MI", "He was admitted to the Medicine Service to rule out MI.", False),
    ("nausea", "His pain is associated with NAUSEA, no vomiting.", False),
    ("elevation of right hemidiaphragm", "No change in ELEVATION OF RIGHT HEMIDIAPHRAGM.",
     False),
    ("voiding without difficulty", "intake and VOIDING WITHOUT DIFFICULTY and ambulating.",
     False),
    ("pain", "No focal numbness or weakness, though she does have PAIN on movement.", False),
])
def test_is_negated(condition: str, sentence: str, negated: bool) -> None:
    assert is_negated(condition, sentence) is negated


@needs_eval_set(NEGEX)
def test_benchmark_f1_floor() -> None:
    with NEGEX.open(encoding="utf-8") as fh:
        rows = parse_rows(fh)
    assert len(rows) == 2376
    result = evaluate(rows)
    # measured: TP 484 FP 3 FN 7 TN 1882, F1 0.990 (negspacy 0.939, GenConText 0.981)
    assert result.f1 >= 0.97
    assert result.precision >= 0.97 and result.recall >= 0.97
