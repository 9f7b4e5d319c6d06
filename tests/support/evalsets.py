"""The evaluation sets kept beside the repository in ../shared/eval, which it does not ship.

A machine with only the repository has no such folder: tests scored on these sets skip there,
naming the missing file, and run wherever the folder is present. The project's own regression
cases live in tests/data and always run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"


def eval_set(name: str) -> Path:
    """Where an evaluation set lives, `name` relative to ../shared/eval (it may be absent)."""
    return EVAL_DIR / name


def needs_eval_set(path: Path) -> pytest.MarkDecorator:
    """Skip a test, or one of its parameters, when the evaluation set at `path` is absent."""
    shown = f"../{path.relative_to(REPO_ROOT.parent).as_posix()}"
    return pytest.mark.skipif(
        not path.is_file(),
        reason=f"evaluation set {shown} is absent (../shared/eval is not part of the repository)",
    )
