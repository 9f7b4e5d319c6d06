"""Email through an SMTP relay: plain text and HTML from templates, errors mapped for retry."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from aftercare.channels.base import (
    ChannelError,
    Lookup,
    Outgoing,
    PermanentError,
    Sent,
    TransientError,
)

if TYPE_CHECKING:
    from aftercare.settings import Settings

logger = logging.getLogger(__name__)

# The words around the clinic's message, per language; the message itself comes rendered.
COPY = {
    "en": {
        "subject": "{clinic}: your aftercare",
        # A STOP text stops texts, not email: each email says how to stop email itself.
        "opt_out": "To stop these emails, call the clinic at {phone}.",
        "opt_out_link": "To stop these emails: {link} (texts go on unless you reply STOP).",
    },
    "es": {
        "subject": "{clinic}: sus cuidados después del procedimiento",
        "opt_out": "Para dejar de recibir estos correos, llame a la clínica al {phone}.",
        "opt_out_link": (
            "Para dejar de recibir estos correos: {link} (los mensajes de texto siguen "
            "salvo que responda STOP)."
        ),
    },
}

_templates = Environment(
    loader=PackageLoader("aftercare.channels", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",)),
    keep_trailing_newline=True,
)


class SmtpEmail:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        email_from: str,
        clinic_name: str,
        clinic_phone: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
        unsubscribe_link: Callable[[int], str] | None = None,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.starttls = username, password, starttls
        self.clinic_name, self.clinic_phone = clinic_name, clinic_phone
        display_name, self.from_address = parseaddr(email_from)
        self.from_header = formataddr((display_name or clinic_name, self.from_address))
        self.domain = self.from_address.rpartition("@")[2] or "localhost"
        self.unsubscribe_link = unsubscribe_link

    @classmethod
    def from_settings(cls, settings: Settings,
                      unsubscribe_link: Callable[[int], str] | None = None) -> SmtpEmail:
        return cls(
            unsubscribe_link=unsubscribe_link,
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            email_from=settings.email_from,
            clinic_name=settings.clinic_name,
            clinic_phone=settings.clinic_phone,
        )

    def message_id(self, message: Outgoing) -> str:
        # Derived from the outbox row, so a retried or reconciled send can be deduplicated.
        return f"<aftercare-{message.message_id}@{self.domain}>"

    def build(self, message: Outgoing) -> EmailMessage:
        lang = message.language.split("-")[0].lower()
        copy = COPY.get(lang, COPY["en"])
        # Signed by the location it goes out for, else the clinic the settings name.
        clinic_name = message.clinic_name or self.clinic_name
        clinic_phone = message.clinic_phone or self.clinic_phone
        subject = message.subject or copy["subject"].format(clinic=clinic_name)
        link = (self.unsubscribe_link(message.patient_id)
                if self.unsubscribe_link is not None and message.patient_id is not None
                else None)
        opt_out = (copy["opt_out_link"].format(link=link) if link
                   else copy["opt_out"].format(phone=clinic_phone))
        context = {
            "lang": lang if lang in COPY else "en",
            "subject": subject,
            "body": message.body.strip(),
            "paragraphs": [p.splitlines() for p in message.body.strip().split("\n\n")],
            "clinic_name": clinic_name,
            "clinic_phone": clinic_phone,
            "clinic_phone_uri": "".join(c for c in clinic_phone if c.isdigit() or c == "+"),
            "t": {"opt_out": opt_out},
        }
        email = EmailMessage()
        email["Subject"] = subject
        email["From"] = (formataddr((clinic_name, self.from_address)) if message.clinic_name
                         else self.from_header)
        email["To"] = message.to
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = self.message_id(message)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        if link:
            # RFC 8058: mail clients offer "unsubscribe", which POSTs to the link.
            email["List-Unsubscribe"] = f"<{link}>"
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email.set_content(_templates.get_template("email.txt").render(context))
        email.add_alternative(_templates.get_template("email.html").render(context), subtype="html")
        return email

    def send(self, message: Outgoing) -> Sent:
        try:
            email = self.build(message)
        except ValueError as exc:  # e.g. a line break in the address: the row itself is bad
            raise PermanentError(f"cannot build the email: {exc}", code="invalid") from exc
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email, from_addr=self.from_address, to_addrs=[message.to])
        except (OSError, smtplib.SMTPException) as exc:
            raise channel_error(exc) from exc
        logger.info("smtp: sent message %s as %s", message.message_id, email["Message-ID"])
        return Sent(provider_id=email["Message-ID"], provider_status="sent")

    def lookup(self, message: Outgoing) -> Lookup:
        return Lookup("unknown")  # SMTP cannot be asked what it accepted


def channel_error(exc: Exception) -> ChannelError:
    """5xx replies are final; 4xx replies, disconnects and network trouble are worth a retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return _by_reply_code(code, f"recipient refused: {reply!r}")
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, data, auth, helo
        return _by_reply_code(exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentError(f"SMTP server does not support it: {exc}", code="not_supported")
    return TransientError(f"SMTP trouble: {exc!r}", code="network")


def _by_reply_code(code: int, reason: str) -> ChannelError:
    if code >= 500:
        return PermanentError(reason, code=str(code))
    return TransientError(reason, code=str(code))
