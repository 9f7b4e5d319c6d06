"""`aftercare replies` commands through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from aftercare.replies.cli import replies

EXTRA = Path(__file__).resolve().parents[1] / "data" / "replies-extra.jsonl"


def test_classify_prints_one_json_line_per_input_and_survives_bad_lines() -> None:
    stdin = "\n".join([
        json.dumps({"text": "my calf is swollen and hot"}),
        "not json",
        json.dumps({"lang": "es"}),
        json.dumps({"id": "r4", "text": "Tengo moretones", "lang": "es"}),
    ]) + "\n"
    result = CliRunner().invoke(replies, ["classify"], input=stdin)
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert len(lines) == 4
    assert lines[0]["triage"] == "urgent" and lines[0]["intent"] == "symptom_report"
    assert set(lines[0]) >= {"intent", "present", "absent", "triage", "severity", "reasons"}
    assert lines[1]["line"] == 2 and "error" in lines[1]
    assert "error" in lines[2]
    assert lines[3]["id"] == "r4" and lines[3]["present"] == ["bruising"]


def test_eval_prints_scores(tmp_path: Path) -> None:
    result = CliRunner().invoke(replies, ["eval", str(EXTRA)])
    assert result.exit_code == 0, result.output
    assert "concept_f1" in result.output and "targets: all met" in result.output


def test_eval_json_with_errors(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "no swelling", "lang": "en",
                                "intent": "all_clear", "present": ["swelling"], "absent": [],
                                "triage": "none"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(replies, ["eval", str(path), "--json", "--show-errors"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cases"] == 1 and data["concept_recall"] == 0.0
    assert data["mismatches"][0]["field"] == "present"


def test_negex_command_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "negex.txt"
    path.write_text(
        "line\tCondition\tsentence\tnegation_status\ttemporality\texperiencer\n"
        "1\tedema\tNo EDEMA.\tNegated\tRecent\tPatient\n"
        "2\tfever\tShe has a FEVER.\tAffirmed\tRecent\tPatient\n", encoding="utf-8")
    result = CliRunner().invoke(replies, ["negex", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["tp"], data["tn"], data["fp"], data["fn"]) == (1, 1, 0, 0)
    assert "negspacy 1.1.0" in data["references_f1"]
