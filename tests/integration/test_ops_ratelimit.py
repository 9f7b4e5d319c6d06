"""SMS pacing per sending number, shared through Redis by every worker process."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from aftercare.dispatch.ratelimit import NoLimit, RedisRateLimit, build_limiter
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.redis]

RATE = 10.0  # sends per second for the sender under test
PER_PROCESS = 15

# Each process reserves slots through the shared limiter, a few at a time as a claim does,
# waits for each, and reports when it went.
CHILD = """
import json, sys, time
from aftercare.dispatch.ratelimit import build_limiter
limiter = build_limiter(redis_url=sys.argv[1], sender=sys.argv[2], rate_per_second=0,
                        overrides={sys.argv[2]: float(sys.argv[3])})
times = []
for _ in range(int(sys.argv[4]) // 3):
    reserved_at = time.monotonic()
    for wait in limiter.reserve(3, urgent=False):
        time.sleep(max(0.0, reserved_at + wait - time.monotonic()))
        times.append(time.time())
print(json.dumps(times))
"""


def test_two_processes_together_stay_under_the_rate() -> None:
    sender = f"+1555{uuid.uuid4().int % 10**7:07d}"  # a fresh key: no state from other runs
    args = [f"{REDIS_URL}/7", sender, str(RATE), str(PER_PROCESS)]
    children = [subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE,
                                 text=True) for _ in range(2)]
    stamps = sorted(t for child in children for t in json.loads(child.communicate(timeout=30)[0]))
    assert len(stamps) == 2 * PER_PROCESS
    # 30 sends at 10/s: the first goes at once, the last no sooner than 2.9 s later...
    span = stamps[-1] - stamps[0]
    assert span >= (len(stamps) - 1) / RATE - 0.05
    # ...and no second ever holds more than the rate (one slot of slack for timer jitter).
    busiest = max(sum(1 for t in stamps if start <= t < start + 1.0) for start in stamps)
    assert busiest <= RATE + 1
    rate = (len(stamps) - 1) / span
    print(f"rate limiter: 2 processes x {PER_PROCESS} sends at {RATE}/s: "
          f"{rate:.2f}/s achieved, busiest second {busiest}")


def test_without_redis_or_with_rate_zero_there_is_no_limit() -> None:
    assert isinstance(build_limiter(redis_url=None, sender="+15550100000", rate_per_second=1,
                                    overrides={}), NoLimit)
    assert isinstance(build_limiter(redis_url=f"{REDIS_URL}/7", sender="+15550100000",
                                    rate_per_second=1, overrides={"+15550100000": 0}), NoLimit)


def test_an_unreachable_redis_fails_open() -> None:
    import redis

    down = RedisRateLimit(redis.Redis(port=1, socket_connect_timeout=0.2), sender="+1555",
                          rate_per_second=1)
    # Twilio queues what is over the rate; not sending at all would be worse.
    assert down.room(0.25) is None
    assert down.reserve(2, urgent=False) == [0.0, 0.0]


def test_each_sender_keeps_its_own_pace() -> None:
    """A location's own number is paced on its own, at its override or the clinic-wide rate;
    the channel's sender keeps its own (here an override of 1/s over a base of 4/s)."""
    import redis

    tag = uuid.uuid4().hex[:8]
    client = redis.Redis.from_url(f"{REDIS_URL}/7")
    limiter = build_limiter(redis_url=f"{REDIS_URL}/7", sender=f"+1555{tag}",
                            rate_per_second=4.0,
                            overrides={f"+1555{tag}": 1.0, f"MG{tag}": 2.0})
    try:
        assert limiter.reserve(2, urgent=False) == pytest.approx([0.0, 1.0], abs=0.05)
        assert limiter.reserve(2, urgent=False, sender=f"+1666{tag}") == pytest.approx(
            [0.0, 0.25], abs=0.05)
        assert limiter.reserve(2, urgent=False, sender=f"MG{tag}") == pytest.approx(
            [0.0, 0.5], abs=0.05)
        # Each queue goes on from where it was, unaffected by the others.
        assert limiter.reserve(1, urgent=False)[0] == pytest.approx(2.0, abs=0.1)
    finally:
        for key in client.scan_iter(f"aftercare:rate:sms:*{tag}*"):
            client.delete(key)
        client.close()
