"""The naive design, for comparison only: one Celery task per reminder, held with an ETA.

This is what common SMS-reminder tutorials do: when an appointment is booked,
`send_reminder.apply_async(args, eta=when)`, and a worker sends the SMS at `when`. On Redis the
worker takes every ETA task into its own memory at once (unacked until it runs), and when the
ETA lies further ahead than the broker's visibility timeout, Redis hands the same task out
again (celery/celery#2599, celery/kombu#337): the reminder goes twice or more.

Kept deliberately flattering to the naive design: the task does no database work, it only
calls Twilio (the same official client and stand-in as our dispatch).

    python -m bench.naive --broker URL --queue NAME --visibility-timeout 3600 \
        --twilio-base-url http://127.0.0.1:PORT --pool threads --concurrency 2
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from celery import Celery
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

app = Celery("naive")
_twilio: dict[str, Any] = {}


def transport_options(visibility_timeout: int) -> dict[str, int]:
    """Redis hands out again what was unacked for `visibility_timeout` s. kombu 5.7 sweeps
    for such messages every 10 s x 10 (interval x throttle); with a low timeout (to make the
    benchmark fast) sweep every second, so redelivery follows the timeout closely."""
    return {"visibility_timeout": visibility_timeout, "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1}


def configure(*, broker_url: str, queue: str, visibility_timeout: int,
              twilio_base_url: str = "", account_sid: str = "", auth_token: str = "",
              from_number: str = "") -> Celery:
    # Tutorial defaults otherwise: early acks, default prefetch.
    app.conf.update(broker_url=broker_url, task_default_queue=queue, task_ignore_result=True,
                    broker_transport_options=transport_options(visibility_timeout),
                    broker_connection_retry_on_startup=True, timezone="UTC",
                    worker_hijack_root_logger=False)
    _twilio.update(base_url=twilio_base_url, account_sid=account_sid, auth_token=auth_token,
                   from_number=from_number)
    return app


class RebasedHttpClient(TwilioHttpClient):
    """twilio-python's own synchronous client, as the tutorials use it, sent to the stand-in."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10.0)
        self._base = urlsplit(base_url)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        u = urlsplit(url)
        rebased = urlunsplit((self._base.scheme, self._base.netloc, u.path, u.query, u.fragment))
        return super().request(method, rebased, *args, **kwargs)


@app.task(name="naive.send_reminder")
def send_reminder(to: str, body: str) -> str:
    client = _twilio.get("client")
    if client is None:
        from twilio.rest import Client

        client = Client(_twilio["account_sid"], _twilio["auth_token"],
                        http_client=RebasedHttpClient(_twilio["base_url"]))
        _twilio["client"] = client
    return str(client.messages.create(to=to, from_=_twilio["from_number"], body=body).sid)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("broker", "queue", "twilio-base-url", "account-sid", "auth-token",
                 "from-number"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--visibility-timeout", type=int, default=3600)
    parser.add_argument("--pool", default="threads")
    parser.add_argument("--concurrency", default="2")
    args = parser.parse_args()
    configure(broker_url=args.broker, queue=args.queue,
              visibility_timeout=args.visibility_timeout, twilio_base_url=args.twilio_base_url,
              account_sid=args.account_sid, auth_token=args.auth_token,
              from_number=args.from_number)
    app.worker_main(["worker", f"--pool={args.pool}", f"--concurrency={args.concurrency}",
                     "--loglevel=INFO", "--without-gossip", "--without-mingle"])


if __name__ == "__main__":
    main()
