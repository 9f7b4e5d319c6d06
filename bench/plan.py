"""1. plan: procedures logged through the HTTP API by concurrent clients, planned by a worker.

`python -m aftercare api --workers 2` (one uvicorn process per core, as in production) and
one `python -m aftercare worker` process. Staff clients POST /api/procedures one at a time,
then (same stack, fresh procedures) a scheduling system POSTs /api/procedures/batch; the API
commits and wakes the worker, which plans every unplanned procedure in batches. Measured
from the first POST until every procedure has `planned_at` set.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench import profiling
from bench.load import Load, closed_loop, percentile
from bench.progress import say, watch
from bench.report import Results
from bench.stack import Stack

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
TYPES = ("sclerotherapy", "ultrasound-guided-foam-sclerotherapy", "endovenous-thermal-ablation")
GOAL = 1000


BATCH = 100  # procedures per request on the batch path (a scheduling system's import)


def procedure(i: int, performed: str, tag: str) -> dict:  # type: ignore[type-arg]
    return {
        "patient": {"first_name": f"Pat{i}", "phone": f"+1415{3000000 + i}",
                    "email": f"pat{i}@example.org", "timezone": ZONES[i % len(ZONES)],
                    "language": "es" if i % 5 == 0 else "en", "sms_consent": True,
                    "email_consent": i % 4 != 0},
        "procedure_type": TYPES[i % len(TYPES)], "performed_at": performed,
        "side": "left", "clinician": "Dr. Okafor", "external_id": f"bench-{tag}-{i}",
    }


def payloads(count: int, token: str, *, start: int = 0, batch: int = 1,
             tag: str = "one") -> list[dict]:  # type: ignore[type-arg]
    """`count` procedures as single POSTs (batch 1) or as batch POSTs of `batch` each."""
    performed = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    headers = {"Authorization": f"Bearer {token}"}
    items = [procedure(i, performed, tag) for i in range(start, start + count)]
    if batch == 1:
        return [{"method": "POST", "url": "/api/procedures", "headers": headers, "json": item}
                for item in items]
    return [{"method": "POST", "url": "/api/procedures/batch", "headers": headers,
             "json": {"procedures": items[i:i + batch]}} for i in range(0, count, batch)]


def run(stack: Stack, results: Results, *, procedures: int, clients: int, timeout: float,
        profile: bool, api_workers: int = 2) -> None:
    """Both ways in, side by side on one stack: single POSTs (the front desk, a per-visit
    integration) and batch POSTs (a scheduling system's import), with one worker process;
    then batch POSTs again with a second worker process (one per core)."""
    token = stack.create_token("staff")
    api, base = stack.start_api(workers=api_workers)
    workers = [stack.start_worker()]
    spies = ([profiling.start("plan-worker", workers[0].pid),
              profiling.start("plan-api", api.pid)] if profile else [])
    try:
        for batch, label in ((1, "single POSTs"), (BATCH, f"batch POSTs of {BATCH}")):
            _one_way(stack, results, base=base, token=token, batch=batch, label=label,
                     procedures=procedures, clients=clients if batch == 1 else 4,
                     timeout=timeout, api_workers=api_workers)
        for spy in spies:
            results.details[f"profile {spy.name}"] = summary = spy.stop()
            say(f"profile {spy.name}:\n{profiling.describe(summary)}")
        spies = []
        workers.append(stack.start_worker())
        _one_way(stack, results, base=base, token=token, batch=BATCH,
                 label=f"batch POSTs of {BATCH}, 2 workers", procedures=procedures, clients=4,
                 timeout=timeout, api_workers=api_workers)
    finally:
        for spy in spies:
            spy.stop()
        for worker in workers:
            stack.processes.stop(worker)
        stack.processes.stop(api)


def _one_way(stack: Stack, results: Results, *, base: str, token: str, batch: int, label: str,
             procedures: int, clients: int, timeout: float, api_workers: int) -> None:
    before = stack.scalar("SELECT count(*) FROM procedures")
    before_rows = stack.scalar("SELECT count(*) FROM messages")
    tag = "".join(c for c in label if c.isalnum())  # fresh external ids for each way in
    # New patients each way in (their phones follow the index), as in the first.
    start = stack.scalar("SELECT count(*) FROM procedures")
    requests = payloads(procedures, token, batch=batch, tag=tag, start=start)

    def planned() -> int:
        return stack.scalar(
            "SELECT count(*) FROM procedures WHERE planned_at IS NOT NULL") - before

    def progress(load: Load) -> str:
        return f"posted {load.done * batch:,}/{procedures:,}, planned {planned():,}"

    say(f"plan ({label}): {procedures:,} procedures from {clients} concurrent clients, "
        f"{api_workers} API processes")
    started = time.monotonic()
    load = closed_loop(base, requests, clients=clients, progress=progress)
    created = stack.scalar("SELECT count(*) FROM procedures") - before
    done, _ = watch(lambda: (planned() >= created, f"planned {planned():,}/{created:,}"),
                    timeout=max(timeout - (time.monotonic() - started), 1))
    elapsed = time.monotonic() - started
    count = planned()
    messages = stack.scalar("SELECT count(*) FROM messages") - before_rows
    rate = count / elapsed
    partial = "" if done else f"only {count:,} of {created:,} planned within {timeout:.0f}s"
    results.add("plan", f"procedures planned, {label}", rate, "/s", goal=f">= {GOAL:,}/s",
                ok=rate >= GOAL, note=partial)
    results.add("plan", f"messages planned, {label}", messages / elapsed, "/s",
                note=f"{messages:,} outbox rows for {count:,} procedures in {elapsed:.1f}s")
    unit = "procedures" if batch == 1 else f"requests of {batch}"
    results.add("plan", f"API: {label}", created / load.seconds, "procedures/s",
                note=f"{len(requests):,} {unit}: p50 {percentile(load.latencies, 50) * 1000:.0f}"
                     f" ms, p99 {percentile(load.latencies, 99) * 1000:.0f} ms, {clients} "
                     f"clients, {api_workers} API processes, statuses {load.statuses}, "
                     f"transport errors {load.errors}")
    results.details[f"plan {label}"] = {
        "procedures": procedures, "batch": batch, "clients": clients,
        "api_workers": api_workers, "created": created, "planned": count,
        "messages": messages, "seconds": elapsed, "api_seconds": load.seconds,
        "api_statuses": load.statuses, "api_p50_ms": percentile(load.latencies, 50) * 1000,
        "api_p99_ms": percentile(load.latencies, 99) * 1000, "complete": done,
    }
