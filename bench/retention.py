"""8. retention: how fast does the purge remove the words of years of history, and does each
batch stay as cheap at the end as at the start?

Loads `messages` messages and `replies` replies spread over three years (the history
bench's bulk loader), then runs the purge itself (`aftercare.patients.retention`, a
365-day retention) batch after batch, as beat's hourly runs would, until nothing older is
left. Reports rows per second, what an hourly run (30 s) takes at that rate, the slowest
batch (500 messages and 500 replies, one transaction), the p50/p95 of the first and the last
100 batches (flat: the partial indexes of rows still holding their words keep a batch from
reading what was purged before), and the plan of a batch's SELECT on the loaded history
(bench/results/retention-plan.txt).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from aftercare.db.session import make_engine, make_session_factory
from aftercare.media.store import FolderStore
from aftercare.patients.retention import BATCH, BUDGET_SECONDS, purge_expired
from bench.history import load_history
from bench.load import percentile
from bench.progress import say
from bench.report import RESULTS, Results
from bench.stack import Stack

DAYS = 365
BATCH_GOAL_S = 1.0  # a batch's transaction holds its rows' locks: keep it short
FLAT_GOAL = 2.0  # the last batches no slower than twice the first
PLAN = RESULTS / "retention-plan.txt"
BATCH_SELECT = """EXPLAIN (ANALYZE, BUFFERS)
SELECT id FROM messages WHERE body_purged_at IS NULL AND created_at < :cutoff
  AND status NOT IN ('planned', 'sending') ORDER BY created_at, id LIMIT 500"""


def run(stack: Stack, results: Results, *, messages: int, replies: int) -> None:
    say(f"retention: loading {messages:,} messages and {replies:,} replies over 3 years")
    load = load_history(stack, messages=messages, replies=replies)
    say(f"  loaded in {load['total_seconds']:,.0f}s")
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=DAYS)
    with stack.db.connect() as conn:
        # What the purge may take: settled messages, replies read and not open for review.
        due = {table: conn.execute(text(
            f"SELECT count(*) FROM {table} WHERE {where}"),  # noqa: S608
            {"cutoff": cutoff}).scalar_one()
            for table, where in (
                ("messages", "created_at < :cutoff AND status NOT IN ('planned', 'sending')"),
                ("replies", "received_at < :cutoff AND review_status NOT IN "
                            "('open', 'pending')"))}
        kept = conn.execute(text(
            "SELECT count(*) FROM replies WHERE received_at < :cutoff AND review_status IN "
            "('open', 'pending')"), {"cutoff": cutoff}).scalar_one()
        plan = "\n".join(r[0] for r in conn.execute(text(BATCH_SELECT), {"cutoff": cutoff}))
    engine = make_engine(stack.db_url)
    sessions = make_session_factory(engine)
    store = FolderStore(Path(tempfile.mkdtemp(prefix="aftercare-bench-media-")))
    batches: list[float] = []
    purged = {"messages": 0, "replies": 0}
    say(f"retention: purging {due['messages']:,} messages and {due['replies']:,} replies "
        f"older than {DAYS} days, a batch of {BATCH} each at a time")
    started = time.monotonic()
    while True:
        clock = time.monotonic()
        done = purge_expired(sessions=sessions, days=DAYS, now=now, store=store,
                             max_batches=1)
        batches.append(time.monotonic() - clock)
        purged["messages"] += done.messages
        purged["replies"] += done.replies
        if done.messages < BATCH and done.replies < BATCH:
            break
        if len(batches) % 200 == 0:
            say(f"  {purged['messages']:,} messages, {purged['replies']:,} replies")
    elapsed = time.monotonic() - started
    engine.dispose()
    rows = purged["messages"] + purged["replies"]
    first, last = batches[:100], batches[-101:-1] or batches
    per_run = round(rows / elapsed * BUDGET_SECONDS)
    ratio = percentile(last, 95) / max(percentile(first, 95), 1e-9)
    results.add("retention", "history loaded", f"{messages:,} messages, {replies:,} replies")
    results.add("retention", "purged", f"{purged['messages']:,} messages, "
                f"{purged['replies']:,} replies", ok=purged == due,
                goal="every settled row older than the retention",
                note=f"due: {due}; {kept} replies still open for review kept, as they must be")
    results.add("retention", "rows purged per second", round(rows / elapsed), "rows/s")
    results.add("retention", f"rows per hourly run ({BUDGET_SECONDS:.0f} s)", per_run,
                "rows", note="at this rate; a run gives its worker thread back after that")
    slowest = max(batches)
    results.add("retention", "slowest batch (its own transaction)",
                round(slowest * 1000), "ms", goal=f"<= {BATCH_GOAL_S * 1000:.0f} ms",
                ok=slowest <= BATCH_GOAL_S)
    results.add("retention", "batch p50 / p95, first 100",
                f"{percentile(first, 50) * 1000:.0f} / {percentile(first, 95) * 1000:.0f}",
                "ms")
    results.add("retention", "batch p50 / p95, last 100",
                f"{percentile(last, 50) * 1000:.0f} / {percentile(last, 95) * 1000:.0f}", "ms",
                goal=f"p95 <= {FLAT_GOAL:.0f}x the first 100's", ok=ratio <= FLAT_GOAL,
                note=f"ratio {ratio:.2f}")
    results.details["retention"] = {"load": load, "due": due, "purged": purged,
                                    "batches": len(batches), "seconds": round(elapsed, 1)}
    PLAN.parent.mkdir(parents=True, exist_ok=True)
    PLAN.write_text(f"{results.mode} run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
                    f"{load['messages']:,} messages loaded\n\n{plan}\n")
    say(f"retention: {rows:,} rows in {elapsed:,.1f}s ({rows / elapsed:,.0f}/s); "
        f"slowest batch {max(batches) * 1000:.0f} ms; batch p95 first "
        f"{percentile(first, 95) * 1000:.0f} ms, last {percentile(last, 95) * 1000:.0f} ms")
