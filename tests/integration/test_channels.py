"""Channels against real stand-ins: Prism (Twilio's OpenAPI spec), aiosmtpd, the outbox file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from aftercare.channels.base import (
    Outgoing,
    PermanentError,
    RecipientOptedOut,
    TransientError,
)
from aftercare.channels.console import ConsoleChannel, read_outbox
from aftercare.channels.smtp_email import SmtpEmail
from aftercare.channels.twilio_sms import TwilioSMS
from tests.support.prism import RecordingHttpClient, TwilioErrorStub, free_port
from tests.support.smtp import CollectingHandler, SmtpServer, start_smtp

ACCOUNT_SID = "AC" + "a" * 32
SERVICE_SID = "MG" + "a" * 32
FROM = "+15017122661"
CLINIC_URL = "https://clinic.example.org"
SMS = Outgoing(message_id=41, channel="sms", to="+15558675310", body="Day 1: walk 10 minutes.")


def twilio(**kwargs: object) -> TwilioSMS:
    defaults: dict = {
        "account_sid": ACCOUNT_SID,
        "auth_token": "test-token",
        "from_number": FROM,
        "status_callback_base": CLINIC_URL,
    }
    return TwilioSMS(**(defaults | kwargs))


# --- Twilio against Prism -------------------------------------------------------------------


@pytest.mark.prism
def test_sms_is_accepted_by_twilios_spec(prism_url: str) -> None:
    recorder = RecordingHttpClient(prism_url)
    sent = twilio(http_client=recorder).send(SMS)

    assert sent.provider_id.startswith("SM")
    assert sent.provider_status == "queued"
    [request] = recorder.requests
    assert request["method"] == "POST"
    assert urlsplit(request["url"]).path.endswith(f"/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["data"] == {
        "To": SMS.to,
        "From": FROM,
        "Body": SMS.body,
        "StatusCallback": f"{CLINIC_URL}/webhooks/twilio/status",
    }
    assert recorder.timeout == 10.0


@pytest.mark.prism
@pytest.mark.parametrize("sender, field", [("+12125550400", "From"),
                                           ("MG" + "c" * 32, "MessagingServiceSid")])
def test_a_location_sends_from_its_own_sender(prism_url: str, sender: str, field: str) -> None:
    """A location's number or Messaging Service wins over the channel's default."""
    recorder = RecordingHttpClient(prism_url)
    channel = twilio(messaging_service_sid=SERVICE_SID, http_client=recorder)
    channel.send(Outgoing(message_id=42, channel="sms", to="+15558675310", body="Walk.",
                          sender=sender))
    [request] = recorder.requests
    assert request["data"][field] == sender
    other = "MessagingServiceSid" if field == "From" else "From"
    assert other not in request["data"]


@pytest.mark.prism
def test_sms_through_a_messaging_service(prism_url: str) -> None:
    recorder = RecordingHttpClient(prism_url)
    channel = twilio(from_number="", messaging_service_sid=SERVICE_SID, http_client=recorder)

    assert channel.send(SMS).provider_id.startswith("SM")
    data = recorder.requests[0]["data"]
    assert data["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in data


@pytest.mark.prism
def test_api_base_url_points_the_official_client_at_the_mock(prism_url: str) -> None:
    assert twilio(api_base_url=prism_url).send(SMS).provider_id.startswith("SM")


@pytest.mark.prism
def test_a_request_the_spec_rejects_is_permanent(prism_url: str) -> None:
    with pytest.raises(PermanentError) as caught:
        twilio(account_sid="ACnot-a-sid", api_base_url=prism_url).send(SMS)
    assert caught.value.code == "422"


@pytest.mark.prism
def test_lookup_finds_a_send_we_never_recorded(prism_url: str) -> None:
    # Prism answers every list with the spec's example, whose outbound message says "testing".
    recorder = RecordingHttpClient(prism_url)
    claimed = Outgoing(41, "sms", SMS.to, "testing", claimed_at=datetime(2024, 5, 1, 9, tzinfo=UTC))

    found = twilio(http_client=recorder).lookup(claimed)

    assert (found.outcome, found.provider_id) == ("found", "SMded05904ccb347238880ca9264e8fe1c")
    assert found.provider_status == "sent"
    params = recorder.requests[0]["params"]
    assert params["To"] == SMS.to
    assert params["From"] == FROM
    assert params["DateSent>"] == "2024-05-01T08:58:00Z"


@pytest.mark.prism
def test_lookup_through_a_messaging_service(prism_url: str) -> None:
    channel = twilio(from_number="", messaging_service_sid=SERVICE_SID, api_base_url=prism_url)
    claimed = Outgoing(41, "sms", SMS.to, "testing", claimed_at=datetime.now(UTC))
    assert channel.lookup(claimed).outcome == "found"
    other_service = twilio(
        from_number="", messaging_service_sid="MG" + "b" * 32, api_base_url=prism_url
    )
    assert other_service.lookup(claimed).outcome == "not_found"


@pytest.mark.prism
def test_lookup_does_not_match_another_body(prism_url: str) -> None:
    claimed = Outgoing(41, "sms", SMS.to, SMS.body, claimed_at=datetime.now(UTC))
    assert twilio(api_base_url=prism_url).lookup(claimed).outcome == "not_found"


# --- Twilio error paths (Prism cannot return Twilio error bodies) ---------------------------


def test_opted_out_recipient() -> None:
    with pytest.raises(RecipientOptedOut) as caught:
        twilio(http_client=TwilioErrorStub(400, 21610)).send(SMS)
    assert caught.value.code == "21610"
    assert caught.value.permanent


def test_invalid_number_is_permanent() -> None:
    with pytest.raises(PermanentError) as caught:
        twilio(http_client=TwilioErrorStub(400, 21211, "Invalid 'To' Phone Number")).send(SMS)
    assert caught.value.code == "21211"
    assert "Invalid 'To' Phone Number" in caught.value.reason
    assert not isinstance(caught.value, RecipientOptedOut)


def test_rate_limited_is_transient() -> None:
    with pytest.raises(TransientError) as caught:
        twilio(http_client=TwilioErrorStub(429, 20429)).send(SMS)
    assert caught.value.code == "20429"


def test_twilio_server_error_is_transient() -> None:
    with pytest.raises(TransientError):
        twilio(http_client=TwilioErrorStub(500, 20500)).send(SMS)


def test_twilio_unreachable_is_transient() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TransientError) as caught:
        twilio(api_base_url=closed).send(SMS)
    assert caught.value.code == "network"
    claimed = Outgoing(41, "sms", SMS.to, SMS.body, claimed_at=datetime.now(UTC))
    assert twilio(api_base_url=closed).lookup(claimed).outcome == "unavailable"  # ask again later


# --- SMTP against aiosmtpd ------------------------------------------------------------------

EMAIL = Outgoing(
    message_id=77,
    channel="email",
    to="pat@example.com",
    subject="Your first day after the procedure",
    body="Keep the compression stockings on.\n\nWalk for 10 minutes every hour.",
)


def smtp(server: SmtpServer | None = None, **kwargs: object) -> SmtpEmail:
    defaults: dict = {
        "host": server.host if server else "127.0.0.1",
        "port": server.port if server else free_port(),
        "email_from": "aftercare@riverside.example",
        "clinic_name": "Riverside Vein Clinic",
        "clinic_phone": "+1 555 010 2030",
        "timeout": 5.0,
    }
    return SmtpEmail(**(defaults | kwargs))


def test_email_arrives_with_both_parts(smtp_server: SmtpServer) -> None:
    sent = smtp(smtp_server).send(EMAIL)

    [received] = smtp_server.received
    msg = received.message
    assert received.rcpt_tos == ["pat@example.com"]
    assert received.mail_from == "aftercare@riverside.example"
    assert msg["To"] == "pat@example.com"
    assert msg["From"] == "Riverside Vein Clinic <aftercare@riverside.example>"
    assert msg["Subject"] == EMAIL.subject
    assert msg["Message-ID"] == sent.provider_id == "<aftercare-77@riverside.example>"
    text, html = received.body("plain"), received.body("html")
    opt_out = "To stop these emails, call the clinic at +1 555 010 2030."
    assert EMAIL.body in text
    assert "Keep the compression stockings on.</p>" in html
    assert "Walk for 10 minutes every hour.</p>" in html
    for part in (text, html):
        assert "Riverside Vein Clinic" in part
        assert opt_out in part


def test_email_to_a_patient_carries_a_one_click_unsubscribe(smtp_server: SmtpServer) -> None:
    """RFC 8058: the link in the headers (mail clients POST to it) and in both parts."""
    link = "https://care.example/unsubscribe/tok-41"
    smtp(smtp_server, unsubscribe_link=lambda patient_id: f"{link}{patient_id}").send(
        Outgoing(79, "email", "pat@example.com", "Walk daily.", patient_id=2))

    [received] = smtp_server.received
    assert received.message["List-Unsubscribe"] == f"<{link}2>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for part in (received.body("plain"), received.body("html")):
        assert f"To stop these emails: {link}2 (texts go on unless you reply STOP)." in part


def test_an_alert_to_a_clinician_has_no_unsubscribe(smtp_server: SmtpServer) -> None:
    smtp(smtp_server, unsubscribe_link=lambda patient_id: f"https://x/{patient_id}").send(
        Outgoing(80, "email", "oncall@clinic.example", "Urgent reply."))

    assert smtp_server.received[0].message["List-Unsubscribe"] is None


def test_email_in_spanish(smtp_server: SmtpServer) -> None:
    smtp(smtp_server).send(
        Outgoing(78, "email", "pat@example.com", "Camine a diario.", language="es")
    )

    msg = smtp_server.received[0].message
    text = smtp_server.received[0].body()
    assert "Camine a diario." in text
    assert "Para dejar de recibir estos correos, llame a la clínica al +1 555 010 2030." in text
    assert msg["Subject"] == "Riverside Vein Clinic: sus cuidados después del procedimiento"


def test_a_retry_keeps_the_message_id(smtp_server: SmtpServer) -> None:
    channel = smtp(smtp_server)
    first, second = channel.send(EMAIL), channel.send(EMAIL)
    assert first.provider_id == second.provider_id
    assert {r.message["Message-ID"] for r in smtp_server.received} == {first.provider_id}


def test_email_server_down_is_transient() -> None:
    with pytest.raises(TransientError):
        smtp().send(EMAIL)


def test_recipient_refused_with_550_is_permanent() -> None:
    handler = CollectingHandler(refuse=lambda address: "550 5.1.1 No such user")
    with start_smtp(handler) as server, pytest.raises(PermanentError) as caught:
        smtp(server).send(EMAIL)
    assert caught.value.code == "550"
    assert server.received == []


def test_recipient_deferred_with_450_is_transient() -> None:
    handler = CollectingHandler(refuse=lambda address: "450 4.2.1 Mailbox busy")
    with start_smtp(handler) as server, pytest.raises(TransientError) as caught:
        smtp(server).send(EMAIL)
    assert caught.value.code == "450"


def test_email_lookup_cannot_ask_smtp() -> None:
    assert smtp().lookup(EMAIL).outcome == "unknown"


# --- Console --------------------------------------------------------------------------------


def test_console_appends_json_lines_and_finds_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = tmp_path / "var" / "outbox.jsonl"
    channel = ConsoleChannel(outbox)
    caplog.set_level(logging.INFO, logger="aftercare.channels.console")

    sent = channel.send(SMS)
    channel.send(EMAIL)

    lines = outbox.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["message_id"] == 41
    assert record["channel"] == "sms"
    assert record["to"] == SMS.to
    assert record["body"] == SMS.body
    assert record["subject"] is None
    assert record["provider_id"] == sent.provider_id
    assert sent.provider_id.startswith("console-")
    assert datetime.fromisoformat(record["sent_at"]).utcoffset() == timedelta(0)

    found = channel.lookup(SMS)
    assert (found.outcome, found.provider_id) == ("found", sent.provider_id)
    assert channel.lookup(Outgoing(999, "sms", SMS.to, "x")).outcome == "not_found"

    assert "***5310" in caplog.text
    assert "8675310" not in caplog.text
    assert SMS.body not in caplog.text
    assert "p***@example.com" in caplog.text


def test_read_outbox_returns_the_latest_messages(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    assert read_outbox(outbox) == []
    assert ConsoleChannel(outbox).lookup(SMS).outcome == "not_found"
    channel = ConsoleChannel(outbox)
    for i in range(5):
        channel.send(Outgoing(i, "sms", SMS.to, f"message {i}"))
    with outbox.open("a") as f:
        f.write('{"message_id": 99, "cut short')  # a crash mid-line must not hide the rest

    assert [r["message_id"] for r in read_outbox(outbox, limit=3)] == [2, 3, 4]
    assert len(read_outbox(outbox)) == 5
