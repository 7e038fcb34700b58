"""Start `trustwatch receive` as its own process and wait until it answers.

Used by the crash test, the time-to-alert benchmark and the demo, which all need the
receiver exactly as production runs it: a separate uvicorn process, not an app object.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from trustwatch.settings import PROJECT_ROOT

CLI = "import sys; from trustwatch.cli import main; sys.exit(main(sys.argv[1:]))"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_receiver(
    env: Mapping[str, str], port: int, *, log: Path | None = None, timeout: float = 60.0
) -> subprocess.Popen[bytes]:
    """`trustwatch receive --port PORT` with `env`; returns once it answers /healthz."""
    full_env = {**os.environ, **env}
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "receive", "--port", str(port)],
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the receiver exited with code {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the receiver did not answer on port {port} within {timeout:.0f}s")
