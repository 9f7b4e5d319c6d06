"""py-spy, attached to a running process for one phase, and a summary of where time went.

Sampling from outside (no code change in the service, ~1-3% of a core at 100 Hz). The raw
collapsed stacks are kept under bench/results/profiles/ (open them with speedscope or
flamegraph.pl), with absolute paths made relative to the repository or site-packages; the
summary ranks our own functions by inclusive time and the leaf (self) time by library area.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import RESULTS

AREAS = (  # first match wins, on "file:function" of a sample's leaf frame
    ("waiting on PostgreSQL (psycopg round trips)", (
        "Connection.wait", "_send_query_prepared", "_execute_send", "_exec_command",
        "_check_intrans_gen", "_maybe_prepare_gen")),
    ("waiting on Redis (enqueue, broker)", ("redis/connection.py", "redis/_parsers")),
    ("waiting on the provider (HTTP to Twilio)", ("socket.py", "ssl.py", "http/client.py")),
    ("idle (event loop, pool threads)", ("Condition.wait", "Runner.run", "thread.py:_worker",
                                         "selectors.py", "eventio.py", "Event.wait")),
    ("psycopg (driver CPU)", ("psycopg",)),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("HTTP client (requests, urllib3)", ("requests", "urllib3")),
    ("twilio library", ("twilio",)),
    ("Celery/kombu", ("celery", "kombu", "billiard")),
    ("FastAPI/Starlette/uvicorn/pydantic", ("fastapi", "starlette", "uvicorn", "pydantic",
                                            "anyio", "h11", "httptools")),
    ("aftercare", ("aftercare/",)),
    ("logging", ("logging",)),
)


@dataclass
class Profile:
    name: str
    path: Path
    proc: subprocess.Popen[bytes] | None

    def stop(self) -> dict[str, Any]:
        if self.proc is None:
            return {"error": "py-spy not installed (pip install '.[bench]')"}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.path.exists():
            return {"error": "py-spy wrote no samples"}
        relativise(self.path)
        return summarise(self.path)


def start(name: str, pid: int) -> Profile:
    folder = RESULTS / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.unlink(missing_ok=True)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        return Profile(name, path, None)
    proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "100", "--format",
                             "raw", "--output", str(path), "--subprocesses", "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    return Profile(name, path, proc)


def _local_prefixes() -> list[bytes]:
    """This machine's folders as py-spy writes them (command lines, frames outside sys.path):
    site-packages and the standard library, then the repository, longest first."""
    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib", "stdlib", "platstdlib")}
    folders.add(str(RESULTS.parent.parent))
    folders |= {os.path.realpath(folder) for folder in folders}
    return sorted((os.fsencode(folder.rstrip("/") + "/") for folder in folders),
                  key=len, reverse=True)


def relativise(path: Path) -> None:
    """Rewrite the raw stacks with paths relative to the repository or site-packages
    (`.venv/bin/python -m aftercare worker`, `celery/app/task.py`), so that the files kept
    under bench/results name no folder of the machine they were recorded on."""
    data = path.read_bytes()
    for prefix in _local_prefixes():
        data = data.replace(prefix, b"")
    path.write_bytes(data)


def _frame(raw: str) -> tuple[str, str]:
    """'function (path/to/file.py:123)' -> (function, path)."""
    func, _, rest = raw.partition(" (")
    return func.strip(), rest.rsplit(":", 1)[0]


def summarise(path: Path, top: int = 14) -> dict[str, Any]:
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if " (" in f]
        if not frames:
            continue
        total += count
        seen = set()
        for func, file in frames:
            if "aftercare/" in file:
                key = f"{func} ({file.split('aftercare/', 1)[1]})"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += count
        leaf_func, leaf_file = frames[-1]
        where = f"{leaf_file}:{leaf_func}"
        areas[next((label for label, marks in AREAS if any(m in where for m in marks)),
                   "other (interpreter, stdlib)")] += count

    def share(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    return {
        "samples": total, "raw": str(path.resolve().relative_to(RESULTS.parent.parent)),
        "our_functions_inclusive_pct": {k: share(v) for k, v in inclusive.most_common(top)},
        "self_time_by_area_pct": {k: share(v) for k, v in areas.most_common()},
    }


def describe(summary: dict[str, Any]) -> str:
    if "error" in summary:
        return f"  ({summary['error']})"
    lines = [f"  {summary['samples']} samples; raw stacks: {summary['raw']}",
             "  our functions, inclusive % of samples:"]
    lines += [f"    {pct:5.1f}%  {name}" for name, pct in
              summary["our_functions_inclusive_pct"].items()]
    lines.append("  self time by area:")
    lines += [f"    {pct:5.1f}%  {name}" for name, pct in summary["self_time_by_area_pct"].items()]
    return "\n".join(lines)
