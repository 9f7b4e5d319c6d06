"""How dispatch runs: batch sizes, concurrency, retries, and the clinic's quiet hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from aftercare.careplans.schema import QuietHours
from aftercare.db.models import Location
from aftercare.locations.policy import quiet_hours as location_quiet_hours


@dataclass(frozen=True)
class DispatchPolicy:
    batch_size: int = 200
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    sending_timeout_seconds: int = 300
    # One dispatch run keeps claiming while work is due, up to this long.
    run_budget_seconds: float = 20.0
    # Provider calls in flight at once per dispatch run: the provider's latency, not the
    # database, then sets the pace.
    send_concurrency: int = 32
    # Rows are re-checked, renewed and recorded this many at a time, a commit each.
    chunk_size: int = 16
    # When nothing more is due, a run waits for rows falling due up to this many seconds
    # after it started (the beat interval), claiming at most every `claim_gap_seconds`, so a
    # reminder leaves within ~50 ms of its time rather than at the next beat tick. 0: no wait.
    linger_seconds: float = 0.0
    claim_gap_seconds: float = 0.05
    # Safety texts and clinician alerts are claimed and paced ahead of reminders. Off only
    # to measure what that buys (bench/alert.py).
    urgent_first: bool = True
    # Rechecked just before each send: the clinic's quiet hours, and a care plan's own.
    quiet_hours: QuietHours = QuietHours(start=time(21, 0), end=time(8, 0))
    plan_quiet_hours: Mapping[str, QuietHours] = field(default_factory=dict)

    def quiet_hours_for(self, procedure_type: str | None,
                        location: Location | None = None) -> QuietHours:
        """The care plan's own quiet hours, else the location's, else the clinic-wide ones
        (as planning chose them)."""
        found = self.plan_quiet_hours.get(procedure_type or "")
        return found or location_quiet_hours(location, self.quiet_hours)
