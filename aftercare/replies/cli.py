"""`aftercare replies ...`: classify replies, score a labelled file, run the NegEx benchmark.

Thin edges over the pure reader: parse input, call one function, print JSON or a table.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from aftercare.replies.reading import read_reply
from aftercare.replies.reading.evaluation import meets_targets, parse_cases, score
from aftercare.replies.reading.negex import REFERENCES, evaluate, parse_rows

replies = click.Group(
    "replies",
    help="Read patient replies: classify text, score labelled sets, run the negation benchmark.",
)


@replies.command("classify")
@click.option("--lang", "default_lang", type=click.Choice(["en", "es"]), default=None,
              help="Language hint for lines without a `lang` field.")
def classify(default_lang: str | None) -> None:
    """Read JSON lines ({"text": ..., "lang": ...}) from stdin; print one reading per line."""
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            lang = row.get("lang", default_lang)
            if lang is not None and not isinstance(lang, str):
                raise ValueError('"lang" must be a string')
            out: dict[str, Any] = read_reply(row["text"], language=lang).to_dict()
            if "id" in row:
                out = {"id": row["id"], **out}
        except (ValueError, TypeError) as exc:
            out = {"error": str(exc), "line": n}
        click.echo(json.dumps(out, ensure_ascii=False))


@replies.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--show-errors", is_flag=True, help="List the cases the reader gets wrong.")
def eval_cmd(path: Path, as_json: bool, show_errors: bool) -> None:
    """Score the reader on a labelled JSONL file (format of shared/eval/REPLIES.md)."""
    with path.open(encoding="utf-8") as fh:
        cases = parse_cases(fh)
    started = time.perf_counter()
    scores = score(cases)
    elapsed = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps(scores.to_dict(with_mismatches=show_errors), ensure_ascii=False))
    else:
        click.echo(f"{scores.cases} cases from {path} ({elapsed * 1000:.0f} ms)")
        for name in ("concept_precision", "concept_recall", "concept_f1", "negation_accuracy",
                     "triage_accuracy", "urgent_recall", "false_urgent_rate",
                     "intent_accuracy", "needs_clinician_recall", "auto_closed_share",
                     "closed_overall"):
            click.echo(f"  {name:<20} {getattr(scores, name):.4f}")
        missed = meets_targets(scores)
        click.echo("  targets: " + ("all met" if not missed else "; ".join(missed)))
        if show_errors:
            for m in scores.mismatches:
                click.echo(f"  {m.id:<6} {m.field:<8} expected={m.expected} got={m.got}"
                           f"  | {m.text}")


@replies.command("negex")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--show-errors", is_flag=True, help="List the rows the reader gets wrong.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def negex_cmd(path: Path, show_errors: bool, as_json: bool) -> None:
    """Negation benchmark on a NegEx annotation file (the NegEx test set's format)."""
    if not path.exists():
        raise click.ClickException(f"no such file: {path}")
    with path.open(encoding="utf-8") as fh:
        rows = parse_rows(fh)
    r = evaluate(rows)
    if as_json:
        click.echo(json.dumps({"rows": len(rows), "tp": r.tp, "fp": r.fp, "fn": r.fn,
                               "tn": r.tn, "precision": round(r.precision, 4),
                               "recall": round(r.recall, 4), "f1": round(r.f1, 4),
                               "references_f1": REFERENCES}))
        return
    click.echo(f"{len(rows)} rows from {path}")
    click.echo(f"  TP {r.tp}  FP {r.fp}  FN {r.fn}  TN {r.tn}")
    click.echo(f"  precision {r.precision:.4f}  recall {r.recall:.4f}  F1 {r.f1:.4f}  "
               f"accuracy {r.accuracy:.4f}")
    click.echo("  reference F1 on this file: " + ", ".join(
        f"{name} {f1:.3f}" for name, f1 in REFERENCES.items()))
    if show_errors:
        for row, got in r.errors:
            kind = "FP" if got else "FN"
            click.echo(f"  {kind} {row.id:>5} {row.condition.strip()!r}: {row.sentence[:160]}")
