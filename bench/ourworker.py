"""`aftercare worker`, with one change: a lower Redis visibility timeout (and the same fast
redelivery sweep as the naive worker, bench.naive.transport_options).

The duplicates benchmark runs both designs with the same low visibility timeout (e.g. 10 s),
so reminders lie further ahead than it. `aftercare.bootstrap.celery_app` pins it at 3600 s;
everything else (settings, tasks, pool) is the service's own.

    python -m bench.ourworker --visibility-timeout 10 --pool=threads --concurrency=2
"""

from __future__ import annotations

import argparse

from aftercare.settings import Settings
from bench.naive import transport_options


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visibility-timeout", type=int, required=True)
    parser.add_argument("--pool", default="threads")
    parser.add_argument("--concurrency", default="2")
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args()
    try:
        from aftercare.bootstrap import celery_app
    except ImportError:  # `--before` a commit that configured the app in aftercare.worker
        from aftercare.worker import configure as celery_app  # type: ignore[attr-defined,no-redef]
    app = celery_app(Settings())
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        **transport_options(args.visibility_timeout),  # the same as the naive worker's
    }
    app.worker_main(["worker", f"--concurrency={args.concurrency}", f"--pool={args.pool}",
                     f"--loglevel={args.loglevel}", "--without-gossip", "--without-mingle"])


if __name__ == "__main__":
    main()
