"""4. memory and duplicates: our outbox design next to the naive Celery-ETA design.

Memory: worker RSS (the process and its pool children) before and while reminders are
pending. Ours: N rows in the outbox, due over the next month, plus a trickle falling due
during the watch so the worker is busy; the worker only ever claims due rows. Naive
(bench/naive.py): one `apply_async(eta=...)` per reminder, due in an hour; the worker takes
them all into memory.

Duplicates: both designs with the same low Redis visibility timeout, reminders due further
ahead than it; each reminder has a unique body and the stand-in counts sends per (to, body).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench import naive
from bench.data import add_due_sms, add_patients, clear_messages
from bench.progress import say, watch
from bench.provider import Provider, duplicates, start_provider
from bench.report import Results
from bench.stack import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, Proc, Stack, rss_mb, wait_until

if TYPE_CHECKING:
    from bench.runner import Sizes

PATIENTS = 10_000
RSS_GOAL_MB = 150


def _sample(pid: int, seconds: float) -> list[float]:
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append(rss_mb(pid))
        time.sleep(1)
    return samples


def ours_memory(stack: Stack, pending: int, watch_seconds: float) -> dict[str, Any]:
    clear_messages(stack)
    worker, beat = stack.start_worker(), stack.start_beat()
    idle = max(_sample(worker.pid, 3))
    say(f"  ours: worker {idle:.0f} MB with nothing pending; adding {pending:,} reminders")
    now = datetime.now(UTC)
    add_due_sms(stack, pending, tag="pending", first_due=now + timedelta(days=1),
                spacing_seconds=30 * 86400 / pending, patients_tag="mem")
    trickle = int(20 * watch_seconds)
    add_due_sms(stack, trickle, tag="trickle", first_due=datetime.now(UTC),
                spacing_seconds=1 / 20, patients_tag="mem")
    samples = _sample(worker.pid, watch_seconds)
    sent = stack.scalar("SELECT count(*) FROM messages WHERE status = 'sent'")
    for proc in (beat, worker):
        stack.processes.stop(proc, hard=True)
    return {"pending": pending, "idle_mb": idle, "max_mb": max(samples),
            "last_mb": samples[-1], "trickle_due": trickle, "trickle_sent": sent}


def start_naive(stack: Stack, provider: Provider, *, queue: str, visibility: int) -> Proc:
    proc = stack.processes.start("naive-worker", [
        sys.executable, "-m", "bench.naive", "--broker", stack.redis_url, "--queue", queue,
        f"--visibility-timeout={visibility}", "--twilio-base-url", provider.url,
        "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN, "--from-number", FROM_NUMBER,
        f"--pool={stack.pool}", f"--concurrency={stack.concurrency}"], stack.env())
    wait_until(lambda: " ready." in proc.log.read_text(errors="replace"), timeout=60,
               what="the naive worker", proc=proc)
    return proc


def enqueue_naive(count: int, *, eta: datetime, tag: str, queue: str) -> None:
    for i in range(count):
        naive.send_reminder.apply_async(args=[f"+1415{2000001 + i % PATIENTS}",
                                              f"{tag}#{i + 1} Hi, a reminder from the clinic"],
                                        eta=eta, queue=queue)
        if (i + 1) % 20_000 == 0:
            say(f"  naive: enqueued {i + 1:,}/{count:,}")


def naive_memory(stack: Stack, provider: Provider, pending: int, timeout: float
                 ) -> dict[str, Any]:
    queue = f"naive-{stack.tag}-memory"
    naive.configure(broker_url=stack.redis_url, queue=queue, visibility_timeout=3600)
    worker = start_naive(stack, provider, queue=queue, visibility=3600)
    idle = max(_sample(worker.pid, 3))
    say(f"  naive: worker {idle:.0f} MB with nothing pending; enqueuing {pending:,} ETA tasks")
    started = time.monotonic()
    enqueue_naive(pending, eta=datetime.now(UTC) + timedelta(hours=1), tag="naive-pending",
                  queue=queue)
    samples: list[float] = []

    def held() -> tuple[bool, str]:
        samples.append(rss_mb(worker.pid))
        taken = int(stack.redis.hlen("unacked"))
        return taken >= pending, f"naive worker holds {taken:,}/{pending:,}, {samples[-1]:.0f} MB"

    done, _ = watch(held, timeout=max(timeout - (time.monotonic() - started), 5))
    samples += _sample(worker.pid, 3)
    taken = int(stack.redis.hlen("unacked"))
    stack.processes.stop(worker, hard=True)
    stack.redis.delete(queue, "unacked", "unacked_index")
    return {"pending": pending, "idle_mb": idle, "max_mb": max(samples), "held": taken,
            "complete": done}


def duplicate_runs(stack: Stack, provider: Provider, *, count: int, visibility: int,
                   lead: float) -> dict[str, Any]:
    """Both designs at once, independent queues and bodies; reminders due in `lead` s."""
    clear_messages(stack)
    queue = f"naive-{stack.tag}-dups"
    naive.configure(broker_url=stack.redis_url, queue=queue, visibility_timeout=visibility)
    procs = [stack.start_worker(visibility_timeout=visibility), stack.start_beat(),
             start_naive(stack, provider, queue=queue, visibility=visibility)]
    due = datetime.now(UTC) + timedelta(seconds=lead)
    add_due_sms(stack, count, tag="dup-ours", first_due=due, spacing_seconds=0.01,
                patients_tag="mem")
    enqueue_naive(count, eta=due, tag="dup-naive", queue=queue)
    wait = lead + visibility + 10  # past the due time and one redelivery
    say(f"  {count:,} reminders each, due in {lead:.0f}s, visibility timeout {visibility}s; "
        f"waiting {wait:.0f}s")
    watch(lambda: (False, f"stand-in accepted {provider.accepted():,}"), timeout=wait,
          report_every=10)
    for proc in procs:
        stack.processes.stop(proc, hard=True)
    ours, theirs = (provider.sends_per_message(p) for p in ("dup-ours#", "dup-naive#"))
    stack.redis.delete(queue, "unacked", "unacked_index")
    return {"reminders": count, "visibility_timeout_s": visibility, "lead_s": lead,
            "ours": {"sent_once_or_more": len(ours), "duplicates": duplicates(ours)},
            "naive": {"sent_once_or_more": len(theirs), "duplicates": duplicates(theirs)}}


def run(stack: Stack, results: Results, s: Sizes) -> None:
    provider = start_provider(stack)
    provider.configure(latency_ms=5)
    add_patients(stack, PATIENTS, tag="mem")
    say(f"memory, ours: {s.pending_ours:,} reminders in the outbox")
    ours = ours_memory(stack, s.pending_ours, s.memory_watch)
    clear_messages(stack)
    say(f"memory, naive: {s.pending_naive:,} ETA tasks")
    theirs = naive_memory(stack, provider, s.pending_naive, s.naive_timeout)
    say("duplicates, both designs")
    provider.configure(latency_ms=5)
    dups = duplicate_runs(stack, provider, count=s.duplicates, visibility=s.visibility_timeout,
                          lead=s.duplicates_lead)
    clear_messages(stack)
    stack.processes.stop(provider.proc)
    stack.standin_url = None
    results.details["memory"] = {"ours": ours, "naive": theirs, "duplicates": dups}
    held = "" if theirs["complete"] else f" (held {theirs['held']:,} when the limit came)"
    results.add("memory", f"worker RSS, {s.pending_ours:,} pending (ours)", ours["max_mb"], "MB",
                goal=f"< {RSS_GOAL_MB} MB, flat", ok=ours["max_mb"] < RSS_GOAL_MB,
                naive=f"{theirs['max_mb']:.0f} MB with {s.pending_naive:,} pending{held}",
                note=f"ours {ours['idle_mb']:.0f} MB idle -> {ours['max_mb']:.0f} MB max while "
                     f"sending {ours['trickle_sent']:,} of a {ours['trickle_due']:,} trickle; "
                     f"naive {theirs['idle_mb']:.0f} MB idle -> {theirs['max_mb']:.0f} MB")
    d = dups
    results.add("memory", f"duplicates, due {d['lead_s']:.0f}s ahead > "
                          f"{d['visibility_timeout_s']}s visibility timeout",
                d["ours"]["duplicates"], goal="0", ok=d["ours"]["duplicates"] == 0,
                naive=f"{d['naive']['duplicates']:,} duplicates",
                note=f"{d['reminders']:,} reminders each; sent at least once: ours "
                     f"{d['ours']['sent_once_or_more']:,}, naive "
                     f"{d['naive']['sent_once_or_more']:,}")
