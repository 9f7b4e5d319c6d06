"""Care plans as data: the shipped plans, each way a plan file can be wrong, SMS rules, render.

Pure: the only files read are the shipped plans and YAML written to tmp_path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftercare.careplans.loader import (
    PlanError,
    check_plan_file,
    check_plans,
    load_plan,
    load_plans,
)
from aftercare.careplans.render import (
    REALISTIC_VALUES,
    RenderError,
    format_follow_up_date,
    realistic_values,
    render,
)
from aftercare.careplans.schema import LANGUAGES, CarePlan
from aftercare.careplans.sms_rules import (
    non_gsm7_chars,
    privacy_words,
    septet_count,
    sms_problems,
    to_gsm7,
)

SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"
SHIPPED = ["sclerotherapy", "ultrasound-guided-foam-sclerotherapy", "endovenous-thermal-ablation"]

# --- the shipped plans -----------------------------------------------------------------------


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_plan_passes_every_check(key: str) -> None:
    path = SCHEDULES / f"{key}.yaml"
    assert check_plan_file(path) == []
    assert load_plan(path).key == key


def test_shipped_plans_load_by_key() -> None:
    assert sorted(load_plans(SCHEDULES)) == sorted(SHIPPED)
    assert check_plans(SCHEDULES) == []


@pytest.mark.parametrize(
    ("key", "follow_up_days"),
    [("sclerotherapy", 42), ("ultrasound-guided-foam-sclerotherapy", 14),
     ("endovenous-thermal-ablation", 7)],
)
def test_shipped_follow_up_after(key: str, follow_up_days: int) -> None:
    plan = load_plan(SCHEDULES / f"{key}.yaml")
    assert plan.follow_up_after.calendar_days == follow_up_days


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_plan_content(key: str) -> None:
    plan = load_plan(SCHEDULES / f"{key}.yaml")
    welcome = plan.steps[0]
    assert (welcome.key, welcome.channel, welcome.offset.minutes) == ("welcome", "both", 0)
    assert welcome.email is not None
    for lang in LANGUAGES:
        assert "STOP" in welcome.text.get(lang)
        assert "{emergency_number}" in welcome.email.body.get(lang)
    check_in = plan.step("day1_check_in")
    assert check_in is not None and check_in.at == time(9, 0) and check_in.choices
    assert check_in.choices[1].means.all_clear
    assert set(check_in.choices[2].means.symptoms) == {"bruising", "itching", "pain"}
    assert check_in.choices[2].means.severity == "mild"
    assert check_in.choices[3].means.call_me
    screen = plan.step("day3_leg_screen")
    assert screen is not None and screen.at == time(18, 0) and screen.choices is None
    assert "Reply YES or NO" in screen.text.en and "Responda SI o NO" in screen.text.es
    assert plan.step("day14_check_in") is not None
    assert any("{follow_up_date}" in s.text.en and "{clinic_phone}" in s.text.en
               for s in plan.steps if s.kind == "follow_up")
    # Only foam gets the early headache / vision / chest check (NICE IPG440 warnings).
    assert (plan.step("check_4h") is not None) == (key == "ultrasound-guided-foam-sclerotherapy")


def test_thermal_ablation_has_thigh_note_and_scan_within_a_week() -> None:
    plan = load_plan(SCHEDULES / "endovenous-thermal-ablation.yaml")
    note, scan = plan.step("day3_thigh_note"), plan.step("day2_scan_reminder")
    assert note is not None and note.offset.days == 3 and "inner thigh" in note.text.en
    assert scan is not None and "{follow_up_date}" in scan.text.en
    assert plan.follow_up_after.calendar_days is not None
    assert plan.follow_up_after.calendar_days <= 7


# --- broken plans ----------------------------------------------------------------------------

def _base() -> dict[str, Any]:
    both = {"en": "Hi {first_name}, welcome to {clinic_name}. Reply STOP to opt out.",
            "es": "Hola {first_name}, bienvenido/a a {clinic_name}. Responda STOP para salir."}
    return {
        "key": "test-plan", "name": "Test plan", "version": 1,
        "follow_up_after": {"days": 14},
        "steps": [
            {"key": "welcome", "offset": {"minutes": 0}, "channel": "both", "kind": "guidance",
             "text": both,
             "email": {"subject": {"en": "Your guide", "es": "Su guía"},
                       "body": {"en": "After your sclerotherapy, call {emergency_number}.",
                                "es": "Tras la escleroterapia, llame al {emergency_number}."}}},
            {"key": "day1_check_in", "offset": {"days": 1}, "at": "09:00", "channel": "sms",
             "kind": "check_in",
             "text": {"en": "Morning {first_name}. Reply 1 fine, 2 sore, 3 worried.",
                      "es": "Buenos dias {first_name}. Responda 1 bien, 2 dolor, 3 preocupado/a."},
             "choices": {
                 1: {"label": {"en": "Fine", "es": "Bien"}, "means": {"all_clear": True}},
                 2: {"label": {"en": "Sore", "es": "Dolor"},
                     "means": {"symptoms": ["pain"], "severity": "mild"}},
                 3: {"label": {"en": "Worried", "es": "Preocupado/a"},
                     "means": {"call_me": True}}}},
            {"key": "day3_leg_screen", "offset": {"days": 3}, "at": "18:00", "channel": "sms",
             "kind": "check_in",
             "text": {"en": "Hi {first_name}, is one calf swollen? Reply YES or NO.",
                      "es": "Hola {first_name}, ¿pantorrilla hinchada? Responda SI o NO."}},
        ],
    }


def _write(tmp_path: Path, plan: dict[str, Any], name: str = "test-plan") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


Mutation = Callable[[dict[str, Any]], None]


def _set(step: int, dotted: str, value: Any) -> Mutation:
    def mutate(plan: dict[str, Any]) -> None:
        *parents, last = dotted.split(".")
        node = plan["steps"][step]
        for part in parents:
            node = node[int(part) if part.isdigit() else part]
        node[last] = value
    return mutate


def _delete(step: int, dotted: str) -> Mutation:
    def mutate(plan: dict[str, Any]) -> None:
        *parents, last = dotted.split(".")
        node = plan["steps"][step]
        for part in parents:
            node = node[part]
        del node[last]
    return mutate


def test_base_plan_is_valid(tmp_path: Path) -> None:
    assert check_plan_file(_write(tmp_path, _base())) == []


LONG = "Hi {first_name}, " + "walk a little every hour and keep the stocking on. " * 3
# 155 characters as written, 161 once the two 16-character clinic names are filled in.
FILLS_OVER = "{clinic_name} {clinic_name} " + "x" * 120 + " YES NO"

BROKEN = [
    # (case, mutation, step, field, message fragment)
    ("missing text.es", _delete(2, "text.es"), "day3_leg_screen", "text.es", "Field required"),
    ("unknown kind", _set(2, "kind", "reminder"), "day3_leg_screen", "kind",
     "Input should be 'walking'"),
    ("two units in an offset", _set(2, "offset", {"days": 3, "hours": 2}), "day3_leg_screen",
     "offset", "exactly one of minutes, hours, days, weeks"),
    ("negative offset", _set(2, "offset", {"days": -1}), "day3_leg_screen", "offset.days",
     "greater than or equal to 0"),
    ("`at` with an hours offset", _set(2, "offset", {"hours": 72}), "day3_leg_screen", "at",
     "`at` needs an offset in days or weeks"),
    ("`at` that is not a time", _set(2, "at", "6pm"), "day3_leg_screen", "at",
     "not a time of day"),
    ("SMS over 160", _set(2, "text.en", LONG + "Reply YES or NO."), "day3_leg_screen",
     "text.en", "over the 160 of one SMS"),
    ("SMS over 160 only once filled", _set(2, "text.en", FILLS_OVER),
     "day3_leg_screen", "text.en", "161 characters after filling"),
    ("a-acute is not GSM-7", _set(2, "text.es", "Hola {first_name}, ¿está bien? Responda SI o NO."),
     "day3_leg_screen", "text.es", "'á' (U+00E1 LATIN SMALL LETTER A WITH ACUTE)"),
    ("emoji is not GSM-7", _set(2, "text.en", "Hi {first_name} 🙂 swollen? Reply YES or NO."),
     "day3_leg_screen", "text.en", "not in the GSM-7 SMS alphabet"),
    ("SMS names the vein", _set(2, "text.en", "Hi, is the vein swollen? Reply YES or NO."),
     "day3_leg_screen", "text.en", "names the procedure or a diagnosis"),
    ("SMS names sclerotherapy", _set(1, "text.en", "After Sclerotherapy: Reply 1, 2 or 3."),
     "day1_check_in", "text.en", "'sclerotherapy'"),
    ("SMS names a clot", _set(2, "text.en", "Any sign of a clot? Reply YES or NO."),
     "day3_leg_screen", "text.en", "'clot'"),
    ("SMS names varices in Spanish",
     _set(2, "text.es", "¿Le duelen las varices? Responda SI o NO."),
     "day3_leg_screen", "text.es", "'varices'"),
    ("unknown placeholder", _set(2, "text.en", "Hi {patient_name}, swollen? Reply YES or NO."),
     "day3_leg_screen", "text.en", "unknown placeholder {patient_name}"),
    ("stray brace", _set(2, "text.en", "Hi {first_name, swollen? Reply YES or NO."),
     "day3_leg_screen", "text.en", "not part of a {placeholder}"),
    ("hard-coded emergency number", _set(2, "text.en", "Swollen? Reply YES or NO. Or call 911."),
     "day3_leg_screen", "text.en", "write {emergency_number}"),
    ("duplicate step key", _set(2, "key", "day1_check_in"), "day1_check_in", "key",
     "'day1_check_in' is used twice"),
    ("step without a key", _delete(2, "key"), 2, "key", "Field required"),
    ("choices on a non-check-in step", _set(0, "choices", {1: {
        "label": {"en": "Ok", "es": "Ok"}, "means": {"all_clear": True}}}),
     "welcome", "choices", "choices are only for check_in steps"),
    ("unknown symptom code", _set(1, "choices.2.means.symptoms", ["pain", "gangrene"]),
     "day1_check_in", "choices.2.means.symptoms", "unknown symptom code(s) ['gangrene']"),
    ("choice meaning nothing", _set(1, "choices.2.means", {"severity": "mild"}),
     "day1_check_in", "choices.2.means", "a choice means all_clear, call_me, some symptoms"),
    ("stockings worn some other way", _set(1, "choices.2.means", {"stockings": "sometimes"}),
     "day1_check_in", "choices.2.means.stockings", "day_and_night"),
    ("text offers a number with no choice",
     _set(1, "text.en", "Morning {first_name}. Reply 1 fine, 2 sore, 3 worried, 4 other."),
     "day1_check_in", "text.en", "offers reply 4 but choices has no such number"),
    ("choice the text never offers", _set(1, "text.es", "Hola. Responda 1 bien, 2 dolor."),
     "day1_check_in", "choices.3", "choice 3 is not offered in text.es"),
    ("numbered text without choices", _delete(1, "choices"), "day1_check_in", "choices",
     "offers reply 1, 2, 3 but choices has no such number"),
    ("check-in neither numbered nor yes/no", _set(2, "text.es", "Hola, ¿como esta su pierna?"),
     "day3_leg_screen", "text.es", "must ask to reply SI o NO"),
    ("email step without an email block", _delete(0, "email"), "welcome", "email",
     "add email.subject and email.body"),
    ("email block on an sms step", _set(2, "email", {"subject": {"en": "a", "es": "b"},
                                                     "body": {"en": "a", "es": "b"}}),
     "day3_leg_screen", "email", "never used"),
    ("first SMS without STOP", _set(0, "text.es", "Hola {first_name}, bienvenido/a."),
     "welcome", "text.es", "the first SMS must say the patient can reply STOP"),
    ("unknown field", _set(2, "repeat", 3), "day3_leg_screen", "repeat",
     "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("case", "mutate", "step", "field", "fragment"), BROKEN,
                         ids=[c[0] for c in BROKEN])
def test_broken_plan_names_file_step_and_field(
    tmp_path: Path, case: str, mutate: Mutation, step: str | int, field: str, fragment: str
) -> None:
    plan = copy.deepcopy(_base())
    mutate(plan)
    path = _write(tmp_path, plan)

    errors = check_plan_file(path)

    matching = [e for e in errors if (e.step, e.field) == (step, field)]
    assert matching, f"{case}: no error at step {step!r} field {field!r}; got {errors}"
    error = matching[0]
    assert fragment in error.message
    assert error.file == str(path)
    assert error.line is not None
    where = f"step {step!r}" if isinstance(step, str) else f"steps[{step}]"
    assert str(error).startswith(f"{path}:{error.line}: {where}: {field}: ")
    with pytest.raises(PlanError):
        load_plan(path)


def test_error_line_points_at_the_field(tmp_path: Path) -> None:
    plan = _base()
    plan["steps"][2]["kind"] = "reminder"
    path = _write(tmp_path, plan)
    [error] = check_plan_file(path)
    assert error.line is not None
    assert path.read_text().splitlines()[error.line - 1].strip() == "kind: reminder"


def test_duplicate_step_key_points_at_the_second_one(tmp_path: Path) -> None:
    plan = _base()
    plan["steps"][2]["key"] = "day1_check_in"
    path = _write(tmp_path, plan)
    [error] = [e for e in check_plan_file(path) if e.field == "key"]
    lines = path.read_text().splitlines()
    first = lines.index("- key: day1_check_in") + 1
    assert error.line is not None
    assert lines[error.line - 1] == "- key: day1_check_in" and error.line > first


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    plan = _base()
    plan["steps"][1]["kind"] = "nonsense"  # a schema error...
    plan["steps"][2]["text"]["en"] = "Is the vein swollen? Reply YES or NO."  # ...and an SMS one
    errors = check_plan_file(_write(tmp_path, plan))
    assert {(e.step, e.field) for e in errors} >= {
        ("day1_check_in", "kind"), ("day3_leg_screen", "text.en")}


RAW_YAML = [
    # (case, text, line, message fragment)
    ("syntax error", "key: test-plan\nname: [unclosed\nversion: 1\n", 3, "not valid YAML"),
    ("bad indentation", "key: test-plan\n  name: x\n", 2, "not valid YAML"),
    ("duplicate YAML key", "key: test-plan\nname: a\nname: b\n", 3, "'name' is given twice"),
    ("empty file", "", None, "the file is empty"),
]


@pytest.mark.parametrize(("case", "text", "line", "fragment"), RAW_YAML,
                         ids=[c[0] for c in RAW_YAML])
def test_unreadable_yaml(tmp_path: Path, case: str, text: str, line: int | None,
                         fragment: str) -> None:
    path = tmp_path / "test-plan.yaml"
    path.write_text(text, encoding="utf-8")
    [error] = check_plan_file(path)
    assert (error.file, error.step, error.field, error.line) == (str(path), None, None, line)
    assert fragment in error.message


def test_unquoted_clock_time_is_a_local_time_not_base_60(tmp_path: Path) -> None:
    # YAML 1.1 would read 18:00 as 1080, which pydantic would take as 00:18 UTC.
    path = _write(tmp_path, _base())
    path.write_text(path.read_text().replace("'18:00'", "18:00"), encoding="utf-8")
    assert "at: 18:00\n" in path.read_text()
    step = load_plan(path).step("day3_leg_screen")
    assert step is not None and step.at == time(18, 0) and step.at.tzinfo is None


def test_file_name_must_equal_key(tmp_path: Path) -> None:
    path = _write(tmp_path, _base(), name="other")
    [error] = check_plan_file(path)
    assert (error.step, error.field) == (None, "key")
    assert str(error) == f"{path}:1: key: key 'test-plan' must equal the file name 'other'"


def test_load_plans_refuses_a_folder_with_a_bad_plan(tmp_path: Path) -> None:
    _write(tmp_path, _base())
    bad = _base()
    bad["key"] = "bad-plan"
    bad["steps"][2]["text"]["en"] = "Any clot? Reply YES or NO."
    _write(tmp_path, bad, name="bad-plan")
    (tmp_path / "README.md").write_text("not a plan")

    with pytest.raises(PlanError) as raised:
        load_plans(tmp_path)
    assert raised.value.file.endswith("bad-plan.yaml")
    assert [Path(e.file).name for e in check_plans(tmp_path)] == ["bad-plan.yaml"]


def test_folder_checks(tmp_path: Path) -> None:
    _write(tmp_path, _base())
    (tmp_path / "old.yml").write_text("key: old\n")
    assert [(Path(e.file).name, e.message) for e in check_plans(tmp_path)] == [
        ("old.yml", "care plans end in .yaml; rename this file")]
    assert "not a directory" in check_plans(tmp_path / "missing")[0].message
    (tmp_path / "old.yml").unlink()
    assert list(load_plans(tmp_path)) == ["test-plan"]
    assert isinstance(load_plans(tmp_path)["test-plan"], CarePlan)


def test_values_override_for_the_length_check(tmp_path: Path) -> None:
    # The CLI can check with the clinic's real name; this one would leak the procedure.
    path = _write(tmp_path, _base())
    values = {**REALISTIC_VALUES, "clinic_name": "Riverside Vein Clinic"}
    errors = check_plan_file(path, values=values)
    assert {(e.step, e.field) for e in errors} == {("welcome", "text.en"), ("welcome", "text.es")}


# --- SMS rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "septets"),
    [("hello", 5), ("", 0), ("€", 2), ("[x]", 5), ("{}", 4), ("a^b|c~d\\e", 13),
     ("é ñ ü ¿ ¡", 9), ("Hola, ¿como esta?", 17)],
)
def test_septet_count(text: str, septets: int) -> None:
    assert septet_count(text) == septets


@pytest.mark.parametrize(
    ("text", "bad"),
    [("mié 16 dic, baños, Ñandú", ["ú"]), ("¿está?", ["á"]),
     ("sí, opresión, útil", ["í", "ó", "ú"]),
     ("fine 🙂", ["🙂"]), ("it’s", ["’"]), ("€5 [ok] {x} ~ ^ | \\", []),
     ("èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà£¥§", [])],
)
def test_non_gsm7_chars(text: str, bad: list[str]) -> None:
    assert non_gsm7_chars(text) == bad


@pytest.mark.parametrize(
    ("text", "words"),
    [("Your vein check", ["vein"]), ("SPIDER VEINS", ["veins"]),
     ("Sclerotherapy day", ["sclerotherapy"]),
     ("foam, EVLA, RFA, laser", ["foam", "evla", "rfa", "laser"]),
     ("DVT or thrombosis or a clot", ["dvt", "thrombosis", "clot"]),
     ("ulcer after the injections", ["ulcer", "injections"]),
     ("escleroterapia con espuma", ["escleroterapia", "espuma"]),
     ("las várices y la vena", ["varices", "vena"]), ("coágulo, úlcera, inyección", [
         "coagulo", "ulcera", "inyeccion"]),
     ("trombosis venosa", ["trombosis", "venosa"]),
     # Word boundaries: these contain a listed word but are not it.
     ("a convenient inventory, event venue", []), ("clothes, closet, ulcerate? no", []),
     ("How is your leg? Reply YES or NO.", [])],
)
def test_privacy_words(text: str, words: list[str]) -> None:
    assert privacy_words(text) == words


def test_sms_problems_lists_each_broken_rule() -> None:
    text = "Tu vena está bien " + "x" * 150
    problems = sms_problems(text)
    assert len(problems) == 3
    assert "'á'" in problems[0] and "168 characters" in problems[1] and "'vena'" in problems[2]
    assert sms_problems("Hi Alexandra, how is your leg? Reply YES or NO.") == []


def test_exactly_160_septets_is_one_sms() -> None:
    assert sms_problems("x" * 160) == []
    assert sms_problems("x" * 159 + "€") != []


def test_to_gsm7_keeps_names_in_one_segment() -> None:
    assert to_gsm7("Ramón, María, Raúl: it’s “ok”") == 'Ramon, Maria, Raul: it\'s "ok"'
    assert non_gsm7_chars(to_gsm7("Íñigo Sánchez Núñez")) == []


# --- render ----------------------------------------------------------------------------------

def test_render_fills_every_placeholder() -> None:
    template = ("Hi {first_name}, {clinic_name} ({clinic_phone}) on {follow_up_date}; "
                "emergencies {emergency_number}.")
    assert render(template, REALISTIC_VALUES) == (
        "Hi Alexandra, Riverside Clinic (+1 555 010 2030) on Wed 16 Dec 10:30; emergencies 911.")


def test_render_is_strict_and_does_not_reexpand_values() -> None:
    with pytest.raises(RenderError, match="follow_up_date"):
        render("See you {follow_up_date}", {"first_name": "Ana"})
    assert render("Hi {first_name}", {"first_name": "{clinic_name}"}) == "Hi {clinic_name}"


def test_realistic_values_are_worst_case_lengths() -> None:
    assert [len(REALISTIC_VALUES[k]) for k in
            ("first_name", "clinic_name", "clinic_phone", "emergency_number")] == [9, 16, 15, 3]
    assert realistic_values("es")["follow_up_date"] == "mié 16 dic 10:30"
    for lang in LANGUAGES:
        assert sms_problems(" ".join(realistic_values(lang).values())) == []


@pytest.mark.parametrize(
    ("when", "language", "expected"),
    [(datetime(2026, 12, 16, 10, 30), "en", "Wed 16 Dec 10:30"),
     (datetime(2026, 12, 16, 10, 30), "es", "mié 16 dic 10:30"),
     (datetime(2026, 3, 7, 9, 5), "en", "Sat 7 Mar 09:05"),
     (datetime(2026, 3, 7, 9, 5), "es", "sab 7 mar 09:05"),
     (datetime(2026, 1, 4, 18, 0), "es", "dom 4 ene 18:00"),
     (datetime(2026, 8, 31, 0, 0), "en", "Mon 31 Aug 00:00")],
)
def test_format_follow_up_date(when: datetime, language: str, expected: str) -> None:
    text = format_follow_up_date(when, language)  # type: ignore[arg-type]
    assert text == expected
    assert non_gsm7_chars(text) == []
