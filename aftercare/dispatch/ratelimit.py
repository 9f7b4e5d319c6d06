"""Pacing SMS per sending number, shared by every worker process through Redis.

Twilio accepts API requests faster than a number may send (1 message/s for a US long code,
3 for toll-free, ...) and queues the rest for up to 10 hours; past that it refuses (21611).
Pacing here keeps that queue short, so a reminder leaves at its time rather than hours later.

The limiter is GCRA done as a reservation: one Lua script (atomic in Redis) hands each
caller the next free slot for its sender and says how long to wait for it. Callers sleep
once instead of polling, and with N worker threads at most N slots are ever reserved ahead.
The clock is Redis's own (TIME), so workers on machines with skewed clocks still agree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

KEY_PREFIX = "aftercare:rate:sms:"

# KEYS[1]: the sender's key. ARGV[1]: the interval between sends in microseconds.
# The key holds the theoretical arrival time (TAT) of the next free slot, in microseconds.
# Returns how many microseconds the caller must wait before its slot.
RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return tat - now
"""


class SendLimiter(Protocol):
    def wait_turn(self, channel: str) -> float:
        """Block until `channel` may send; returns the seconds waited."""
        ...


@dataclass(frozen=True)
class NoLimit:
    """The embedded default (no Redis), email, or a rate of 0: send at once."""

    def wait_turn(self, channel: str) -> float:
        return 0.0


@dataclass
class RedisRateLimit:
    """SMS paced per sender; other channels pass straight through."""

    redis: Any  # redis.Redis
    sender: str  # the from number or Messaging Service SID the SMS channel sends as
    rate_per_second: float
    sleep: Callable[[float], None] = time.sleep
    _script: Any = field(default=None, init=False, repr=False)

    def wait_turn(self, channel: str) -> float:
        if channel != "sms" or self.rate_per_second <= 0:
            return 0.0
        if self._script is None:
            self._script = self.redis.register_script(RESERVE_LUA)
        interval_us = int(1_000_000 / self.rate_per_second)
        try:
            wait_us = int(self._script(keys=[KEY_PREFIX + self.sender], args=[interval_us]))
        except Exception as exc:  # redis.RedisError, OSError: Redis restarting, unreachable
            # Fail open: Twilio queues what is over the rate; not sending at all is worse.
            log.warning("rate limiter unavailable (%s); sending without pacing",
                        type(exc).__name__)
            return 0.0
        wait = wait_us / 1_000_000
        if wait > 0:
            self.sleep(wait)
        return wait


def sms_sender(sms_from_number: str, messaging_service_sid: str) -> str:
    """The identity Twilio rates by: the Messaging Service when one is used, else the number."""
    return messaging_service_sid or sms_from_number or "default"


def build_limiter(*, redis_url: str | None, sender: str, rate_per_second: float,
                  overrides: Mapping[str, float]) -> SendLimiter:
    rate = overrides.get(sender, rate_per_second)
    if not redis_url or rate <= 0:
        return NoLimit()
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    return RedisRateLimit(client, sender=sender, rate_per_second=rate)
