"""3. webhooks: signed inbound SMS and status callbacks at increasing rates against the API;
the reader in-process.

Open loop: requests leave at the target rate whatever the server does, and each latency is
measured from its scheduled start. A step is sustained when >= 95% of the target rate was
achieved, every answer was 200 and p99 <= 50 ms; the ramp stops at the first step that is
not. Replies come from patients who were texted a check-in an hour ago (the matching path),
with texts from tests/data/replies-extra.jsonl. The reading task they enqueue is not run here
(no worker): this measures what Twilio waits for.

Status callbacks: "sent" then "delivered" for messages already handed to Twilio, each message
twice (Twilio sends two or three per message), at up to 3,000/s: at 1,000 messages/s sent,
that is what Twilio sends back. With 2 API processes only (production).
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bench import profiling
from bench.data import add_due_sms, add_patients
from bench.load import Request, open_loop, percentile
from bench.progress import say
from bench.report import Results
from bench.stack import AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, REPO, Stack

PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
STATUS_RATES = (100, 200, 400, 700, 1000, 1500, 2000, 3000)
PATIENTS = 1_000
P99_GOAL_MS = 50.0
RATE_GOAL = 1000
READ_GOAL = 5000


def texts(*, triage: set[str] | None = None, lang: str | None = None) -> list[str]:
    """Reply texts from tests/data, optionally only those labelled with `triage` / `lang`."""
    lines = (REPO / "tests/data/replies-extra.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [row["text"] for row in rows
            if (triage is None or row["triage"] in triage)
            and (lang is None or row.get("lang", "en") == lang)] or ["1", "no swelling"]


def seed(stack: Stack) -> list[str]:
    """Patients who were sent a check-in an hour ago; returns their phones."""
    add_patients(stack, PATIENTS, tag="wh")
    with stack.db.begin() as conn:
        conn.execute(text("""
            INSERT INTO messages (dedupe_key, procedure_id, patient_id, audience, step, channel,
                                  kind, status, due_at, send_after, local_due, language, body,
                                  attempts, sent_at, provider_id, created_at, updated_at)
            SELECT 'wh:' || pr.id, pr.id, pr.patient_id, 'patient', 'day1-check-in', 'sms',
                   'check_in', 'sent', now() - interval '1 hour', now() - interval '1 hour',
                   '', 'en', 'How is your leg today? Reply 1 fine, 2 sore, 3 call me', 1,
                   now() - interval '1 hour', 'SM' || md5(pr.id::text), now(), now()
            FROM procedures pr WHERE pr.external_id LIKE 'proc-wh-%'"""))
        conn.execute(text("ANALYZE messages"))
        conn.execute(text("ANALYZE patients"))
        return list(conn.execute(text(
            "SELECT phone FROM patients WHERE external_id LIKE 'wh-%'")).scalars())


def signed_requests(count: int, phones: list[str], bodies: list[str], *,
                    sid_prefix: str = "SM") -> list[Request]:
    """Signed inbound SMS; `sid_prefix` marks a kind of reply to find it again."""
    validator = RequestValidator(AUTH_TOKEN)
    out = []
    for phone, body in zip(itertools.islice(itertools.cycle(phones), count),
                           itertools.cycle(bodies)):
        fields = {"MessageSid": sid_prefix + uuid.uuid4().hex, "AccountSid": "AC" + "b" * 32,
                  "From": phone, "To": FROM_NUMBER, "Body": body, "NumMedia": "0",
                  "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
        signature = validator.compute_signature(PUBLIC_URL + PATH, fields)
        out.append({"method": "POST", "url": PATH, "data": fields,
                    "headers": {"X-Twilio-Signature": signature}})
    return out


def sent_sids(stack: Stack, count: int) -> list[str]:
    """`count` SMS handed to Twilio a minute ago, with their sids, in order."""
    add_due_sms(stack, count, tag="st", first_due=datetime.now(UTC) - timedelta(minutes=1),
                patients_tag="wh", analyze=False)
    with stack.db.begin() as conn:
        conn.execute(text("""
            UPDATE messages SET status = 'sent', sent_at = now(), provider_status = 'queued',
                   provider_id = 'SM' || md5(dedupe_key)
            WHERE dedupe_key LIKE 'st:%'"""))
        conn.execute(text("ANALYZE messages"))
        return list(conn.execute(text(
            "SELECT provider_id FROM messages WHERE dedupe_key LIKE 'st:%' ORDER BY id"
        )).scalars())


def status_requests(sids: Iterator[str]) -> Callable[[int], list[Request]]:
    """Signed callbacks, "sent" then "delivered" for each next sid."""
    validator = RequestValidator(AUTH_TOKEN)

    def make(count: int) -> list[Request]:
        out: list[Request] = []
        for i in range(count):
            if i % 2 == 0:
                sid = next(sids)
            fields = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "b" * 32,
                      "MessageStatus": ("sent", "delivered")[i % 2],
                      "SmsStatus": ("sent", "delivered")[i % 2], "From": FROM_NUMBER,
                      "To": "+14155550100", "ApiVersion": "2010-04-01"}
            signature = validator.compute_signature(PUBLIC_URL + STATUS_PATH, fields)
            out.append({"method": "POST", "url": STATUS_PATH, "data": fields,
                        "headers": {"X-Twilio-Signature": signature}})
        return out
    return make


def one_step(base: str, rate: int, seconds: float,
             make: Callable[[int], list[Request]]) -> dict[str, Any]:
    requests = make(int(rate * seconds))
    load = open_loop(base, requests, rate=rate)
    achieved = load.ok(200) / load.seconds
    p50, p99 = (percentile(load.latencies, p) * 1000 for p in (50, 99))
    sustained = (achieved >= 0.95 * rate and load.ok(200) == len(requests)
                 and p99 <= P99_GOAL_MS)
    return {"rate": rate, "achieved": achieved, "p50_ms": p50, "p99_ms": p99,
            "statuses": load.statuses, "errors": load.errors, "sustained": sustained}


def reader_rate(seconds: float) -> tuple[float, int]:
    from aftercare.replies.reading import read_reply

    sample = texts()
    read_reply(sample[0], language="en")  # warm caches (lexicons, compiled patterns)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for body in sample:
            read_reply(body)
        count += len(sample)
    return count / (time.perf_counter() - started), len(sample)


def run(stack: Stack, results: Results, *, rates: tuple[int, ...], seconds: float,
        read_seconds: float, profile: bool = False) -> None:
    phones = seed(stack)
    bodies = texts()

    def inbound(count: int) -> list[Request]:
        return signed_requests(count, phones, bodies)

    details: dict[str, Any] = {}
    for api_workers in (1, 2):  # one API process, then one per core (production)
        details[f"{api_workers} API processes"] = _ramp(
            stack, results, inbound, rates=rates, seconds=seconds, api_workers=api_workers,
            profile=profile and api_workers == 2, what="signed inbound SMS")
    details["replies_stored"] = stack.scalar("SELECT count(*) FROM replies")
    status_rates = tuple(r for r in STATUS_RATES if r <= 3 * max(rates))
    # Two callbacks a message, and room for a second try at every step.
    needed = int(sum(status_rates) * seconds) + 1_000
    details["status callbacks, 2 API processes"] = _ramp(
        stack, results, status_requests(iter(sent_sids(stack, needed))), rates=status_rates,
        seconds=seconds, api_workers=2, profile=False, what="Twilio status callbacks",
        goal=None)
    details["delivered"] = stack.scalar(
        "SELECT count(*) FROM messages WHERE status = 'delivered'")
    reads, distinct = reader_rate(read_seconds)
    stack.redis.delete(stack.queue)  # the reading tasks no worker ran
    details["reader_texts"] = distinct
    results.details["webhooks"] = details
    results.add("webhooks", "replies read in-process (read_reply)", reads, "/s",
                goal=f">= {READ_GOAL:,}/s", ok=reads >= READ_GOAL,
                note=f"one process, {distinct} distinct texts from tests/data")


def _ramp(stack: Stack, results: Results, make: Callable[[int], list[Request]], *,
          rates: tuple[int, ...], seconds: float, api_workers: int, profile: bool, what: str,
          goal: int | None = RATE_GOAL) -> list[dict[str, Any]]:
    say(f"webhooks, {what}: {api_workers} API process(es)")
    api, base = stack.start_api(workers=api_workers)
    open_loop(base, make(200), rate=50)  # warm up
    spy = profiling.start("webhooks-api", api.pid) if profile else None
    steps: list[dict[str, Any]] = []
    best = None
    for rate in rates:
        for attempt in (1, 2):  # a noisy neighbour gets one second chance per step
            step = one_step(base, rate, seconds, make)
            steps.append(step)
            say(f"  {rate}/s: achieved {step['achieved']:,.0f}/s, p50 {step['p50_ms']:.1f} ms, "
                f"p99 {step['p99_ms']:.1f} ms, statuses {step['statuses']}"
                + ("" if step["sustained"] else f"  <- not sustained (try {attempt} of 2)"))
            time.sleep(1)
            if step["sustained"]:
                break
        if not steps[-1]["sustained"]:
            break
        best = steps[-1]
    if spy is not None:
        results.details[f"profile {spy.name}"] = summary = spy.stop()
        say(f"profile {spy.name}:\n{profiling.describe(summary)}")
    stack.processes.stop(api)
    best_rate = best["rate"] if best else 0
    note = (f"p50 {best['p50_ms']:.1f} ms, p99 {best['p99_ms']:.1f} ms at {best_rate}/s; "
            if best else "")
    note += "next step: " + (", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in steps[-1].items() if k != "sustained")
                             if steps and not steps[-1]["sustained"] else "none (top of ramp)")
    processes = "1 API process" if api_workers == 1 else f"{api_workers} API processes"
    results.add("webhooks", f"{what} sustained at p99 <= 50 ms, {processes}", best_rate, "/s",
                goal=f">= {goal:,}/s" if goal else "",
                ok=best_rate >= goal if goal else None, note=note)
    return steps
