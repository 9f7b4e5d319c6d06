"""The Twilio stand-in itself: what twilio-python sees, the counts, the faults, the speed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from aftercare.channels.base import Outgoing, TransientError
from aftercare.channels.twilio_sms import TwilioSMS
from tests.support.standin import Standin


def channel(standin: Standin) -> TwilioSMS:
    return TwilioSMS(account_sid="AC" + "a" * 32, auth_token="token",
                     status_callback_base="https://clinic.example.org",
                     from_number="+15017122661", api_base_url=standin.url)


def sms(to: str, body: str, claimed_at: datetime | None = None) -> Outgoing:
    return Outgoing(message_id=1, channel="sms", to=to, body=body, claimed_at=claimed_at)


def test_create_list_fetch_and_counts(standin: Standin) -> None:
    twilio = channel(standin)
    since = datetime.now(UTC)
    sent = twilio.send(sms("+12125550100", "hello"))
    assert sent.provider_id.startswith("SM") and len(sent.provider_id) == 34
    assert sent.provider_status == "queued"
    found = twilio.lookup(sms("+12125550100", "hello", since))
    assert (found.outcome, found.provider_id) == ("found", sent.provider_id)
    assert twilio.lookup(sms("+12125550100", "other", since)).outcome == "not_found"
    fetched = twilio.loop.run(twilio.client.messages(sent.provider_id).fetch_async(), timeout=10)
    assert fetched.status == "sent"
    twilio.send(sms("+12125550100", "hello"))
    assert standin.per_to_body()[("+12125550100", "hello")] == 2
    assert standin.stats()["accepted"] == 2
    standin.reset()
    assert standin.accepted() == 0


def test_basic_auth_is_required(standin: Standin) -> None:
    response = httpx.post(f"{standin.url}/2010-04-01/Accounts/AC{'a' * 32}/Messages.json",
                          data={"To": "+12125550100", "From": "+15017122661", "Body": "x"})
    assert response.status_code == 401 and response.json()["code"] == 20003


def test_faults_for_n_requests_then_for_a_while(standin: Standin) -> None:
    twilio = channel(standin)
    standin.fault(429, count=2)
    for _ in range(2):
        with pytest.raises(TransientError) as refused:
            twilio.send(sms("+12125550100", "x"))
        assert refused.value.code == "20429"
    twilio.send(sms("+12125550100", "x"))
    standin.fault(500, seconds=0.3)
    with pytest.raises(TransientError):
        twilio.send(sms("+12125550100", "y"))
    time.sleep(0.35)
    twilio.send(sms("+12125550100", "y"))
    assert standin.stats()["rejected"] == 3 and standin.accepted() == 2


def test_a_few_hundred_requests_per_second(standin: Standin) -> None:
    def client(k: int) -> None:
        twilio = channel(standin)
        for i in range(100):
            twilio.send(sms(f"+1212555{k:04d}", f"m{i}"))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rate = 400 / (time.monotonic() - started)
    print(f"stand-in: {rate:.0f} creates/s (4 client threads, same process)")
    assert standin.accepted() == 400 and rate > 200
