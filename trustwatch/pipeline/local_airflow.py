"""A real Airflow on this machine, one process per component, for the event path's
integration test and time-to-alert benchmark.

`dag.test()` (used by the demo and the DAG tests) runs tasks in-process and has no
triggerer, so it cannot show an asset watcher firing. This starts what production
runs: `airflow api-server` (the task execution API), `scheduler` (LocalExecutor),
`dag-processor` and `triggerer`, against a metadata database of the caller's choice
(PostgreSQL: several processes write to it at once), each in its own session so it can
be stopped by process group. It writes the deployment's `airflow_local_settings.py`
(`trustwatch.deploy.native`), so the scheduler preloads the classifier and the event
path's modules as a deployment's does, and sets no scheduler tuning a deployment does
not have (only the dag-processor's refresh interval, so a test's DAG appears in
seconds). Nothing here is imported by the DAGs or the product code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from trustwatch.receiver.launch import free_port
from trustwatch.settings import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
COMPONENTS = ("scheduler", "dag-processor", "triggerer")


@dataclass
class LocalAirflow:
    home: Path
    dags_folder: Path
    metadata_url: str
    extra_env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, **self.extra_env}
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
                ),
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
                    f"http://127.0.0.1:{self.port}/execution/"
                ),
                "AIRFLOW__API_AUTH__JWT_SECRET": os.urandom(16).hex(),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            }
        )
        env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
        return env

    def _start(self, name: str, *args: str) -> None:
        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *args],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, timeout: float = 180.0) -> None:
        """Migrate the metadata, start the API server, wait for it, then the rest."""
        from trustwatch.deploy.native import write_local_settings

        self.home.mkdir(parents=True, exist_ok=True)
        write_local_settings(self.home)  # the deployment's preload, as production runs it
        self._env = self.env
        subprocess.run(
            [AIRFLOW, "db", "migrate"],
            env=self._env,
            check=True,
            stdout=open(self.home / "migrate.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
        self._start("api-server", "api-server", "--port", str(self.port))
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v2/monitor/health"
        while True:
            self._check_alive()
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("airflow api-server did not come up")
            time.sleep(0.5)
        for name in COMPONENTS:
            self._start(name, name)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                log = (self.home / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"airflow {name} exited ({process.returncode}):\n{log}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
