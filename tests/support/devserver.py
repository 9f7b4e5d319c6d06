"""`python -m aftercare dev` in a subprocess for end-to-end tests: started on a free port,
waited for, and stopped with its whole process group (logs kept under test-output/logs)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import REPO_ROOT
from tests.support.prism import free_port

LOGS = REPO_ROOT / "test-output" / "logs"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    base: str
    env: dict[str, str]
    cwd: Path
    name: str  # "sqlite" or "postgresql", for screenshot names
    log: Path

    def cli(self, *args: str, input: str | None = None) -> str:
        return subprocess.run([sys.executable, "-m", "aftercare", *args], env=self.env,
                              cwd=self.cwd, input=input, check=True, capture_output=True,
                              text=True, timeout=60, start_new_session=True).stdout

    def add_user(self, email: str, role: str, name: str = "") -> None:
        # The password prompt is hidden and asks twice; without a terminal it reads stdin.
        out = self.cli("users", "create", "--email", email, "--role", role, "--name", name,
                       input=f"{PASSWORD}\n{PASSWORD}\n")
        assert f"created {role} {email}" in out, out


class dev_server:
    """`python -m aftercare dev --port N`, waited for, and stopped with its whole group."""

    def __init__(self, tmp: Path, env: dict[str, str], name: str, *args: str) -> None:
        self.tmp, self.env, self.name, self.args = tmp, env, name, args
        self.port = free_port()
        self.log_path = tmp / "dev.log"

    def __enter__(self) -> Server:
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aftercare", "dev", "--port", str(self.port), *self.args],
            env=self.env, cwd=self.tmp, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise AssertionError(self.log_path.read_text())
            time.sleep(0.3)
        return Server(base=base, env=self.env, cwd=self.tmp, name=self.name,
                      log=self.log_path)

    def __exit__(self, *_: object) -> None:
        died = self.proc.poll()
        if died is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        # Kept beside the screenshots: pytest's own tmp folders are pruned.
        LOGS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.log_path, LOGS / f"dev-{self.name}.log")
        if died is not None:
            tail = self.log_path.read_text(errors="replace")[-6000:]
            raise AssertionError(f"aftercare dev exited by itself ({died}):\n{tail}")
