"""Reading care plans from `schedules/*.yaml` and saying exactly what is wrong with them.

Pure apart from reading the files: no database, no clock, no settings. Every problem is a
`PlanError` naming the file, the step (its key, or its index when it has none), the field as
a dotted path and, when known, the line, so a clinic editor can find it without Python.
Checks run in two layers: the schema (`schema.py`, one model at a time), then the rules that
need the filled-in text (placeholders, SMS length, alphabet and privacy, check-in answers).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aftercare.careplans.render import placeholders, realistic_values, render, stray_braces
from aftercare.careplans.schema import LANGUAGES, PLACEHOLDERS, CarePlan, Step
from aftercare.careplans.sms_rules import sms_problems

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


# --- whole-plan rules ------------------------------------------------------------------------

_HARD_CODED_EMERGENCY = re.compile(r"(?<![\d+])(?:911|999|112)(?!\d)")
_REPLY_SEGMENT = re.compile(r"\b(?:reply|responda|responde)\b([^.!?]*)", re.IGNORECASE)
_OFFERED_NUMBER = re.compile(r"(?<![\w:/-])(\d)(?![\w:/-])")
_YES_NO = {"en": (r"\bYES\b", r"\bNO\b"), "es": (r"\bSI\b", r"\bNO\b")}


def _texts(step: Step) -> Iterator[tuple[str, str]]:
    """(dotted field, text) for every patient-facing text of a step."""
    for lang in LANGUAGES:
        yield f"text.{lang}", step.text.get(lang)
    if step.email is not None:
        for part in ("subject", "body"):
            for lang in LANGUAGES:
                yield f"email.{part}.{lang}", getattr(step.email, part).get(lang)
    for number, choice in (step.choices or {}).items():
        for lang in LANGUAGES:
            yield f"choices.{number}.label.{lang}", choice.label.get(lang)


def _offered_numbers(text: str) -> set[int]:
    """The numbers a text asks the patient to reply with ("Reply 1 fine, 2 sore")."""
    return {int(n) for seg in _REPLY_SEGMENT.findall(text) for n in _OFFERED_NUMBER.findall(seg)}


def _step_problems(step: Step, values: Mapping[str, str] | None) -> Iterator[tuple[str, str]]:
    """(field, message) for each rule `step` breaks beyond its schema."""
    unfillable: set[str] = set()
    for field, text in _texts(step):
        unknown = [p for p in placeholders(text) if p not in PLACEHOLDERS]
        if unknown:
            unfillable.add(field)
            known = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            yield field, f"unknown placeholder {', '.join(f'{{{p}}}' for p in unknown)}; " \
                         f"known: {known}"
        if stray_braces(text):
            unfillable.add(field)
            yield field, "a '{' or '}' that is not part of a {placeholder}"
        if _HARD_CODED_EMERGENCY.search(text):
            yield field, "write {emergency_number}, not the number itself (it differs by country)"

    if "email" in step.channels and step.email is None:
        yield "email", f"channel {step.channel!r} sends an email: add email.subject and email.body"
    if step.email is not None and "email" not in step.channels:
        yield "email", f"channel {step.channel!r} sends no email, so this block is never used"

    if "sms" not in step.channels:
        return
    for lang in LANGUAGES:
        field, text = f"text.{lang}", step.text.get(lang)
        if field in unfillable:
            continue
        filled = render(text, values if values is not None else realistic_values(lang))
        for problem in sms_problems(filled):
            yield field, problem
        if step.kind == "check_in":
            yield from _check_in_problems(step, lang, text)


def _check_in_problems(step: Step, lang: str, text: str) -> Iterator[tuple[str, str]]:
    # Whatever the SMS invites as an answer must mean something to the reply reader.
    offered = _offered_numbers(text)
    choices = step.choices or {}
    if offered - set(choices):
        missing = ", ".join(map(str, sorted(offered - set(choices))))
        yield ("choices" if not choices else f"text.{lang}",
               f"text.{lang} offers reply {missing} but choices has no such number")
    for number in sorted(set(choices) - offered):
        yield f"choices.{number}", f"choice {number} is not offered in text.{lang}"
    if not choices and not offered and not all(re.search(p, text) for p in _YES_NO[lang]):
        yes_no = "YES or NO" if lang == "en" else "SI o NO"
        yield f"text.{lang}", f"a check-in without choices must ask to reply {yes_no}"


def _first_sms_problems(plan: CarePlan) -> Iterator[tuple[Step, str, str]]:
    # US carriers expect the first message of a program to say how to opt out.
    sms_steps = [s for s in plan.steps if "sms" in s.channels]
    if not sms_steps:
        return
    first = min(sms_steps, key=lambda s: s.offset.duration)
    for lang in LANGUAGES:
        if not re.search(r"\bSTOP\b", first.text.get(lang)):
            yield first, f"text.{lang}", "the first SMS must say the patient can reply STOP"


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
        errors += [at_step(i, step, field, msg) for field, msg in _step_problems(step, values)]
    if plan is not None:
        index = {s.key: i for i, s in enumerate(plan.steps)}
        errors += [at_step(index[step.key], step, field, msg)
                   for step, field, msg in _first_sms_problems(plan)]
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
