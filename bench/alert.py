"""alert: time from a red-flag text reaching our webhook to the safety SMS and the on-call
alerts being out, with a paced sender far behind, side by side with urgent-first switched off.

Real processes: the API (2 processes), a worker and beat, the Twilio stand-in, and an SMTP
server (aiosmtpd) on loopback for the on-call email. The sender is paced at `SENDER_RATE`
(a short code's 100 SMS/s). When the run starts, 10,000 reminders are already due on that
sender, and 500 more fall due every second (more than it may send: the backlog only grows,
the worst case for a text stuck behind it). Meanwhile patients send 200 ordinary signed
replies a second, and red flags arrive as signed webhooks at random moments.

Each time counts from the reply's `received_at` (stamped by the API as the webhook arrives)
to the `sent_at` of the safety SMS, the on-call SMS and the on-call email (stamped by the
worker right after the stand-in or SMTP server accepted: an upper bound on the accept time).
A text still unsent at the cut-off counts as `cut-off - received_at`: such figures are lower
bounds, marked `>=`.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.data import add_due_sms
from bench.load import Request, open_loop, percentile
from bench.progress import say, watch
from bench.provider import Provider, start_provider
from bench.report import Results
from bench.stack import Stack
from bench.webhooks import seed, signed_requests, texts
from tests.support.factories import daytime_zone
from tests.support.smtp import start_smtp

WORKER_THREADS = 8  # as docker-compose.yml runs the worker
SENDER_RATE = 100  # SMS/s the sender may send (Twilio's default for a short code)
BACKLOG = 10_000
REMINDERS_PER_SECOND = 500
REPLIES_PER_SECOND = 200
ONCALL_PHONE, ONCALL_EMAIL = "+12125550100", "oncall@clinic.example.org"
SAFETY_P99_GOAL, SAFETY_MAX_GOAL, ALERT_P99_GOAL = 1.0, 2.0, 2.0
WHAT = {("safety", "sms"): "safety SMS accepted", ("alert", "sms"): "on-call SMS sent",
        ("alert", "email"): "on-call email sent"}


def traffic(phones: list[str], *, seconds: float, red_flags: int) -> list[Request]:
    """Ordinary replies at REPLIES_PER_SECOND with the red flags at random places among them,
    each from a patient of its own (its alerts are its own)."""
    flaggers, others = phones[:red_flags], phones[red_flags:]
    ordinary = signed_requests(int(REPLIES_PER_SECOND * seconds), others,
                               texts(triage={"none", "routine"}, lang="en"))
    flags = signed_requests(red_flags, flaggers, texts(triage={"urgent"}, lang="en"),
                            sid_prefix="SMrf")
    for at, flag in zip(sorted(random.Random(7).sample(range(len(ordinary)), red_flags)),
                        flags, strict=True):
        ordinary.insert(at, flag)
    return ordinary


def one_mode(stack: Stack, provider: Provider, *, urgent_first: bool, seconds: float,
             red_flags: int, cutoff: float) -> dict[str, Any]:
    mode = "urgent first" if urgent_first else "priority off"
    say(f"alert, {mode}: {BACKLOG:,} due on a {SENDER_RATE}/s sender, "
        f"+{REMINDERS_PER_SECOND}/s due, {REPLIES_PER_SECOND} replies/s, {red_flags} red flags")
    stack.reset()
    provider.configure(latency_ms=5)
    phones = seed(stack)
    stack.execute("UPDATE patients SET timezone = :zone", zone=daytime_zone(datetime.now(UTC)))
    requests = traffic(phones, seconds=seconds, red_flags=red_flags)
    rate = len(requests) / seconds
    with start_smtp() as smtp:
        env = {"AFTERCARE_SMS_RATE_PER_SECOND": str(SENDER_RATE),
               "AFTERCARE_URGENT_FIRST": str(urgent_first).lower(),
               "AFTERCARE_ONCALL_PHONE": ONCALL_PHONE, "AFTERCARE_ONCALL_EMAIL": ONCALL_EMAIL,
               "AFTERCARE_EMAIL_CHANNEL": "smtp", "AFTERCARE_SMTP_HOST": smtp.host,
               "AFTERCARE_SMTP_PORT": str(smtp.port)}
        threads, stack.concurrency = stack.concurrency, WORKER_THREADS
        try:
            workers = [stack.start_worker(visibility_timeout=None, **env), stack.start_beat()]
        finally:
            stack.concurrency = threads  # the other benchmarks' own setting
        _, base = stack.start_api(workers=2)
        now = datetime.now(UTC)
        add_due_sms(stack, BACKLOG, tag="backlog", first_due=now - timedelta(minutes=1),
                    patients_tag="wh")
        add_due_sms(stack, int(REMINDERS_PER_SECOND * (seconds + cutoff)), tag="steady",
                    first_due=now, spacing_seconds=1 / REMINDERS_PER_SECOND,
                    patients_tag="wh")
        load = open_loop(base, requests, rate=rate)
        say(f"  {len(requests):,} webhooks at {rate:.0f}/s: statuses {load.statuses}, "
            f"p99 {percentile(load.latencies, 99) * 1000:.0f} ms")
        expected = 3 * red_flags
        watch(lambda: (_sent_urgent(stack) >= expected,
                       f"urgent texts sent {_sent_urgent(stack)}/{expected}"), timeout=cutoff)
        stopped = datetime.now(UTC)
        backlog_left = stack.scalar("SELECT count(*) FROM messages WHERE status = 'planned' "
                                    "AND send_after <= now()")
        for proc in workers:
            stack.processes.stop(proc, hard=True)
        emails = len(smtp.received)
    out = _times(stack, stopped)
    out.update(mode=mode, webhooks=len(requests), webhook_statuses=load.statuses,
               emails_received=emails, reminders_sent=_sent_reminders(stack),
               reminders_due_unsent_at_cutoff=backlog_left,
               red_flags_read_urgent=stack.scalar(
                   "SELECT count(*) FROM replies WHERE message_sid LIKE 'SMrf%' "
                   "AND triage = 'urgent'"))
    say(f"  red flags read: p50 {out['read']['p50']:.2f} s, p99 {out['read']['p99']:.2f} s; "
        f"{out['unread_at_cutoff']} replies unread at the cut-off")
    for (kind, channel), what in WHAT.items():
        figures = out[f"{kind} {channel}"]
        bound = ">= " if figures["unsent"] else ""
        say(f"  {what}: p50 {figures['p50']:.2f} s, p99 {bound}{figures['p99']:.2f} s, "
            f"max {bound}{figures['max']:.2f} s ({figures['unsent']} unsent at the cut-off)")
    return out


def _sent_urgent(stack: Stack) -> int:
    return stack.scalar("SELECT count(*) FROM messages WHERE kind IN ('safety', 'alert') "
                        "AND sent_at IS NOT NULL")


def _sent_reminders(stack: Stack) -> int:
    return stack.scalar("SELECT count(*) FROM messages WHERE kind = 'guidance' "
                        "AND sent_at IS NOT NULL")


def _times(stack: Stack, cutoff: datetime) -> dict[str, Any]:
    with stack.db.connect() as conn:
        rows = conn.execute(text("""
            SELECT m.kind, m.channel,
                   extract(epoch FROM coalesce(m.sent_at, :cutoff) - r.received_at),
                   m.sent_at IS NULL
            FROM replies r JOIN messages m ON m.reply_id = r.id
            WHERE r.message_sid LIKE 'SMrf%' AND m.kind IN ('safety', 'alert')"""),
            {"cutoff": cutoff}).all()
        read = [float(t) for t in conn.execute(text("""
            SELECT extract(epoch FROM coalesce(read_at, :cutoff) - received_at) FROM replies
            WHERE message_sid LIKE 'SMrf%'"""), {"cutoff": cutoff}).scalars()]
        behind = conn.execute(text("""
            SELECT count(*) FROM replies WHERE read_at IS NULL AND keyword IS NULL""")).scalar()
    # Where the time goes: reading the red flag, then sending what it asked for.
    out: dict[str, Any] = {"read": {name: percentile(read, p) for name, p in
                                    (("p50", 50), ("p99", 99), ("max", 100))},
                           "unread_at_cutoff": behind}
    for kind, channel in WHAT:
        times = [float(t) for k, c, t, _ in rows if (k, c) == (kind, channel)]
        out[f"{kind} {channel}"] = {
            "count": len(times), "unsent": sum(1 for k, c, _, u in rows
                                               if (k, c) == (kind, channel) and u),
            **{name: percentile(times, p) if times else float("nan")
               for name, p in (("p50", 50), ("p99", 99), ("max", 100))}}
    return out


def run(stack: Stack, results: Results, *, seconds: float, red_flags: int,
        cutoff: float) -> None:
    details = {}
    provider = start_provider(stack)
    for urgent_first in (True, False):  # side by side, on the same machine weather
        details[str(urgent_first)] = one_mode(stack, provider, urgent_first=urgent_first,
                                              seconds=seconds, red_flags=red_flags,
                                              cutoff=cutoff)
        time.sleep(1)
    results.details["alert"] = details
    on, off = details["True"], details["False"]
    for (kind, channel), what in WHAT.items():
        key = f"{kind} {channel}"
        p99_goal = SAFETY_P99_GOAL if kind == "safety" else ALERT_P99_GOAL
        for name, goal in (("p99", p99_goal), ("max", SAFETY_MAX_GOAL if kind == "safety"
                                                else None)):
            if goal is None:
                continue
            mine, theirs = on[key], off[key]
            bound = ">= " if theirs["unsent"] else ""
            results.add("alert", f"{what}, {name}", round(mine[name], 2), "s",
                        goal=f"<= {goal:g} s", ok=mine[name] <= goal and not mine["unsent"],
                        naive=f"priority off: {bound}{theirs[name]:.1f} s",
                        note=f"p50 {mine['p50']:.2f} s (priority off {theirs['p50']:.1f} s); "
                             f"{mine['count']} texts, {mine['unsent']} unsent at the cut-off")
