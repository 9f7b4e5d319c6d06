"""The pure parts of conversations: reading an inbound email's fields, keeping only the
patient's own words, filling canned replies, and the inbound-email secret."""

from __future__ import annotations

import base64

import pytest
from starlette.requests import Request

from aftercare.conversations.canned import filled
from aftercare.conversations.email_in import BadEmail, authorised, own_words, parse_email
from aftercare.planning import ClinicContext

CLINIC = ClinicContext(name="Riverside", phone="+1 555 010 2030", emergency_number="911")


@pytest.mark.parametrize(("text", "own"), [
    ("Fine, thanks", "Fine, thanks"),
    ("Calf hurts\n\nOn Wed, 4 Mar 2026, Riverside wrote:\n> No swelling?", "Calf hurts"),
    ("ok\r\n> quoted line", "ok"),
    ("all good\n-----Original Message-----\nFrom: clinic", "all good"),
    ("walking daily\nSent from my iPhone", "walking daily"),
    ("", ""),
])
def test_own_words_cut_the_quoted_message(text: str, own: str) -> None:
    assert own_words(text) == own


def test_parse_email_takes_sendgrid_and_mailgun_fields() -> None:
    sendgrid = parse_email({
        "from": "Maria Lopez <Maria@Example.org>", "to": "Clinic <aftercare@clinic.org>",
        "subject": "Re: How are your legs?", "text": "swollen\n> quoted",
        "headers": "Message-ID: <abc@mail>\nIn-Reply-To: <aftercare-7@clinic.org>\n"})
    assert (sendgrid.sender, sendgrid.to, sendgrid.text) == (
        "maria@example.org", "aftercare@clinic.org", "swollen")
    assert (sendgrid.message_id, sendgrid.in_reply_to) == ("<abc@mail>",
                                                           "<aftercare-7@clinic.org>")
    mailgun = parse_email({"from": "maria@example.org", "body-plain": "fine",
                           "Message-Id": "<m1@mg>"})
    assert (mailgun.text, mailgun.message_id, mailgun.in_reply_to) == ("fine", "<m1@mg>",
                                                                       None)
    bare = parse_email({"from": "maria@example.org", "text": "fine"})
    assert len(bare.message_id) == 64  # a hash of the fields: a repeat is stored once
    with pytest.raises(BadEmail):
        parse_email({"from": "nobody", "text": "hi"})


def test_canned_replies_are_filled_from_the_location() -> None:
    assert filled("Call us on {clinic_phone}, {clinic_name}", CLINIC) == (
        "Call us on +1 555 010 2030, Riverside")
    assert filled("a stray { brace", CLINIC) == "a stray { brace"


def _request(query: str = "", authorization: str | None = None) -> Request:
    headers = [(b"authorization", authorization.encode())] if authorization else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers,
                    "query_string": query.encode()})


def test_the_inbound_secret_is_basic_auth_or_a_key() -> None:
    secret = "s3cret"
    basic = "Basic " + base64.b64encode(b"inbound:s3cret").decode()
    assert authorised(secret, _request(authorization=basic))
    assert authorised(secret, _request(query="key=s3cret"))
    assert not authorised(secret, _request(query="key=wrong"))
    assert not authorised(secret, _request(authorization="Basic !!notbase64"))
    assert not authorised(secret, _request())
    assert not authorised("", _request(query="key="))
