"""read_reply as tables of cases, one table per phrasing family (English and Spanish)."""

from __future__ import annotations

import json

import pytest

from aftercare.careplans.schema import ChoiceMeaning
from aftercare.replies.reading import READER_VERSION, CheckInContext, Reading, read_reply


def _read(text: str, lang: str | None = None) -> Reading:
    return read_reply(text, language=lang)


# (text, present, absent)
NEGATION = [
    ("no swelling", [], ["swelling"]),
    ("swelling? no", [], ["swelling"]),
    ("bruising - no", [], ["bruising"]),
    ("Bruising: none", [], ["bruising"]),
    ("not swollen", [], ["swelling"]),
    ("calf isn't swollen", [], ["swelling"]),
    ("calf isnt swollen", [], ["swelling"]),
    ("walking without pain", [], ["pain"]),
    ("no pain or swelling", [], ["pain", "swelling"]),
    ("no pain, swelling or bruising", [], ["pain", "swelling", "bruising"]),
    ("neither swollen nor bruised", [], ["swelling", "bruising"]),
    ("it doesn't hurt", [], ["pain"]),
    ("dont have any redness", [], ["redness"]),
    ("I haven't noticed any lumps", [], ["lump"]),
    ("pain free today", [], ["pain"]),
    ("Denies pain.", [], ["pain"]),
    ("zero bruising", [], ["bruising"]),
    ("Bruising yes, swelling no, pain no", ["bruising"], ["swelling", "pain"]),
    ("no pain, just a few bruises", ["bruising"], ["pain"]),
    ("no pain but bruised", ["bruising"], ["pain"]),
    ("no swelling, only itchy", ["itching"], ["swelling"]),
    ("no bruising although my ankle is puffy", ["swelling"], ["bruising"]),
    ("no swelling, a little bruising on the shin", ["bruising"], ["swelling"]),
    ("no bruising, my calf is sore", ["pain"], ["bruising"]),
    ("no redness no heat, just itchy", ["itching"], ["redness", "warmth"]),
    ("doesnt itch as much", ["itching"], []),
    ("not too bad, a bit sore", ["pain"], []),
]

RESOLUTION = [
    ("no longer swollen", [], ["swelling"]),
    ("the bruise is gone", [], ["bruising"]),
    ("itching went away", [], ["itching"]),
    ("swelling went down", [], ["swelling"]),  # as patients mean it; "going down" is better
    ("swelling is going down", ["swelling"], []),
    ("stopped bleeding after I pressed on it", ["bleeding"], []),
    ("the bleeding has stopped", ["bleeding"], []),
    ("blurry vision for a few minutes, gone now", ["vision_change"], []),
    ("ya no me duele", [], ["pain"]),
    ("ya no está hinchado", [], ["swelling"]),
]

HYPOTHETICAL = [
    ("what if it swells?", "swelling"),
    ("should I worry if the bruising spreads?", "bruising"),
    ("if I get chest pain should I call 911?", "chest_pain"),
    ("what are the signs of a blood clot?", None),
    ("in case of bleeding what do I do", "bleeding"),
    ("could I get short of breath on the plane?", "breathing_difficulty"),
    ("¿qué pasa si se me hincha la pierna?", "swelling"),
    ("si me duele el pecho, voy a urgencias?", "chest_pain"),
]

OTHER_PEOPLE = [
    ("my mom had a clot after hers", []),
    ("my dad has trouble breathing but I'm fine", []),
    ("my husband says my calf looks swollen", ["swelling"]),
    ("Hubby says I'm confused", ["neuro_deficit"]),
    ("mi mamá tuvo moretones", []),
]

TYPOS = [
    ("leg is swolen", ["swelling"]),
    ("brused all over the thigh", ["bruising"]),
    ("trouble brething", ["breathing_difficulty"]),
    ("chest pian", ["chest_pain"]),
    ("Sweling in my ankel", ["swelling"]),
    ("brusing is bad", ["bruising"]),
    ("feaver tonight", ["fever"]),
    ("bad migrane", ["headache"]),
    ("blury vison", ["vision_change"]),
    ("itchey spots", ["itching"]),
    ("ulser on my shin", ["skin_wound"]),
    ("sooo swollllen", ["swelling"]),
    ("I was smelling the flowers", []),  # a real word one edit from "swelling"
    ("never felt better", []),
]

SPANISH = [
    ("tengo moretones", ["bruising"], []),
    ("tengo hinchazón en el tobillo", ["swelling"], []),
    ("la pierna está hinchada", ["swelling"], []),
    ("me duele la pantorrilla", ["pain"], []),
    ("está roja", ["redness"], []),
    ("tengo picazón", ["itching"], []),
    ("mucha comezón", ["itching"], []),
    ("me falta el aire", ["breathing_difficulty"], []),
    ("dolor de pecho", ["chest_pain"], []),
    ("no tengo dolor", [], ["pain"]),
    ("sin dolor", [], ["pain"]),
    ("ni moretones ni hinchazón", [], ["bruising", "swelling"]),
    ("Moretones sí, hinchazón no", ["bruising"], ["swelling"]),
    ("sin moretones, solo un poco de comezón", ["itching"], ["bruising"]),
    ("tengo fiebre", ["fever"], []),
    ("si me duele mucho", ["pain"], []),  # "sí" without its accent
]


@pytest.mark.parametrize(("text", "present", "absent"), NEGATION + RESOLUTION)
def test_negation_scope_and_resolution(text: str, present: list[str], absent: list[str]
                                       ) -> None:
    r = _read(text)
    assert sorted(r.present) == sorted(present)
    assert sorted(r.absent) == sorted(absent)


@pytest.mark.parametrize(("text", "code"), HYPOTHETICAL)
def test_hypotheticals_are_questions_not_symptoms(text: str, code: str | None) -> None:
    r = _read(text)
    assert r.present == ()
    assert r.intent == "question"
    assert r.triage == "review"
    if code:
        assert code in r.hypothetical


@pytest.mark.parametrize(("text", "present"), OTHER_PEOPLE)
def test_other_people(text: str, present: list[str]) -> None:
    assert sorted(_read(text).present) == sorted(present)


@pytest.mark.parametrize(("text", "present"), TYPOS)
def test_typos_and_misspellings(text: str, present: list[str]) -> None:
    assert sorted(_read(text).present) == sorted(present)


@pytest.mark.parametrize(("text", "present", "absent"), SPANISH)
def test_spanish(text: str, present: list[str], absent: list[str]) -> None:
    r = _read(text, "es")
    assert sorted(r.present) == sorted(present)
    assert sorted(r.absent) == sorted(absent)
    assert r.language == "es"


# (text, intent, triage)
INTENTS = [
    ("STOP", "opt_out", "none"),
    ("stop.", "opt_out", "none"),
    ("Stop please", "opt_out", "none"),
    ("UNSUBSCRIBE", "opt_out", "none"),
    ("cancel", "opt_out", "none"),
    ("PARAR", "opt_out", "none"),
    ("alto", "opt_out", "none"),
    ("please stop texting me", "opt_out", "none"),
    ("dejen de enviarme mensajes", "opt_out", "none"),
    ("START", "opt_in", "none"),
    ("unstop", "opt_in", "none"),
    ("HELP", "help", "none"),
    ("info", "help", "none"),
    ("AYUDA", "help", "none"),
    ("yes", "other", "none"),  # no check-in context: REPLIES.md labels a bare yes `other`
    ("1", "other", "none"),
    ("ok", "other", "none"),
    ("Thank you!!", "other", "none"),
    ("👍", "other", "none"),
    ("all good thanks 👍", "all_clear", "none"),
    ("feeling great 😊", "all_clear", "none"),
    ("todo bien", "all_clear", "none"),
    ("no problems", "all_clear", "none"),
    ("the bleeding won't stop", "symptom_report", "urgent"),
    ("it wont stop bleeding", "symptom_report", "urgent"),
    ("can I stop wearing the stockings?", "question", "review"),
    ("help my calf is swollen and hot", "symptom_report", "urgent"),
    ("Can I take a shower?", "question", "review"),
    ("when can I fly", "question", "review"),
    ("¿Puedo hacer ejercicio?", "question", "review"),
    ("please call me", "question", "review"),
]


@pytest.mark.parametrize(("text", "intent", "triage"), INTENTS)
def test_intents_and_keywords(text: str, intent: str, triage: str) -> None:
    r = _read(text)
    assert (r.intent, r.triage) == (intent, triage)


# (text, triage, reason fragment)
TRIAGE = [
    ("I feel short of breath", "urgent", "shortness of breath"),
    ("chest hurts when I breathe in", "urgent", "chest pain"),
    ("coughed up blood", "urgent", "coughing up blood"),
    ("my face is drooping and my speech is slurred", "urgent", "stroke"),
    ("my throat feels tight and I have hives", "urgent", "anaphylaxis"),
    ("my calf is swollen, hot and painful", "urgent", "DVT"),
    ("left calf swollen and sore", "urgent", "DVT"),
    ("one leg is bigger than the other", "urgent", "DVT"),
    ("leg swollen to twice the size, cant walk", "urgent", "DVT"),
    ("a blister opened up and the skin looks black", "urgent", "black"),
    ("fever 103 and the redness is spreading", "urgent", "infection"),
    ("passed out this morning", "urgent", "fainted"),
    ("the bleeding stopped after pressure", "review", "stopped"),
    ("hard lump along the vein", "review", "lump"),
    ("brown marks where the veins were", "review", "staining"),
    ("migraine since yesterday", "review", "headache"),
    ("fever and chills", "review", "fever"),
    ("bruising is getting bigger", "review", "worse"),
    ("pain is 8/10", "review", "severe pain"),
    ("really swollen ankle", "review", "swelling"),
    ("a little bruising", "routine", "bruising"),
    ("pain 2 out of 10", "routine", "pain"),
    ("itchy", "routine", "itching"),
    ("swelling going down", "routine", "improving"),
    ("no chest pain and no trouble breathing", "none", None),
    ("what if I get chest pain?", "review", "question"),
    ("my mom had chest pain", "none", None),
]


@pytest.mark.parametrize(("text", "triage", "reason"), TRIAGE)
def test_triage(text: str, triage: str, reason: str | None) -> None:
    r = _read(text)
    assert r.triage == triage, r.reasons
    if reason:
        assert any(reason in x for x in r.reasons), r.reasons


SEVERITY = [
    ("a bit sore", "mild", None, False),
    ("slight swelling", "mild", None, False),
    ("really bad bruising", "severe", None, False),
    ("excruciating pain", "severe", None, False),
    ("pain is 7", "severe", 7, False),
    ("8/10 pain in my calf", "severe", 8, False),
    ("pain 3 out of 10", "mild", 3, False),
    ("the swelling is getting worse", None, None, True),
    ("redness spreading", None, None, True),
    ("bruise getting bigger", None, None, True),
    ("me duele muchísimo", "severe", None, False),
    ("un poco hinchado", "mild", None, False),
]


@pytest.mark.parametrize(("text", "severity", "scale", "worse"), SEVERITY)
def test_severity_scale_and_worsening(text: str, severity: str | None, scale: int | None,
                                      worse: bool) -> None:
    r = _read(text)
    if severity:
        assert r.severity == severity
    assert r.scale == scale
    assert r.worsening is worse


@pytest.mark.parametrize(("text", "locations", "side"), [
    ("my left calf is swollen", ["calf"], "left"),
    ("bruising on my right thigh", ["thigh"], "right"),
    ("both ankles are puffy", ["ankle"], "both"),
    ("one calf is sore", ["calf"], "one_leg"),
    ("hinchazón en el tobillo izquierdo", ["ankle"], "left"),
])
def test_locations_and_side(text: str, locations: list[str], side: str) -> None:
    r = _read(text)
    assert list(r.locations) == locations
    assert r.side == side


DAY1 = CheckInContext(
    step_key="day1-check-in",
    choices={
        1: ChoiceMeaning(all_clear=True),
        2: ChoiceMeaning(symptoms=("bruising", "itching", "pain"), severity="mild"),
        3: ChoiceMeaning(call_me=True),
    },
)
DVT_SCREEN = CheckInContext(
    step_key="day3-dvt-screen",
    yes_means=ChoiceMeaning(symptoms=("swelling", "warmth", "pain")),
    no_means=ChoiceMeaning(all_clear=True),
)


@pytest.mark.parametrize(("text", "intent", "present", "triage", "choice"), [
    ("1", "all_clear", [], "none", 1),
    ("2", "symptom_report", ["bruising", "itching", "pain"], "routine", 2),
    ("2 - bit bruised", "symptom_report", ["bruising"], "routine", 2),
    ("3", "question", [], "review", 3),
    ("3 worried", "question", [], "review", 3),
    ("1 but I can't breathe", "symptom_report", ["breathing_difficulty"], "urgent", 1),
    ("2 days of swelling", "symptom_report", ["swelling"], "routine", None),
])
def test_numbered_answers_read_through_choices(text: str, intent: str, present: list[str],
                                               triage: str, choice: int | None) -> None:
    r = read_reply(text, check_in=DAY1)
    assert (r.intent, sorted(r.present), r.triage, r.choice) == (
        intent, sorted(present), triage, choice)
    if text.startswith("3"):
        assert r.call_requested and "asked for a call" in r.reasons


@pytest.mark.parametrize(("text", "intent", "present", "absent", "triage"), [
    ("YES", "symptom_report", ["pain", "swelling", "warmth"], [], "urgent"),
    ("yes my left calf", "symptom_report", ["pain", "swelling", "warmth"], [], "urgent"),
    ("Si", "symptom_report", ["pain", "swelling", "warmth"], [], "urgent"),
    ("no", "all_clear", [], ["pain", "swelling", "warmth"], "none"),
    ("NO, all fine", "all_clear", [], ["pain", "swelling", "warmth"], "none"),
])
def test_yes_no_screen_answers(text: str, intent: str, present: list[str], absent: list[str],
                               triage: str) -> None:
    r = read_reply(text, check_in=DVT_SCREEN)
    assert (r.intent, sorted(r.present), sorted(r.absent), r.triage) == (
        intent, sorted(present), sorted(absent), triage)


def test_yes_without_context_is_not_an_answer_nor_opt_in() -> None:
    assert read_reply("YES").intent == "other"
    assert read_reply("YES", check_in=DVT_SCREEN).intent == "symptom_report"


def test_reading_serialises_to_json() -> None:
    r = read_reply("my left calf is swollen and hot, pain 7/10")
    data = r.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["present"] == ["swelling", "warmth", "pain"]
    assert data["reader_version"] == READER_VERSION
    assert data["triage"] == "urgent" and data["scale"] == 7


def test_reading_is_deterministic_and_frozen() -> None:
    a = read_reply("no pain, just a few bruises")
    assert a == read_reply("no pain, just a few bruises")
    with pytest.raises(AttributeError):
        a.intent = "other"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "hint", "lang"), [
    ("my leg hurts", None, "en"),
    ("me duele la pierna", None, "es"),
    ("PARAR", None, "es"),
    ("1", "es", "es"),
    ("ok", None, "en"),
])
def test_language_detection(text: str, hint: str | None, lang: str) -> None:
    assert read_reply(text, language=hint).language == lang
