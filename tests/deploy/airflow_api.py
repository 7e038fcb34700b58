"""A small client for Airflow 3's REST API (`/api/v2`), as an operator's script would use it.

Signs in through the simple auth manager (`POST /auth/token`) with the generated password,
then unpauses DAGs, triggers runs and reads runs, task instances and XComs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


class AirflowApi:
    def __init__(self, base_url: str, passwords_file: Path, user: str = "admin") -> None:
        self.base_url = base_url.rstrip("/")
        self.passwords_file = passwords_file
        self.user = user
        # Generous: one api-server process on a loaded 2-core machine can be slow to answer.
        self.client = httpx.Client(base_url=self.base_url, timeout=120.0)

    def close(self) -> None:
        self.client.close()

    def wait_ready(self, timeout: float) -> None:
        """Until the api-server answers and has written the sign-in password."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.passwords_file.exists() and self.client.get("/api/v2/version").is_success:
                    return self.sign_in()
            except httpx.TransportError:
                pass
            time.sleep(1)
        raise TimeoutError(f"the api-server at {self.base_url} did not come up in {timeout}s")

    def sign_in(self) -> None:
        password = json.loads(self.passwords_file.read_text())[self.user]
        response = self.client.post(
            "/auth/token", json={"username": self.user, "password": password}
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(3):
            try:
                response = self.client.request(method, f"/api/v2{path}", **kwargs)
                break
            except httpx.TimeoutException:
                if attempt == 2:
                    raise
                time.sleep(5)
        if response.status_code == 401:
            self.sign_in()
            response = self.client.request(method, f"/api/v2{path}", **kwargs)
        if not response.is_success:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def dag_ids(self) -> set[str]:
        return {d["dag_id"] for d in self._call("GET", "/dags", params={"limit": 100})["dags"]}

    def import_errors(self) -> list[dict[str, Any]]:
        return self._call("GET", "/importErrors")["import_errors"]

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, logical_date: str, run_id: str) -> dict[str, Any]:
        body = {"dag_run_id": run_id, "logical_date": logical_date}
        return self._call("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        params = {"limit": 100, "order_by": "run_after"}
        return self._call("GET", f"/dags/{dag_id}/dagRuns", params=params)["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return self._call("GET", path, params={"limit": 100})["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
        return self._call("GET", path, params={"deserialize": True})["value"]


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 2.0) -> Any:
    """Poll `check` until it returns something truthy; its value, or TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:.0f}s for {what}")
