"""The reader's rules for the kinds of reply it used to miss: each rule, several wordings
(lay, misspelt, Spanish), and the decoys it must not fire on."""

from __future__ import annotations

import time

import pytest

from aftercare.replies.reading.reader import MAX_CHARS, read_reply


@pytest.mark.parametrize("text", [
    "my calf is real tight and feels hot, its only the leg they did",
    "carf is cramping real bad and its warm when i put my hand on it",
    "la pantorrilla me duele mucho y esta caliente",
    "back of my leg under the knee is throbbing and all puffed up. other leg looks normal",
    "tengo toda la pierna hinchada desde ayer",
    "my calf is hot and swollen and hurts to walk",
])
def test_a_calf_with_two_signs_of_a_clot_is_urgent(text: str) -> None:
    reading = read_reply(text)
    assert reading.triage == "urgent", reading
    assert any("DVT" in r for r in reading.reasons)  # the rule that fired is named


@pytest.mark.parametrize("text", [
    "toes on my right foot are ice cold and kind of a bluish grey color",
    "tengo el pie frio y los dedos morados",
    "her toes are white and cold and she says they feel numb",
    "my foot is freezing cold and the toes look dusky",
])
def test_cold_and_discoloured_toes_are_urgent(text: str) -> None:
    reading = read_reply(text)
    assert reading.triage == "urgent", reading
    assert any("cold and pale or blue" in r for r in reading.reasons)


@pytest.mark.parametrize("text", ["my toes are a bit cold in the stockings",
                                  "toes look a little blue this morning"])
def test_cold_or_blue_toes_alone_are_a_stocking_check(text: str) -> None:
    assert read_reply(text).triage == "review"


@pytest.mark.parametrize("text", [
    "blood is dripping on the floor from one of the needle spots",
    "the bleeding wont stop even when I push on it",
    "sangra y gotea aunque apriete",
])
def test_bleeding_that_runs_or_does_not_stop_with_pressure_is_urgent(text: str) -> None:
    reading = read_reply(text)
    assert reading.triage == "urgent", reading
    assert "bleeding that will not stop" in reading.reasons


@pytest.mark.parametrize("text", [
    "I have chest paint since lunch",
    "I can't breed good when I lay down",
    "words keep coming out all mixed up, cant say what i mean",
    "my wife has a spot on her ankle that's gone dark and dead looking, almost black",
])
def test_misspelt_and_indirect_red_flags_are_urgent(text: str) -> None:
    assert read_reply(text).triage == "urgent", read_reply(text)


@pytest.mark.parametrize("text", [
    "I'm his wife, he can't lift his arm",
    "mi esposo no puede mover bien el brazo derecho y habla raro",
    "my mother got confused all of a sudden, doesnt know where she is",
    "this is her daughter, mom's words are jumbled",
])
def test_a_relative_writing_for_the_patient_reports_the_patients_red_flag(text: str) -> None:
    reading = read_reply(text)
    assert reading.triage == "urgent", reading
    assert reading.reasons[0] == "reported by a relative or carer"


@pytest.mark.parametrize("text", [
    "my husband is short of breath but thats his asthma, im fine",
    "mi esposo se queja de dolor de pecho pero yo estoy bien",
    "my husband had a stroke last year",
    "my mom had chest pain",
    "my mom had a stroke after her heart surgery, is the foam safe for me?",
])
def test_someone_elses_complaint_is_not_the_patients(text: str) -> None:
    assert read_reply(text).triage != "urgent", read_reply(text)


@pytest.mark.parametrize(("text", "denied"), [
    ("zero pain", "pain"), ("0 pain, little bruise", "pain"), ("bruises: 0", "bruising"),
    ("swelling fine", "swelling"), ("swelling is ok now, just some bruising left", "swelling"),
    ("haven't noticed any redness", "redness"),
    ("Haven't seen any bruising or swelling, feel normal", "swelling"),
    ("Chest pain? No. Breathing? Fine. Leg? A bit sore.", "breathing_difficulty"),
    ("No fever. Temp 98.4", "fever"),
])
def test_negation_by_zero_state_and_not_seen(text: str, denied: str) -> None:
    reading = read_reply(text)
    assert denied in reading.absent and denied not in reading.present, reading
    assert reading.triage != "urgent"


def test_only_a_plain_denial_clears_a_red_flag() -> None:
    # "ok now" is a red flag that was there: it is still escalated.
    assert read_reply("chest pain is ok now").triage == "urgent"
    assert read_reply("my left leg is swollen and the right one is fine").triage == "urgent"
    assert read_reply("No puedo respirar bien").triage == "urgent"
    assert read_reply("no chest pain").triage == "none"


@pytest.mark.parametrize("text", ["something is not right with my leg", "something's off",
                                  "the incision opened up", "see the picture i sent",
                                  "llámenme por favor"])
def test_what_the_reader_cannot_place_goes_to_a_person(text: str) -> None:
    assert read_reply(text).triage in ("review", "urgent"), read_reply(text)


@pytest.mark.parametrize("text", ["thanks doc!", "cheers!", "listo, gracias", "ok 👍", "👍",
                                  "2", "yes", "all good thanks"])
def test_benign_replies_stay_closed(text: str) -> None:
    assert read_reply(text).triage == "none", read_reply(text)


@pytest.mark.parametrize(("text", "intent"), [
    ("pls no more texts", "opt_out"), ("ya no quiero mensajes", "opt_out"),
    ("Please take my mother off this list, she can't read texts anymore", "opt_out"),
    ("sorry I sent stop by mistake, keep them coming", "opt_in"),
    ("I want the texts back on please, I stopped them by mistake", "opt_in"),
    ("quiero volver a recibir los mensajes", "opt_in"),
    ("sign me back up for the reminders", "opt_in"),
    ("ayuda, no entiendo este mensaje", "help"),
])
def test_opting_out_and_in_in_words(text: str, intent: str) -> None:
    assert read_reply(text).intent == intent, read_reply(text)


def test_a_long_text_is_read_up_to_twilios_limit_quickly_and_a_person_reads_the_rest() -> None:
    text = "my leg is a bit sore and swollen, no chest pain. " * 1200  # ~60,000 characters
    started = time.perf_counter()
    reading = read_reply(text)
    assert time.perf_counter() - started < 2.0
    assert reading.triage == "review"
    assert reading.reasons[-1] == f"longer than {MAX_CHARS} characters: only the start was read"
    # A red flag inside the limit is still urgent.
    assert read_reply("I can't breathe. " + "x " * 40_000).triage == "urgent"


@pytest.mark.parametrize("text", [
    "calfhotandswollen and throbbing since last nite", "iamshortofbreath since lunch"])
def test_words_typed_without_spaces_are_split_when_that_reveals_a_symptom(text: str) -> None:
    assert read_reply(text).triage == "urgent", read_reply(text)


@pytest.mark.parametrize("text", ["feeling awesome, legs look amazing already", "nosebleed"])
def test_a_split_never_invents_words_or_a_negation(text: str) -> None:
    reading = read_reply(text)
    assert not reading.absent and reading.triage != "urgent", reading


@pytest.mark.parametrize("text", [
    "left leg looks like a tree trunk compared to the right from the knee down",
    "pierna derecha mas gorda q la izq desde la rodilla pa bajo y duele",
    "carf kills when i walk and its warm", "la pantorilla me arde y esta inchada",
    "have to stop halfway up the stairs to get my air back, never used to",
    "coughed into a tissue and there was blood in it",
    "left arm and left leg feel dead and numb, both on the same side",
    "talking like ive had 10 beers but I havent had a drop",
    "toes are ice cold and look kind of grey/blue",
    "the spot near my ankle went black and its getting bigger",
])
def test_round_five_wordings_of_red_flags(text: str) -> None:
    assert read_reply(text).triage == "urgent", read_reply(text)


@pytest.mark.parametrize("text", [
    "leaflet says call 911 for chest pain or hard to breathe - I have neither, all good",
    "the bruise looks purple", "haven't noticed anything"])
def test_leaflet_words_and_a_colour_alone_are_not_red_flags(text: str) -> None:
    assert read_reply(text).triage != "urgent", read_reply(text)


@pytest.mark.parametrize("text", [
    "This is her son. Mum says her calf feels tight. It's warm when I touch it too.",
    "seeing double and my right hand is clumsy and weak",
    "My toes are cold and kind of blue, and tingly",
])
def test_round_eight_wordings_of_red_flags(text: str) -> None:
    assert read_reply(text).triage == "urgent", read_reply(text)


def test_fever_under_the_threshold_with_spreading_redness_is_review() -> None:
    assert read_reply("slight fever 37.9 and the red patch is a bit bigger").triage == "review"
    assert read_reply("fever 39.1 and the red patch is spreading").triage == "urgent"


@pytest.mark.parametrize("text", [
    "my leg is swollen all the way up from the knee, I didn't have that yesterday",
    "the other leg is half the size of this one lol. is that normal",
    "Bruises are fading. Calf isn't red. But it IS swollen and it throbs at night.",
    "Kind of a cramping pain in my calf, and yeah I guess it's a bit swollen too",
    "the little sore on my ankle has opened up and it's bigger every day",
])
def test_round_seven_wordings_of_red_flags(text: str) -> None:
    assert read_reply(text).triage == "urgent", read_reply(text)


@pytest.mark.parametrize(("text", "intent"), [
    ("Who is this? What are these messages?", "help"),
    ("how do these texts work, do I have to reply?", "help"),
    ("Thanks so much, you guys are great", "other"),
])
def test_help_in_words_and_thanks_need_no_clinician(text: str, intent: str) -> None:
    reading = read_reply(text)
    assert (reading.intent, reading.triage) == (intent, "none"), reading


def test_a_normal_temperature_after_a_comma_is_not_fever() -> None:
    reading = read_reply("Me tome la temperatura, 36.5, no tengo fiebre")
    assert "fever" not in reading.present and reading.triage == "none"


@pytest.mark.parametrize(("text", "triage"), [
    ("leaflet says call 911 for chest pain or hard to breathe - I have neither, all good",
     "none"),
    ("Stockings are itchy and hot in this weather but leg is fine", "routine"),
    ("brown marks fading slowly", "routine"),
    ("my sister had a clot after hers so I'm a bit nervous but my leg looks normal, "
     "no swelling", "routine"),
])
def test_what_needs_no_clinician_is_closed(text: str, triage: str) -> None:
    assert read_reply(text).triage == triage, read_reply(text)


def test_the_heat_of_the_day_does_not_hide_a_hot_swollen_calf() -> None:
    assert read_reply("my calf is hot and swollen in this heat").triage == "urgent"
