"""CPU per Twilio call in a worker process: twilio-python's synchronous client (requests) as
dispatch used it until this round, against the channel's asyncio path, side by side.

Both send the same messages from 32 threads (a dispatch run's senders) to the project's
Twilio stand-in answering after 5 ms, in this one process; CPU is this process's own
(time.process_time), so the stand-in's share is not counted.

    .venv/bin/python -m bench.sendcost [--sends 3000] [--threads 32] [--latency-ms 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from aftercare.channels.base import Outgoing
from aftercare.channels.twilio_sms import TwilioSMS
from bench.naive import RebasedHttpClient
from bench.stack import free_port, wait_until

ACCOUNT = "AC" + "0" * 32
FROM = "+15005550006"


def _measure(send: Callable[[int], object], *, sends: int, threads: int) -> dict[str, float]:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, range(200)))  # connections open, code warm
        cpu, wall = time.process_time(), time.perf_counter()
        list(pool.map(send, range(sends)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_ms_per_send": cpu / sends * 1000, "sends_per_s": sends / wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sendcost", description=__doc__)
    parser.add_argument("--sends", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    port = free_port()
    standin = subprocess.Popen([sys.executable, "-m", "tests.support.standin", "--port",
                                str(port)], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/_standin/stats", timeout=1).status_code == 200,
                   timeout=30, what="the Twilio stand-in")
        httpx.post(f"{url}/_standin/faults", json={"status": 0, "latency_ms": args.latency_ms}
                   ).raise_for_status()
        from twilio.rest import Client

        sync = Client(ACCOUNT, "token", http_client=RebasedHttpClient(url))
        channel = TwilioSMS(account_sid=ACCOUNT, auth_token="token", from_number=FROM,
                            status_callback_base="https://clinic.example.org",
                            api_base_url=url)

        def via_requests(i: int) -> object:
            return sync.messages.create(to="+14155550100", from_=FROM, body=f"sync {i}",
                                        status_callback="https://clinic.example.org/s")

        def via_loop(i: int) -> object:
            return channel.send(Outgoing(i, "sms", "+14155550100", f"async {i}"))

        results: dict[str, Any] = {}
        for name, send in (("twilio-python sync client (requests), a call per thread",
                            via_requests),
                           ("TwilioSMS: twilio-python async client on one asyncio loop",
                            via_loop)):
            results[name] = _measure(send, sends=args.sends, threads=args.threads)
            r = results[name]
            print(f"{name}: {r['cpu_ms_per_send']:.3f} ms CPU a send, "
                  f"{r['sends_per_s']:,.0f} sends/s", flush=True)
    finally:
        standin.terminate()
        standin.wait(10)
    out = Path(__file__).parent / "results" / (
        datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-sendcost.json")
    out.write_text(json.dumps({"settings": vars(args), "results": results}, indent=2) + "\n")
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
