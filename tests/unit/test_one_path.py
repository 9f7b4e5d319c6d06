"""One path per operation: every entry point (HTTP API, web form, CLI, FHIR, CSV day lists)
logs a procedure through the logging service, and every message reaches the outbox through
its one writer. Read from the source with `ast`: a module that builds a row of these tables
itself, or hands one of their models to an insert, would be a second path a fix could miss."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "aftercare"

# The rows each module alone may create.
OWNERS = {
    "Procedure": {"procedures/service.py"},
    "Patient": {"procedures/store.py"},
    "Message": {"outbox/writer.py"},
    "MESSAGES": {"outbox/writer.py"},
}
INSERTS = {"insert", "insert_ignoring", "insert_returning_ids", "bulk_insert_mappings",
           "bulk_save_objects"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def row_writes(source: str) -> Iterator[tuple[str, int]]:
    """(model, line) for each row of an owned table this source creates."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = _name(node.func)
        if called in OWNERS and called != "MESSAGES":
            yield called, node.lineno  # Procedure(...) added to a session
        if called in INSERTS:
            for arg in node.args:
                model = _name(arg)
                if model in OWNERS:
                    yield model, node.lineno


def offenders() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("db/"):
            continue  # the models and migrations themselves
        for model, line in row_writes(path.read_text()):
            if relative not in OWNERS[model]:
                found.append(f"{relative}:{line} writes {model}")
    return found


def test_only_the_logging_service_and_the_outbox_writer_create_their_rows() -> None:
    assert offenders() == []


def test_the_check_sees_a_second_path() -> None:
    source = ("session.add(Procedure(patient_id=1))\n"
              "session.execute(insert(Message).values(body='x'))\n"
              "insert_ignoring(session, MESSAGES, 'dedupe_key')\n")
    assert sorted(row_writes(source), key=lambda found: found[1]) == [
        ("Procedure", 1), ("Message", 2), ("MESSAGES", 3)]
