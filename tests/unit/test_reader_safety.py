"""Red-flag safety nets (reader-1.1): red flags worded in ways no phrase list foresaw.

Each net is a body part and a trouble word near each other in one clause, in either order
(breath + hard/short/heavy, chest + tight/pressure/vice, face/arm + numb/droop, lips/throat +
swelling, cough + blood/red...), plus a catch-all for an unexplained mention of breathing.
The tables below hold phrasings the nets must catch, clause boundaries a negation must not
leak across, and look-alikes (idioms, other people, questions about the future) that must
stay non-urgent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aftercare.replies.reading import read_reply
from aftercare.replies.reading.spelling import spanish_diminutive
from aftercare.replies.reading.vocabulary import is_known, make_corrector
from tests.support.evalsets import eval_set, needs_eval_set

REPO = Path(__file__).resolve().parents[2]
DEV = eval_set("replies-dev.jsonl")
OWN = sorted((REPO / "tests" / "data").glob("replies-*.jsonl"))

# (text, code expected present or None for a signal-only red flag such as fainting)
CAUGHT = [
    ("my chest feels like its in a vice", "chest_pain"),
    ("squeezing feeling in my chest that goes to my jaw", "chest_pain"),
    ("ache in the middle of my chest", "chest_pain"),
    ("every breath feels like a knife in my side", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("siento el pecho apretado", "chest_pain"),
    ("¿es normal que me duela el pecho?", "chest_pain"),
    ("feel like i cant get enough air", "breathing_difficulty"),
    ("my breathing is all messed up", "breathing_difficulty"),
    ("breathing's been rough since yesterday", "breathing_difficulty"),
    ("not able to breathe properly", "breathing_difficulty"),
    ("keep having to sit up at night to breathe", "breathing_difficulty"),
    ("like breathing through a straw", "breathing_difficulty"),
    ("my breathing since the foam", "breathing_difficulty"),
    ("me cuesta mucho respirar", "breathing_difficulty"),
    ("siento que no me alcanza el aire", "breathing_difficulty"),
    ("respiro con mucho trabajo", "breathing_difficulty"),
    ("coughed up something red", "coughing_blood"),
    ("i cough and theres bright red streaks in it", "coughing_blood"),
    ("my spit has blood in it when i cough", "coughing_blood"),
    ("escupo con sangre", "coughing_blood"),
    ("cant feel the left side of my face", "neuro_deficit"),
    ("my left leg just went weak", "neuro_deficit"),
    ("half my face is numb", "neuro_deficit"),
    ("se me durmió la mitad de la cara", "neuro_deficit"),
    ("se me entumió el lado derecho de la cara", "neuro_deficit"),
    ("no siento el brazo izquierdo", "neuro_deficit"),
    ("lips puffing up after the shot", "allergic_reaction"),
    ("my throat feels like its closing up", "allergic_reaction"),
    ("face and neck swelling up", "allergic_reaction"),
    ("my tounge is swelling", "allergic_reaction"),
    ("se me están hinchando los labios", "allergic_reaction"),
    ("lost the vision in one eye for a few minutes", "vision_change"),
    ("everything went dark in my left eye", "vision_change"),
    ("my whole leg blew up like a balloon", "swelling"),
    ("right leg way bigger than the left", "swelling"),
    ("la pantorrilla está el doble de grande", "swelling"),
    ("mi pierna derecha está mucho más gorda que la izquierda", "swelling"),
    ("feel like im gonna faint", None),
    ("keeled over in the garden", None),
]


@pytest.mark.parametrize(("text", "code"), CAUGHT)
def test_red_flag_nets(text: str, code: str | None) -> None:
    r = read_reply(text)
    assert r.triage == "urgent", (text, r)
    if code is not None:
        assert code in r.present, (text, r.present)


# A negation that has not reached any symptom before a comma or "and" is about something
# else ("not feeling great", "no energy"); it may not silence a red flag after it.
NO_LEAK = [
    "not feeling great, short of breath",
    "I don't feel right, chest tight",
    "no energy and out of breath",
    "not sleeping, chest feels tight",
    "I never had this before, chest pressure",
    "never felt so short of breath in my life",
    "nothing helps the chest pain",
    "without warning my face went numb",
    "no bruising, but short of breath",
    "no chest pain but i cant catch my breath",
]


@pytest.mark.parametrize("text", NO_LEAK)
def test_negation_does_not_leak_onto_red_flags(text: str) -> None:
    assert read_reply(text).triage == "urgent", text


# Lists are still negated as lists, and other people's red flags stay theirs.
@pytest.mark.parametrize(("text", "absent"), [
    ("no cough, shortness of breath or fever", ["breathing_difficulty", "fever"]),
    ("no chest pain, cough or shortness of breath", ["chest_pain", "breathing_difficulty"]),
    ("I don't have chest pain, trouble breathing or swelling",
     ["chest_pain", "breathing_difficulty", "swelling"]),
    ("no numbness or weakness in my face or arms", ["neuro_deficit"]),
    ("bruising yes swelling a little pain no", ["pain"]),
])
def test_negated_lists(text: str, absent: list[str]) -> None:
    r = read_reply(text)
    assert r.triage != "urgent", (text, r)
    assert set(absent) <= set(r.absent), (text, r.absent)


NOT_URGENT = [
    "a faint bruise on my shin",
    "faint brown marks",
    "the bruise on my leg is huge",
    "the lump on my calf is bigger",
    "Bruises are huge now purple all down my shin bigger than yesterday",
    "just wanted to get this off my chest, leg is fine",
    "can the foam cause chest pain?",
    "can foam cause a stroke?",
    "do people get short of breath after this?",
    "what if i get short of breath on the flight home",
    "my sister got a clot after hers, kinda nervous",
    "my husband is short of breath but thats his asthma, im fine",
    "mi esposo tiene la cara hinchada por una muela, yo estoy bien",
    "I took a deep breath and put the stockings on",
    "breathing fine, leg a bit sore",
    "I can breathe fine",
    "the nurse told me to breathe slowly during the injection",
    "breathing a sigh of relief that its over",
    "holding my breath waiting for the results",
    "my breath smells from the meds",
    "breathing exercises help with the anxiety",
    "my eyes are puffy from crying",
    "passed out on the couch watching tv lol",
    "blacked out the windows to sleep",
    "blister popped up where the stocking rubs",
    "I cant see anything wrong with my leg",
    "cant see properly without my glasses",
    "the pills are hard to swallow",
    "the red spot hurts when I cough",
    "walked a mile without stopping to catch my breath",
    "my chest is fine, leg is bruised",
    "no tengo dolor de pecho ni me falta el aire",
    "sangró un poco pero no para de picar",
]


@pytest.mark.parametrize("text", NOT_URGENT)
def test_look_alikes_are_not_urgent(text: str) -> None:
    assert read_reply(text).triage != "urgent", (text, read_reply(text))


def test_a_question_reporting_a_red_flag_is_urgent() -> None:
    for text in ("is it normal that my chest hurts?", "could the foam cause my chest pain?",
                 "should i be worried that im short of breath going up the stairs"):
        assert read_reply(text).triage == "urgent", text


def test_spanish_diminutives() -> None:
    assert spanish_diminutive("hinchadito", is_known) == "hinchado"
    assert spanish_diminutive("manchitas", is_known) == "manchas"
    assert spanish_diminutive("dolorcito", is_known) == "dolor"
    assert spanish_diminutive("calientita", is_known) == "caliente"
    assert read_reply("tengo el tobillo hinchadito").present == ("swelling",)


def test_real_words_are_not_repaired_into_red_flag_words() -> None:
    fix = make_corrector()
    for word in ("tried", "brand", "lunge", "boring", "bought", "backing", "attach", "sigh",
                 "visita", "vise"):
        assert fix(word) == word, word
    for typo, word in (("brething", "brething"), ("breth", "breath"), ("chets", "chest"),
                       ("swolen", "swolen"), ("hinchadito", "hinchado")):
        assert fix(typo) == word or is_known(typo), typo


def _cases(paths: list[Path]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


@pytest.mark.parametrize("paths", [
    pytest.param([DEV], id="dev", marks=needs_eval_set(DEV)),
    pytest.param(OWN, id="tests-data"),
])
def test_urgency_survives_chatter_around_the_message(paths: list[Path]) -> None:
    """A greeting, thanks or an emoji around a reply never changes whether it is urgent."""
    flips = []
    for case in _cases(paths):
        if case["intent"] in ("opt_out", "opt_in", "help"):
            continue
        text = str(case["text"])
        urgent = read_reply(text).triage == "urgent"  # whatever it is, chatter keeps it
        for variant in (f"hi, {text}", f"{text} thanks", f"{text} 😟",
                        f"hello nurse {text} pls advise", text.upper(), f"Update: {text}."):
            if (read_reply(variant).triage == "urgent") != urgent:
                flips.append(variant)
    assert flips == []
