"""A stocking check-in answered by its number: the adherence is recorded, a red flag in the
same reply is still read as one."""

from __future__ import annotations

import pytest

from aftercare.careplans.schema import ChoiceMeaning
from aftercare.replies.reading import CheckInContext, read_reply

CHECK_IN = CheckInContext(step_key="day5_stockings_check", kind="check_in", choices={
    1: ChoiceMeaning(stockings="day_and_night"), 2: ChoiceMeaning(stockings="daytime"),
    3: ChoiceMeaning(stockings="not_worn")})


@pytest.mark.parametrize(("text", "stockings", "triage"), [
    ("1", "day_and_night", "none"),
    ("2", "daytime", "none"),
    ("2 thanks", "daytime", "none"),
    ("3", "not_worn", "routine"),
])
def test_the_answer_records_how_the_stockings_are_worn(text: str, stockings: str,
                                                      triage: str) -> None:
    reading = read_reply(text, language="en", check_in=CHECK_IN)
    assert (reading.stockings, reading.triage) == (stockings, triage)
    assert reading.to_dict()["stockings"] == stockings


def test_a_red_flag_beside_the_answer_is_still_urgent() -> None:
    reading = read_reply("3, my calf is hot and swollen and really hurts", language="en",
                         check_in=CHECK_IN)
    assert reading.stockings == "not_worn" and reading.triage == "urgent"


def test_a_reply_to_any_other_check_in_records_no_stockings() -> None:
    assert read_reply("2", language="en", check_in=None).stockings is None


SCREEN = CheckInContext(step_key="day3_leg_screen", kind="check_in",
                        yes_means=ChoiceMeaning(symptoms=("swelling", "warmth", "pain")),
                        no_means=ChoiceMeaning(all_clear=True))


@pytest.mark.parametrize(("text", "check_in"), [
    ("4", CHECK_IN), ("0", CHECK_IN), ("yes", CHECK_IN), ("no, I stopped", CHECK_IN),
    ("Si", CHECK_IN), ("5", SCREEN), ("2 3", CHECK_IN), ("1 3", CHECK_IN),
])
def test_an_answer_to_nothing_the_check_in_offered_goes_to_a_person(
        text: str, check_in: CheckInContext) -> None:
    reading = read_reply(text, language="en", check_in=check_in)
    assert reading.triage == "review"
    assert "not one of the answers the check-in offered" in reading.reasons[0]


@pytest.mark.parametrize(("text", "check_in", "triage"), [
    ("thanks", CHECK_IN, "none"), ("ok 👍", CHECK_IN, "none"), ("no", SCREEN, "none"),
    ("4", None, "none"), ("yes", None, "none"),  # out of context: benign, as before
])
def test_what_answers_nothing_stays_as_it_was(text: str, check_in: CheckInContext | None,
                                              triage: str) -> None:
    assert read_reply(text, language="en", check_in=check_in).triage == triage
