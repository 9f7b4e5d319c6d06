"""Channels without a network: error mapping tables, message building, masking."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiohttp import (
    ClientConnectorError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from aiohttp.client_reqrep import ConnectionKey
from pydantic import SecretStr
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

from aftercare.channels.base import (
    Outgoing,
    PermanentError,
    RecipientOptedOut,
    TransientError,
    UncertainSend,
)
from aftercare.channels.console import mask
from aftercare.channels.smtp_email import SmtpEmail
from aftercare.channels.smtp_email import channel_error as smtp_error
from aftercare.channels.twilio_sms import TwilioSMS
from aftercare.channels.twilio_sms import channel_error as twilio_error
from aftercare.settings import Settings
from tests.support.prism import TwilioErrorStub

SID = "AC" + "0" * 32


def rest_error(status: int, code: int | None) -> TwilioRestException:
    return TwilioRestException(status, "/Messages.json", "Unable to create record", code, "POST")


@pytest.mark.parametrize(
    ("exc", "expected", "code"),
    [
        (rest_error(400, 21610), RecipientOptedOut, "21610"),
        (rest_error(400, 21211), PermanentError, "21211"),
        (rest_error(400, 21614), PermanentError, "21614"),
        (rest_error(400, 21612), PermanentError, "21612"),
        (rest_error(400, 21408), PermanentError, "21408"),
        (rest_error(400, 21606), PermanentError, "21606"),
        (rest_error(400, 21602), PermanentError, "21602"),
        (rest_error(401, 20003), PermanentError, "20003"),
        (rest_error(404, 20404), PermanentError, "20404"),
        (rest_error(422, 422), PermanentError, "422"),  # Prism: our request breaks the spec
        (rest_error(400, None), PermanentError, "400"),
        (rest_error(429, 20429), TransientError, "20429"),
        (rest_error(429, None), TransientError, "429"),
        (rest_error(400, 21611), TransientError, "21611"),  # sender queue full, for now
        (rest_error(500, 20500), TransientError, "20500"),
        (rest_error(503, None), TransientError, "503"),
        (TwilioServiceException("urn:x", "Too many", 429, 20429), TransientError, "20429"),
        (TwilioServiceException("urn:x", "Invalid To", 400, 21211), PermanentError, "21211"),
        (ClientConnectorError(ConnectionKey("api.twilio.com", 443, True, True, None, None,
                                            None), OSError(111, "refused")),
         TransientError, "network"),
        (ConnectionTimeoutError("slow to connect"), TransientError, "network"),
        # The request went out: Twilio may have it, so reconcile before any resend.
        (SocketTimeoutError("slow to answer"), UncertainSend, "read_timeout"),
        (TimeoutError("no answer in 30 s"), UncertainSend, "read_timeout"),
        (ServerDisconnectedError(), UncertainSend, "no_answer"),
        (TwilioException("odd"), TransientError, None),
    ],
)
def test_twilio_errors_say_whether_a_retry_could_help(
    exc: Exception, expected: type, code: str | None
) -> None:
    error = twilio_error(exc)
    assert type(error) is expected
    assert error.code == code
    assert error.permanent == issubclass(expected, PermanentError)


def test_twilio_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="from_number or a messaging_service_sid"):
        TwilioSMS(account_sid=SID, auth_token="t", status_callback_base="https://x.example")


def test_twilio_lookup_without_a_claim_time_cannot_tell() -> None:
    stub = TwilioErrorStub(500)
    channel = TwilioSMS(
        account_sid=SID,
        auth_token="t",
        from_number="+15017122661",
        status_callback_base="https://x.example",
        http_client=stub,
    )
    sms = Outgoing(message_id=1, channel="sms", to="+15558675310", body="hi")
    assert channel.lookup(sms).outcome == "unknown"
    assert stub.requests == []


def test_twilio_lookup_when_twilio_fails_asks_again_later() -> None:
    channel = TwilioSMS(
        account_sid=SID,
        auth_token="t",
        from_number="+15017122661",
        status_callback_base="https://x.example",
        http_client=TwilioErrorStub(500),
    )
    sms = Outgoing(1, "sms", "+15558675310", "hi", claimed_at=datetime.now(UTC))
    assert channel.lookup(sms).outcome == "unavailable"  # not "unknown": ask again later


def test_twilio_from_settings_uses_the_public_url_for_status_callbacks() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        twilio_account_sid=SID,
        twilio_auth_token=SecretStr("token"),
        twilio_from_number="+15017122661",
        public_base_url="https://clinic.example.org/",
    )
    channel = TwilioSMS.from_settings(settings)
    assert channel.status_callback == "https://clinic.example.org/webhooks/twilio/status"
    assert channel.from_number == "+15017122661"
    assert channel.client.password == "token"


def _email(**overrides: object) -> SmtpEmail:
    kwargs: dict = {
        "host": "127.0.0.1",
        "email_from": "aftercare@riverside.example",
        "clinic_name": "Riverside Vein Clinic",
        "clinic_phone": "+1 555 010 2030",
    }
    return SmtpEmail(**(kwargs | overrides))


def _text_and_html(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_email_has_both_parts_the_clinic_and_the_opt_out_line() -> None:
    body = "Keep the stockings on.\nWalk daily."
    message = Outgoing(7, "email", "pat@example.com", body, subject="Day 1")
    email = _email().build(message)
    assert email["Subject"] == "Day 1"
    assert email["To"] == "pat@example.com"
    assert email["From"] == "Riverside Vein Clinic <aftercare@riverside.example>"
    assert email["Message-ID"] == "<aftercare-7@riverside.example>"
    text, html = _text_and_html(email)
    opt_out = "To stop these emails, call the clinic at +1 555 010 2030."
    for part in (text, html):
        assert "Riverside Vein Clinic" in part
        assert opt_out in part
    assert "Keep the stockings on.\nWalk daily." in text
    assert "Keep the stockings on.<br>Walk daily." in html


def test_email_html_escapes_the_body() -> None:
    message = Outgoing(7, "email", "pat@example.com", "Pain <3/10> & <script>x</script>")
    _, html = _text_and_html(_email().build(message))
    assert "<script>" not in html
    assert "Pain &lt;3/10&gt; &amp; &lt;script&gt;" in html


def test_email_in_spanish_and_a_default_subject() -> None:
    message = Outgoing(8, "email", "pat@example.com", "Camine a diario.", language="es-MX")
    email = _email().build(message)
    text, html = _text_and_html(email)
    assert email["Subject"] == "Riverside Vein Clinic: sus cuidados después del procedimiento"
    assert "correos, llame a la clínica al +1 555 010 2030" in text
    assert 'lang="es"' in html


def test_email_in_an_unknown_language_falls_back_to_english() -> None:
    email = _email().build(Outgoing(9, "email", "pat@example.com", "Walk.", language="fr"))
    assert "To stop these emails" in _text_and_html(email)[0]


def test_email_keeps_the_display_name_it_was_given() -> None:
    email = _email(email_from="Riverside Care <care@riverside.example>").build(
        Outgoing(3, "email", "pat@example.com", "Walk.")
    )
    assert email["From"] == "Riverside Care <care@riverside.example>"
    assert email["Message-ID"] == "<aftercare-3@riverside.example>"


def test_email_to_a_malformed_address_is_permanent() -> None:
    with pytest.raises(PermanentError):
        _email().send(Outgoing(3, "email", "pat@example.com\nBcc: x@example.com", "Walk."))


@pytest.mark.parametrize(
    ("exc", "expected", "code"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}), PermanentError, "550"),
        (smtplib.SMTPRecipientsRefused({"a@x": (450, b"mailbox busy")}), TransientError, "450"),
        (smtplib.SMTPSenderRefused(553, b"not allowed", "from@x"), PermanentError, "553"),
        (smtplib.SMTPDataError(451, b"try later"), TransientError, "451"),
        (smtplib.SMTPDataError(554, b"rejected"), PermanentError, "554"),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), PermanentError, "535"),
        (smtplib.SMTPServerDisconnected("gone"), TransientError, "network"),
        (smtplib.SMTPNotSupportedError("no STARTTLS"), PermanentError, "not_supported"),
        (ConnectionRefusedError(111, "refused"), TransientError, "network"),
        (TimeoutError("timed out"), TransientError, "network"),
    ],
)
def test_smtp_errors_say_whether_a_retry_could_help(
    exc: Exception, expected: type, code: str
) -> None:
    error = smtp_error(exc)
    assert type(error) is expected
    assert error.code == code


def test_email_from_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        smtp_host="mail.example",
        smtp_port=2525,
        smtp_password=SecretStr("pw"),
        email_from="care@riverside.example",
        clinic_name="Riverside",
    )
    channel = SmtpEmail.from_settings(settings)
    assert (channel.host, channel.port, channel.password) == ("mail.example", 2525, "pw")
    assert channel.from_header == "Riverside <care@riverside.example>"


@pytest.mark.parametrize(
    ("to", "shown"),
    [
        ("+15558675310", "***5310"),
        ("+1 (555) 867-5310", "***5310"),
        ("pat.smith@example.com", "p***@example.com"),
    ],
)
def test_mask_shows_only_enough_to_tell_recipients_apart(to: str, shown: str) -> None:
    assert mask(to) == shown


def test_twilio_http_takes_its_proxy_from_the_environment_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from aftercare.channels.twilio_http import TwilioHttp

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.clinic.example:3128")
    monkeypatch.setenv("NO_PROXY", "stand-in.example")
    http = TwilioHttp()
    url = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert http._proxy(url) == "http://proxy.clinic.example:3128"
    assert http._proxy("https://stand-in.example/x") is None
    monkeypatch.delenv("HTTPS_PROXY")  # read once per host: a running worker keeps it
    assert http._proxy(url) == "http://proxy.clinic.example:3128"
