"""When to try a transiently failed send again. Pure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def next_attempt(*, attempts: int, now: datetime, base_seconds: float, max_seconds: float,
                 rng: random.Random | None = None) -> datetime:
    """Exponential backoff with +-20% jitter, so a provider outage does not end in a stampede."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds)
    jitter = (rng or random).uniform(0.8, 1.2)
    return now + timedelta(seconds=delay * jitter)
