"""A real `mes server run` process on a free loopback port, for tests that go over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ADMIN_TOKEN = "test-admin-token-0123456789"


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    data_dir: Path
    admin_token: str = ADMIN_TOKEN
    log: list[str] = field(default_factory=list)  # every line the server wrote on stderr, kept for scans

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def start_server(data_dir: Path, *, dev: bool = True, extra: list[str] | None = None,
                 env: dict[str, str] | None = None, timeout: float = 20) -> RunningServer:
    args = [sys.executable, "-m", "mes_cli", "server", "run", "--port", "0", "--data-dir", str(data_dir),
            *(["--dev"] if dev else []), *(extra or [])]
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("MES_") and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    environment["LANG"] = "C.UTF-8"  # the start line read below is English
    environment["MES_ADMIN_TOKEN"] = ADMIN_TOKEN  # as docs/security.md says: never a secret in the process arguments
    environment.update(env or {})
    process = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=environment)
    deadline = time.monotonic() + timeout
    url = None
    log: list[str] = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        log.append(line)
        if not line:
            if process.poll() is not None:
                raise RuntimeError(f"mes server exited with {process.returncode}")
            continue
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    if url is None:
        process.kill()
        raise RuntimeError("mes server did not start in time")
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    # Keep draining stderr so the server never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
    return RunningServer(url=url, process=process, data_dir=data_dir, log=log)
