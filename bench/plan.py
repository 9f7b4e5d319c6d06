"""1. plan: procedures logged through the HTTP API by concurrent clients, planned by a worker.

`python -m aftercare api` (uvicorn, one process) and one `python -m aftercare worker`
process; N staff clients POST /api/procedures; the API commits and enqueues
aftercare.plan_procedure; the worker writes each procedure's messages into the outbox.
Measured from the first POST until every procedure has `planned_at` set.
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


def payloads(count: int, token: str) -> list[dict]:  # type: ignore[type-arg]
    performed = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    return [{
        "method": "POST", "url": "/api/procedures",
        "headers": {"Authorization": f"Bearer {token}"},
        "json": {
            "patient": {"first_name": f"Pat{i}", "phone": f"+1415{3000000 + i}",
                        "email": f"pat{i}@example.org", "timezone": ZONES[i % len(ZONES)],
                        "language": "es" if i % 5 == 0 else "en", "sms_consent": True,
                        "email_consent": i % 4 != 0},
            "procedure_type": TYPES[i % len(TYPES)], "performed_at": performed,
            "side": "left", "clinician": "Dr. Okafor", "external_id": f"bench-visit-{i}",
        },
    } for i in range(count)]


def run(stack: Stack, results: Results, *, procedures: int, clients: int, timeout: float,
        profile: bool) -> None:
    token = stack.create_token("staff")
    api, base = stack.start_api()
    worker = stack.start_worker()
    spies = ([profiling.start("plan-worker", worker.pid), profiling.start("plan-api", api.pid)]
             if profile else [])
    requests = payloads(procedures, token)

    def planned() -> int:
        return stack.scalar("SELECT count(*) FROM procedures WHERE planned_at IS NOT NULL")

    def progress(load: Load) -> str:
        return f"posted {load.done:,}/{procedures:,}, planned {planned():,}"

    say(f"plan: {procedures:,} procedures from {clients} concurrent clients")
    started = time.monotonic()
    load = closed_loop(base, requests, clients=clients, progress=progress)
    created = load.ok(201)
    done, _ = watch(lambda: (planned() >= created, f"planned {planned():,}/{created:,}"),
                    timeout=max(timeout - (time.monotonic() - started), 1))
    elapsed = time.monotonic() - started
    count, messages = planned(), stack.scalar("SELECT count(*) FROM messages")
    for spy in spies:
        results.details[f"profile {spy.name}"] = summary = spy.stop()
        say(f"profile {spy.name}:\n{profiling.describe(summary)}")
    stack.processes.stop(worker)
    stack.processes.stop(api)

    rate = count / elapsed
    partial = "" if done else f"only {count:,} of {created:,} planned within {timeout:.0f}s"
    results.add("plan", "procedures planned", rate, "/s", goal=f">= {GOAL:,}/s",
                ok=rate >= GOAL, note=partial)
    results.add("plan", "messages planned", messages / elapsed, "/s",
                note=f"{messages:,} outbox rows for {count:,} procedures in {elapsed:.1f}s")
    results.add("plan", "API: POST /api/procedures", created / load.seconds, "/s",
                note=f"p50 {percentile(load.latencies, 50) * 1000:.0f} ms, "
                     f"p99 {percentile(load.latencies, 99) * 1000:.0f} ms, {clients} clients, "
                     f"statuses {load.statuses}, transport errors {load.errors}")
    results.details["plan"] = {
        "procedures": procedures, "clients": clients, "created": created, "planned": count,
        "messages": messages, "seconds": elapsed, "api_seconds": load.seconds,
        "api_statuses": load.statuses, "api_p50_ms": percentile(load.latencies, 50) * 1000,
        "api_p99_ms": percentile(load.latencies, 99) * 1000, "complete": done,
    }
