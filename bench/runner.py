"""The runner: one scratch stack, the benchmarks in turn, a table and a JSON file at the end.

Every process it starts is stopped in a `finally`, on success, failure, Ctrl-C or SIGTERM;
the scratch database is dropped and the bench's Redis DB emptied.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    alert,
    dispatch,
    history,
    memory,
    plan,
    retention,
    review,
    roundtrips,
    webhooks,
)
from bench.progress import say
from bench.report import Results, side_by_side, table, write
from bench.stack import Stack


@dataclass(frozen=True)
class Sizes:
    procedures: int = 10_000
    plan_clients: int = 32
    plan_timeout: float = 150.0
    burst: int = 100_000
    burst_timeout: float = 30.0
    steady_rate: int = 500
    steady_seconds: float = 30.0
    steady_drain: float = 10.0
    webhook_rates: tuple[int, ...] = (25, 50, 100, 200, 400, 700, 1000, 1500, 2000)
    webhook_seconds: float = 5.0
    read_seconds: float = 3.0
    pending_ours: int = 1_000_000
    pending_naive: int = 100_000
    memory_watch: float = 20.0
    naive_timeout: float = 120.0
    duplicates: int = 500
    visibility_timeout: int = 10
    duplicates_lead: float = 25.0
    replies: int = 1_000_000
    review_requests: int = 200
    alert_seconds: float = 30.0
    alert_red_flags: int = 200
    alert_cutoff: float = 30.0
    history_messages: int = 15_000_000
    history_replies: int = 2_000_000
    retention_messages: int = 1_300_000
    retention_replies: int = 200_000


FULL = Sizes()
QUICK = Sizes(procedures=500, plan_clients=16, plan_timeout=30.0, burst=10_000,
              burst_timeout=6.0, steady_seconds=5.0, steady_drain=2.0,
              webhook_rates=(25, 50, 100, 300, 1000), webhook_seconds=2.0, read_seconds=1.0,
              pending_ours=100_000, pending_naive=10_000, memory_watch=4.0,
              naive_timeout=30.0, duplicates=100, visibility_timeout=5, duplicates_lead=8.0,
              replies=100_000, review_requests=50, alert_seconds=10.0, alert_red_flags=50,
              alert_cutoff=15.0, history_messages=300_000,
              history_replies=40_000, retention_messages=130_000, retention_replies=20_000)

BENCHES = ("roundtrips", "plan", "dispatch", "webhooks", "memory", "review", "alert", "history",
           "retention")
# Run only when named (`--only history`): loading three years of history takes ~15 minutes;
# `--only retention` loads a smaller history and purges it, ~5 minutes.
ON_REQUEST = ("history", "retention")
DEFAULT = tuple(n for n in BENCHES if n not in ON_REQUEST)
# Measured in this process with this checkout's own functions: not run for `--before`.
IN_PROCESS = ("roundtrips",)


def _run(name: str, stack: Stack, results: Results, s: Sizes, profile: bool) -> None:
    calls: dict[str, Callable[[], None]] = {
        "roundtrips": lambda: roundtrips.run(stack, results),
        "plan": lambda: plan.run(stack, results, procedures=s.procedures,
                                 clients=s.plan_clients, timeout=s.plan_timeout,
                                 profile=profile),
        "dispatch": lambda: dispatch.run(stack, results, s, profile=profile),
        "webhooks": lambda: webhooks.run(stack, results, rates=s.webhook_rates,
                                         seconds=s.webhook_seconds,
                                         read_seconds=s.read_seconds, profile=profile),
        "memory": lambda: memory.run(stack, results, s),
        "review": lambda: review.run(stack, results, replies=s.replies,
                                     requests=s.review_requests),
        "alert": lambda: alert.run(stack, results, seconds=s.alert_seconds,
                                   red_flags=s.alert_red_flags, cutoff=s.alert_cutoff),
        "history": lambda: history.run(stack, results, messages=s.history_messages,
                                       replies=s.history_replies),
        "retention": lambda: retention.run(stack, results, messages=s.retention_messages,
                                           replies=s.retention_replies),
    }
    calls[name]()


def _commit_of(checkout: Path) -> str:
    """The other checkout by its commit, never by where it lies on this machine."""
    import subprocess

    found = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return f"commit {found or 'unknown'} (another checkout)"


def _stop_on_sigterm(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a minute or two")
    parser.add_argument("--only", action="append", choices=BENCHES, metavar="NAME",
                        help=f"run only these (repeatable): {', '.join(BENCHES)}")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the worker and API during plan and dispatch")
    parser.add_argument("--redis-db", type=int, default=11,
                        help="the bench's own Redis DB number (emptied) [11]")
    parser.add_argument("--pool", default="threads", choices=("threads", "prefork", "solo"))
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--before", metavar="CHECKOUT", type=Path,
                        help="also run each benchmark against the service of another checkout "
                             "(its .venv, e.g. a git worktree of the previous commit), side by "
                             "side in this run: before, then this checkout")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    names = [n for n in BENCHES if n in args.only] if args.only else list(DEFAULT)
    results = Results(mode="quick" if args.quick else "full")
    before = Results(mode=results.mode) if args.before else None
    before_python = str(args.before / ".venv" / "bin" / "python") if args.before else None
    started, clock = datetime.now(UTC), time.monotonic()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    stack = Stack(redis_db=args.redis_db, pool=args.pool, concurrency=args.concurrency)
    failed = False
    try:
        say(f"scratch database {stack.db_name}, Redis {stack.redis_url}, queue {stack.queue}")
        stack.open()
        for name in names:
            # Interleaved, so both sides of a comparison meet the same machine weather.
            runs = [(before, before_python), (results, sys.executable)] if before else \
                [(results, sys.executable)]
            for into, python in runs:
                if into is None or python is None or (into is before and name in IN_PROCESS):
                    continue
                say(f"== {name}{' (before)' if into is before else ''} ==")
                stack.python = python
                try:
                    _run(name, stack, into, sizes, args.profile)
                except KeyboardInterrupt:
                    raise
                except Exception as exc:
                    failed = True
                    into.errors[name] = f"{type(exc).__name__}: {exc}"
                    say(f"{name} failed:\n{traceback.format_exc()}")
                finally:
                    stack.processes.stop_all()  # nothing carries over into the next one
                    stack.reset()
    except KeyboardInterrupt:
        failed = True
        say("interrupted: stopping every process")
    finally:
        stack.close(keep_logs=args.keep_logs or failed)
    settings = {"sizes": asdict(sizes), "pool": args.pool, "concurrency": args.concurrency,
                "benches": names, "profile": args.profile,
                "seconds": round(time.monotonic() - clock, 1),
                "before": _commit_of(args.before) if args.before else None}
    path = write(results, started=started, settings=settings, before=before,
                 complete=names == list(DEFAULT) and not failed and before is None)
    print(table(results) if before is None else side_by_side(before, results))
    print(f"\n{results.mode} run in {settings['seconds']:.0f}s; figures in {path}")
    sys.exit(1 if failed else 0)
