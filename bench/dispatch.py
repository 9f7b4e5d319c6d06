"""2. dispatch: outbox rows sent through the Twilio stand-in by real worker processes.

For 1 and 2 `python -m aftercare worker` processes (plus `aftercare beat`), with a provider
that answers each create after 5 ms and after 50 ms:
 (a) burst: N rows due at the same minute, committed in one statement; time until the
     stand-in accepted them all (or the rate over the time limit);
 (b) steady: rows falling due at a fixed rate; lateness = sent_at - due_at, where sent_at is
     stamped by the worker right after the provider accepted (an upper bound on the accept
     time, by one request); and none sent early: claimed_at (before the provider call) is
     never before due_at.
Workers are killed and restarted between runs, so no claimed batch carries over.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from bench import profiling
from bench.data import add_due_sms, add_patients, clear_messages
from bench.load import percentile
from bench.progress import say, watch
from bench.provider import Provider, duplicates, start_provider
from bench.report import Results
from bench.stack import Proc, Stack

if TYPE_CHECKING:
    from bench.runner import Sizes

PATIENTS = 5_000
BURST_GOAL = 1000  # messages/s
LATE_GOAL = 2.0  # p99 seconds at the steady rate


def _start(stack: Stack, workers: int) -> list[Proc]:
    return [stack.start_worker() for _ in range(workers)] + [stack.start_beat()]


def _stop(stack: Stack, procs: list[Proc]) -> None:
    for proc in procs:  # the measurement is over: no need to wait for a graceful end
        stack.processes.stop(proc, hard=True)


def _sent(stack: Stack) -> int:
    return stack.scalar("SELECT count(*) FROM messages WHERE status IN ('sent', 'failed')")


def burst(stack: Stack, provider: Provider, *, workers: int, latency: int, count: int,
          timeout: float, profile: bool) -> dict[str, Any]:
    clear_messages(stack)
    provider.configure(latency_ms=latency)
    procs = _start(stack, workers)
    spy = profiling.start(f"dispatch-worker-{latency}ms", procs[0].pid) if profile else None
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    add_due_sms(stack, count, tag=f"burst-{workers}w-{latency}ms", first_due=due,
                patients_tag="disp")
    started = time.monotonic()  # the commit: every row is due from now on
    done, _ = watch(lambda: (_sent(stack) >= count, f"sent {_sent(stack):,}/{count:,}"),
                    timeout=timeout)
    elapsed = time.monotonic() - started
    summary = spy.stop() if spy else None
    _stop(stack, procs)
    accepted = provider.accepted()
    dups = duplicates(provider.sends_per_message("burst-"))
    out: dict[str, Any] = {
        "messages": count, "accepted": accepted, "seconds": elapsed, "complete": done,
        "rate": accepted / elapsed, "duplicates": dups,
        "projected_drain_seconds": count / max(accepted / elapsed, 1e-9)}
    if summary:
        out["profile"] = summary
        say(f"profile dispatch ({workers} worker, {latency} ms):\n"
            f"{profiling.describe(summary)}")
    return out


def steady(stack: Stack, provider: Provider, *, workers: int, latency: int, rate: int,
           seconds: float, drain: float) -> dict[str, Any]:
    clear_messages(stack)
    provider.configure(latency_ms=latency)
    count = int(rate * seconds)
    lead = 6.0  # the rows are in and the workers up before the first falls due
    first_due = datetime.now(UTC) + timedelta(seconds=lead)
    add_due_sms(stack, count, tag=f"steady-{workers}w-{latency}ms", first_due=first_due,
                spacing_seconds=1 / rate, patients_tag="disp")
    procs = _start(stack, workers)
    end = first_due + timedelta(seconds=seconds + drain)
    wait = max((end - datetime.now(UTC)).total_seconds(), 0)
    watch(lambda: (_sent(stack) >= count, f"sent {_sent(stack):,}/{count:,} "
                                          f"(due so far: {_due_so_far(first_due, rate, count):,})"),
          timeout=wait)
    cutoff = datetime.now(UTC)
    _stop(stack, procs)
    with stack.db.connect() as conn:
        rows = conn.execute(text("""
            SELECT extract(epoch FROM coalesce(sent_at, :cutoff) - due_at), sent_at IS NULL,
                   claimed_at < due_at OR sent_at < due_at
            FROM messages WHERE dedupe_key LIKE 'steady-%'"""), {"cutoff": cutoff}).all()
    late = [float(r[0]) for r in rows]
    unsent = sum(1 for r in rows if r[1])
    early = sum(1 for r in rows if r[2])
    dups = duplicates(provider.sends_per_message("steady-"))
    return {"rate": rate, "seconds": seconds, "messages": count, "unsent_at_cutoff": unsent,
            "early": early, "duplicates": dups,
            "p50_s": percentile(late, 50), "p99_s": percentile(late, 99), "max_s": max(late),
            # unsent rows count with (cutoff - due): the true figures are at least these
            "lower_bounds": unsent > 0}


def _due_so_far(first_due: datetime, rate: int, count: int) -> int:
    return max(0, min(count, int((datetime.now(UTC) - first_due).total_seconds() * rate) + 1))


def claim_overreach(stack: Stack, *, rows: int = 3000, limit: int = 200) -> dict[str, Any]:
    """One `claim_due(limit=200)` on freshly inserted due rows, before any ANALYZE.

    The claim is UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED). Without
    statistics PostgreSQL may pick a nested-loop semi-join that re-runs the LIMIT subquery
    for every outer row: the claim then takes every due row, in quadratic time."""
    from sqlalchemy.orm import Session

    from aftercare.outbox.claim import claim_due

    clear_messages(stack)
    stack.execute("ANALYZE messages")  # statistics of an empty outbox: a fresh deployment
    add_due_sms(stack, rows, tag="claim-check", first_due=datetime.now(UTC),
                patients_tag="disp", analyze=False)
    started = time.perf_counter()
    with Session(stack.db) as session, session.begin():
        claimed = len(claim_due(session, now=datetime.now(UTC), limit=limit))
        session.rollback()
    seconds = time.perf_counter() - started
    clear_messages(stack)
    return {"due_rows": rows, "limit": limit, "claimed": claimed, "seconds": seconds}


def run(stack: Stack, results: Results, s: Sizes, *, profile: bool) -> None:
    provider = start_provider(stack)
    add_patients(stack, PATIENTS, tag="disp")
    details: dict[str, Any] = {}
    check = claim_overreach(stack)
    details["claim before ANALYZE"] = check
    results.add("dispatch", "one claim of 200, fresh rows, no ANALYZE", check["claimed"],
                "rows", goal="200", ok=check["claimed"] <= check["limit"],
                note=f"took {check['seconds']:.2f}s over {check['due_rows']:,} due rows "
                     "(nested-loop semi-join re-runs the LIMIT subquery per row)")
    for workers in (1, 2):
        for latency in (5, 50):
            name = f"{workers} worker{'s' if workers > 1 else ''}, {latency} ms"
            say(f"dispatch burst: {s.burst:,} due at once; {name}")
            b = burst(stack, provider, workers=workers, latency=latency, count=s.burst,
                      timeout=s.burst_timeout, profile=profile and workers == 1)
            say(f"dispatch steady: {s.steady_rate}/s for {s.steady_seconds:.0f}s; {name}")
            st = steady(stack, provider, workers=workers, latency=latency, rate=s.steady_rate,
                        seconds=s.steady_seconds, drain=s.steady_drain)
            details[name] = {"burst": b, "steady": st}
            note = ("" if b["complete"] else
                    f"{b['accepted']:,} of {s.burst:,} in the {s.burst_timeout:.0f}s limit; "
                    f"all would take ~{b['projected_drain_seconds']:,.0f}s")
            results.add("dispatch", f"burst drain, {name}", b["rate"], "msg/s",
                        goal=f">= {BURST_GOAL:,}/s", ok=b["rate"] >= BURST_GOAL, note=note)
            bound = ">= " if st["lower_bounds"] else ""
            results.add("dispatch", f"steady {s.steady_rate}/s lateness p99, {name}",
                        f"{bound}{st['p99_s']:.2f}", "s", goal=f"<= {LATE_GOAL:.0f} s",
                        ok=st["p99_s"] <= LATE_GOAL and not st["lower_bounds"],
                        note=f"p50 {bound}{st['p50_s']:.2f}s, max {bound}{st['max_s']:.2f}s; "
                             f"{st['unsent_at_cutoff']:,} of {st['messages']:,} unsent "
                             f"{s.steady_drain:.0f}s after the last fell due")
            results.add("dispatch", f"sent before due / duplicates, {name}",
                        f"{st['early']} / {st['duplicates'] + b['duplicates']}",
                        goal="0 / 0", ok=st["early"] == 0 and
                        st["duplicates"] + b["duplicates"] == 0)
    results.details["dispatch"] = details
    clear_messages(stack)
    stack.processes.stop(provider.proc)
    stack.standin_url = None
