"""Reading care plans from `schedules/*.yaml` and saying exactly what is wrong with them.

Pure apart from reading the files: no database, no clock, no settings. Every problem is a
`PlanError` naming the file, the step (its key, or its index when it has none), the field as
a dotted path and, when known, the line, so a clinic editor can find it without Python.
Checks run in two layers: the schema (`schema.py`, one model at a time), then the rules that
need the filled-in text (placeholders, SMS length, alphabet and privacy, check-in answers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aftercare.careplans.schema import CarePlan, Step
from aftercare.careplans.text_rules import first_sms_problems, step_problems

Loc = tuple[str | int, ...]


class PlanError(Exception):
    """One problem in one care-plan file."""

    def __init__(
        self, file: str | Path, message: str, *, step: str | int | None = None,
        field: str | None = None, line: int | None = None,
    ) -> None:
        self.file = str(file)
        self.step = step  # the step's key, or its index in `steps` when it has no usable key
        self.field = field  # dotted path inside the step (or the plan), e.g. "text.es"
        self.message = message
        self.line = line  # 1-based line in the file, when known
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.file if self.line is None else f"{self.file}:{self.line}"]
        if isinstance(self.step, str):
            parts.append(f"step {self.step!r}")
        elif self.step is not None:
            parts.append(f"steps[{self.step}]")
        if self.field:
            parts.append(self.field)
        return ": ".join([*parts, self.message])


# --- YAML ------------------------------------------------------------------------------------

class _PlanYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps "18:00" as text and refuses duplicate keys.

    YAML 1.1 reads an unquoted 18:00 as the base-60 number 1080; and a repeated key (two
    `text:` in one step) would silently keep only the last one.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _int_or_clock(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    if ":" in str(node.value):
        return str(node.value)  # a time of day, validated by the schema
    return loader.construct_yaml_int(node)


_PlanYamlLoader.add_constructor("tag:yaml.org,2002:int", _int_or_clock)


def _parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    loader = _PlanYamlLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    finally:
        loader.dispose()


def _line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The line of the deepest YAML node `loc` reaches (the parent when a key is missing)."""
    node, line = root, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


# --- schema errors ---------------------------------------------------------------------------

def _raw_steps(raw: Any) -> Sequence[Any]:
    steps = raw.get("steps") if isinstance(raw, dict) else None
    return steps if isinstance(steps, list) else []


def _step_name(raw: Any, index: int) -> str | int:
    steps = _raw_steps(raw)
    step = steps[index] if index < len(steps) else None
    key = step.get("key") if isinstance(step, dict) else None
    return key if isinstance(key, str) and key else index


def _schema_errors(
    file: str, raw: Any, root: yaml.Node | None, exc: ValidationError
) -> list[PlanError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        step: str | int | None = None
        field_loc: Loc = loc
        if err["type"] == "duplicate_step_key":
            key = err.get("ctx", {}).get("key")
            keys = [s.get("key") if isinstance(s, dict) else None for s in _raw_steps(raw)]
            second = [i for i, k in enumerate(keys) if k == key][1:2]
            step, field_loc = key, ("key",)
            loc = ("steps", second[0], "key") if second else loc
        elif len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            step, field_loc = _step_name(raw, loc[1]), loc[2:]
        field = ".".join(str(p) for p in field_loc) or None
        errors.append(PlanError(file, message, step=step, field=field, line=_line_of(root, loc)))
    return errors


# --- public API ------------------------------------------------------------------------------

def _check(path: Path, values: Mapping[str, str] | None) -> tuple[CarePlan | None, list[PlanError]]:
    file = str(path)
    try:
        raw, root = _parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return None, [PlanError(file, f"not valid YAML: {what}",
                                line=mark.line + 1 if mark else None)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [PlanError(file, f"cannot read: {exc}")]
    if raw is None:
        return None, [PlanError(file, "the file is empty")]

    errors: list[PlanError] = []
    plan: CarePlan | None = None
    steps: list[tuple[int, Step]] = []
    try:
        plan = CarePlan.model_validate(raw)
        steps = list(enumerate(plan.steps))
    except ValidationError as exc:
        errors += _schema_errors(file, raw, root, exc)
        # Still check the steps that are valid on their own, to report all problems at once.
        for i, raw_step in enumerate(_raw_steps(raw)):
            with contextlib.suppress(ValidationError):
                steps.append((i, Step.model_validate(raw_step)))

    key = raw.get("key") if isinstance(raw, dict) else None
    if isinstance(key, str) and key != path.stem:
        errors.append(PlanError(file, f"key {key!r} must equal the file name {path.stem!r}",
                                field="key", line=_line_of(root, ("key",))))

    def at_step(i: int, step: Step, field: str, message: str) -> PlanError:
        line = _line_of(root, ("steps", i, *field.split(".")))
        return PlanError(file, message, step=step.key, field=field, line=line)

    for i, step in steps:
        errors += [at_step(i, step, field, msg) for field, msg in step_problems(step, values)]
    if plan is not None:
        index = {s.key: i for i, s in enumerate(plan.steps)}
        errors += [at_step(index[step.key], step, field, msg)
                   for step, field, msg in first_sms_problems(plan)]
    return (plan if not errors else None), errors


def check_plan_file(
    path: str | Path, *, values: Mapping[str, str] | None = None
) -> list[PlanError]:
    """Every problem in one plan file; empty when it is fit to use.

    `values` fills placeholders for the SMS checks; by default the worst-case realistic ones
    (render.realistic_values) in each text's language.
    """
    return _check(Path(path), values)[1]


def load_plan(path: str | Path, *, values: Mapping[str, str] | None = None) -> CarePlan:
    """The plan in `path`; raises the first PlanError if there is any."""
    plan, errors = _check(Path(path), values)
    if errors or plan is None:
        raise errors[0]
    return plan


def _plan_files(directory: Path) -> tuple[list[Path], list[PlanError]]:
    if not directory.is_dir():
        return [], [PlanError(directory, "not a directory of care plans")]
    misnamed = [PlanError(p, "care plans end in .yaml; rename this file")
                for p in sorted(directory.glob("*.yml"))]
    return sorted(directory.glob("*.yaml")), misnamed


def check_plans(directory: str | Path, *, values: Mapping[str, str] | None = None
                ) -> list[PlanError]:
    """Every problem in every `*.yaml` plan of `directory` (README.md and the like ignored)."""
    files, errors = _plan_files(Path(directory))
    for path in files:
        errors += _check(path, values)[1]
    return errors


def load_plans(directory: str | Path, *, values: Mapping[str, str] | None = None
               ) -> dict[str, CarePlan]:
    """All plans by key; raises the first PlanError if any file has a problem."""
    files, errors = _plan_files(Path(directory))
    plans: dict[str, CarePlan] = {}
    for path in files:
        plan, file_errors = _check(path, values)
        errors += file_errors
        if plan is not None:
            plans[plan.key] = plan
    if errors:
        raise errors[0]
    return plans
