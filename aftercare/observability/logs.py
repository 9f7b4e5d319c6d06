"""Logs: one JSON object per line, with the request or task id, and no PHI.

The rule is that code never logs a message body, a reply, a name, a phone number or an
email address: it logs ids (message 42, reply 7) and outcomes. The filter below is the net
under that rule, for what slips through anyway (a provider's error text that quotes the
number, a library's exception): phone numbers keep their last 4 digits, emails lose their
local part and domain. It works on the formatted message and on exception text, so it also
covers arguments and tracebacks.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aftercare.settings import Settings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
task_name: ContextVar[str | None] = ContextVar("task_name", default=None)

# E.164 (+ and 8-15 digits, maybe spaced or dashed the way people write it), and the usual
# North American ways: (212) 555-0142, 212-555-0142, 212.555.0142, 212 555 0142.
_PHONE = re.compile(
    r"(?<![\w+])\+\d(?:[\s.-]?\d){7,14}(?!\d)"
    r"|(?<![\w(])\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?!\d)"
    r"|(?<![\w(])\(\d{3}\)\d{3}-?\d{4}(?!\d)"
)
# Bare digits as typed into a form or sent in JSON, where a value is quoted or assigned
# ('phone': '2125550142', input_value=12125550142): ids in prose ("message 42") stay.
_BARE_PHONE = re.compile(r"(?<=['\"=:])(\s?)(\d{10,15})(?![\w.])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.([A-Za-z]{2,})")


def mask_phi(text: str) -> str:
    def phone(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "***" + digits[-4:]

    text = _EMAIL.sub(lambda m: f"***@***.{m.group(1)}", text)
    text = _BARE_PHONE.sub(lambda m: f"{m.group(1)}***{m.group(2)[-4:]}", text)
    return _PHONE.sub(phone, text)


class PhiFilter(logging.Filter):
    """Masks phones and emails in the message (after %-formatting) and exception text.

    Attached to the handler, so it sees every record that reaches it, from any logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) \
                and len(record.args) == 5:
            # (client, method, path?query, http version, status): a search box's query
            # string holds what staff typed (a patient's name); keep the path only.
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template, drop the args
            message = str(record.msg)
        record.msg, record.args = mask_phi(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phi(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phi(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (("request_id", request_id), ("task_id", task_id),
                         ("task", task_name)):
            value = var.get()
            if value:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [v for v in (request_id.get(), task_id.get()) if v]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


_HANDLER_NAME = "aftercare"


def setup_logging(settings: Settings, *, level: str | None = None) -> None:
    """One handler on the root logger, idempotent: the API, worker and beat call it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(PhiFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    # Libraries that log request details at INFO/DEBUG (URLs with numbers, bodies).
    for noisy in ("twilio.http_client", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not settings.log_routine_tasks:
        for routine in ("celery.beat", "celery.worker.strategy", "celery.app.trace"):
            logging.getLogger(routine).setLevel(logging.WARNING)


def bind_task(task: str | None, name: str | None) -> None:
    task_id.set(task)
    task_name.set(name)
