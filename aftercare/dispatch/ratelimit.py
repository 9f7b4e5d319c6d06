"""Pacing SMS per sending number, shared by every worker process through Redis.

Twilio accepts API requests faster than a number may send (1 message/s for a US long code,
3 for toll-free, ...) and queues the rest for up to 10 hours; past that it refuses (21611).
Pacing here keeps that queue short, so a reminder leaves at its time rather than hours later.

The limiter is GCRA done as a reservation: one Lua script (atomic in Redis) hands the
dispatcher the next free slots for its sender, as seconds from now, for the rows it has just
claimed; a dispatcher claims only as many SMS as the sender can start within a short horizon
(`room`), so a backlog waits in the outbox, not in sleeping worker threads. The clock is
Redis's own (TIME), so workers on machines with skewed clocks still agree.

Each sender keeps its own pace: a location with a number (or Messaging Service) of its own
is paced on its own key, at its override or the clinic-wide rate. How many SMS one claim
takes is still bounded by the channel's own sender's room.

Urgent texts (a safety reply, a clinician alert) do not queue behind reminders: they have
their own slots starting now, and the routine queue gives up as many, so over time the
sender still keeps its rate (at worst one slot is shared for a moment, which Twilio queues).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

KEY_PREFIX = "aftercare:rate:sms:"

# Each key holds the theoretical arrival time (TAT) of its next free slot, in microseconds.
# KEYS[1]: the sender's routine key. ARGV[1]: the interval between sends in microseconds.
# ARGV[2]: the horizon in microseconds. Returns how many slots start within the horizon.
ROOM_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local free = now + tonumber(ARGV[2]) - tat
if free < 0 then return 0 end
return math.floor(free / tonumber(ARGV[1])) + 1
"""

# KEYS[1]: routine key, KEYS[2]: urgent key. ARGV[1]: interval (us), ARGV[2]: how many
# slots, ARGV[3]: '1' for urgent. Returns the microseconds until the first of them; the
# rest follow one interval apart.
RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local span = tonumber(ARGV[1]) * tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local first = tat
if ARGV[3] == '1' then
  first = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
  redis.call('SET', KEYS[2], string.format('%d', first + span),
             'PX', math.ceil((first + span - now) / 1000) + 1000)
end
redis.call('SET', KEYS[1], string.format('%d', tat + span),
           'PX', math.ceil((tat + span - now) / 1000) + 1000)
return first - now
"""


class SendLimiter(Protocol):
    """Pacing of SMS senders: the channel's own (`sender` None) or a location's number or
    Messaging Service. Other channels are not paced."""

    def room(self, within: float) -> int | None:
        """How many SMS the default sender can start within `within` seconds; None: no
        limit."""
        ...

    def reserve(self, count: int, *, urgent: bool, sender: str | None = None) -> list[float]:
        """Slots for `count` SMS from `sender`, as seconds from now, urgent ones ahead of
        the rest."""
        ...


@dataclass(frozen=True)
class NoLimit:
    """The embedded default (no Redis), or a rate of 0: send at once."""

    def room(self, within: float) -> int | None:
        return None

    def reserve(self, count: int, *, urgent: bool, sender: str | None = None) -> list[float]:
        return [0.0] * count


@dataclass
class RedisRateLimit:
    redis: Any  # redis.Redis
    sender: str  # the from number or Messaging Service SID the SMS channel sends as
    rate_per_second: float
    # Other senders (locations' own): their override, else `base_rate` (the settings' rate,
    # when this sender's own is an override), else this sender's rate.
    overrides: Mapping[str, float] = field(default_factory=dict)
    base_rate: float | None = None
    _scripts: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def _rate(self, sender: str) -> float:
        return self.overrides.get(sender, self.base_rate or self.rate_per_second)

    def room(self, within: float) -> int | None:
        found = self._call(ROOM_LUA, keys=[KEY_PREFIX + self.sender],
                           args=[int(1_000_000 / self.rate_per_second),
                                 int(within * 1_000_000)])
        return None if found is None else int(found)

    def reserve(self, count: int, *, urgent: bool, sender: str | None = None) -> list[float]:
        sender = sender or self.sender
        rate = self._rate(sender) if sender != self.sender else self.rate_per_second
        if count <= 0 or rate <= 0:
            return [0.0] * max(count, 0)
        first_us = self._call(RESERVE_LUA,
                              keys=[KEY_PREFIX + sender, KEY_PREFIX + "urgent:" + sender],
                              args=[int(1_000_000 / rate), count, "1" if urgent else "0"])
        if first_us is None:
            return [0.0] * count
        first, interval = int(first_us) / 1_000_000, 1 / rate
        return [max(first, 0.0) + i * interval for i in range(count)]

    def _call(self, script: str, *, keys: list[str], args: list[object]) -> Any:
        try:
            if script not in self._scripts:
                self._scripts[script] = self.redis.register_script(script)
            return self._scripts[script](keys=keys, args=args)
        except Exception as exc:  # redis.RedisError, OSError: Redis restarting, unreachable
            # Fail open: Twilio queues what is over the rate; not sending at all is worse.
            log.warning("rate limiter unavailable (%s); sending without pacing",
                        type(exc).__name__)
            return None


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
    return RedisRateLimit(client, sender=sender, rate_per_second=rate,
                          overrides={k: v for k, v in overrides.items() if k != sender},
                          base_rate=rate_per_second)
