"""trustwatch as deployed: Airflow's own processes, not `dag.test()`.

`trustwatch.deploy.native` boots the scheduler, dag-processor, triggerer and api-server
(and, for Celery, two `airflow celery worker`s on Redis) against a fresh PostgreSQL
metadata database and a fresh PostgreSQL warehouse. The test signs in to the REST API,
unpauses the chain's DAGs, triggers the three ingest DAGs on the replay source and
waits, under the real scheduler, until alerts exist and `notify` has emailed them to a
local aiosmtpd server. It then checks the model was loaded once per worker (every
classify task reports who loaded its model) and that no classify log has an error line.

Figures (boot, cycle wall time, alert raised -> email received) are printed and
appended to var/deploy-integration.jsonl; nothing is asserted on them. Every process
started is stopped in `finally` (process groups, then any descendant left).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select

from tests.conftest import postgres_server_url, temporary_postgres_database
from tests.deploy.airflow_api import AirflowApi, wait_for
from trustwatch.deploy import native
from trustwatch.settings import EXAMPLE_CONFIG, PROJECT_ROOT, get_settings

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

INGEST = ("ingest_x", "ingest_reddit", "ingest_facebook")
CHAIN = (*INGEST, "classify", "sla_and_alerts", "warehouse_checks", "notify")
# Replay "as of" this instant: the first week of the corpus, enough for alerts.
FIRST_CYCLE = dt.datetime(2026, 11, 4, 12, tzinfo=dt.UTC)
REDIS_DB = 13  # the test's own Redis database, emptied before each Celery run
TIMEOUT = 900.0  # the whole cycle on a busy 2-core machine; typical is far below
FIGURES = PROJECT_ROOT / "var" / "deploy-integration.jsonl"


@dataclass
class Inbox:
    arrivals: list[tuple[float, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.arrivals.append((time.time(), str(message["Subject"])))
        return "250 OK"


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (api-server, log servers)."""
    for base in range(24000, 60000, 97):
        try:
            for port in range(base, base + count):
                with closing(socket.socket()) as probe:
                    probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free port block")


def one_school_registry(path: Path) -> Path:
    """The example registry cut to one school: fewer partitions, the same code paths."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data["schools"] = [s for s in data["schools"] if s["key"] == "millbrook"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    port = free_ports(1)
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.mark.parametrize("executor", ["local", "celery"])
def test_the_chain_runs_under_the_real_scheduler_and_emails_alerts(
    executor: str,
    inbox: tuple[Inbox, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    postgres_server_url()  # skips, saying why, without a server
    handler, smtp_port = inbox
    with (
        temporary_postgres_database("tw_it_meta") as metadata_url,
        temporary_postgres_database("tw_it_wh") as warehouse_url,
    ):
        env = {
            "TRUSTWATCH_WAREHOUSE_URL": warehouse_url,
            "TRUSTWATCH_CONFIG": str(one_school_registry(tmp_path / "trust.yaml")),
            "TRUSTWATCH_VAR_DIR": str(tmp_path / "var"),
            "TRUSTWATCH_INGEST_SOURCE": "replay",
            "TRUSTWATCH_RETRY_DELAY_SECONDS": "5",
            "TRUSTWATCH_SMTP_HOST": "127.0.0.1",
            "TRUSTWATCH_SMTP_PORT": str(smtp_port),
            "TRUSTWATCH_SMTP_SECURITY": "none",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        from trustwatch.cli import main

        assert main(["init"]) == 0
        ports = free_ports(5)
        celery = executor == "celery"
        if celery:
            import redis

            redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
        dep = native.Deployment(
            home=tmp_path / "airflow",
            metadata_url=metadata_url,
            executor=native.CELERY if celery else native.LOCAL,
            workers=2 if celery else 0,
            worker_concurrency=2,
            broker_url=f"redis://127.0.0.1:6379/{REDIS_DB}",
            api_port=ports,
            log_server_port=ports + 1,
            parallelism=6,
        )
        started_at = time.time()
        family: list[psutil.Process] = []
        try:
            processes = native.start(dep, base_env=dict(os.environ), echo=lambda _: None)
            figures = run_cycle(dep, handler, warehouse_url, started_at, family)
            figures["executor"] = dep.executor
            figures["workers"] = dep.workers
            assert_model_loaded_once_per_worker(dep, figures, processes)
            assert_classify_logs_have_no_errors(dep)
        finally:
            family += _descendants(dep)
            native.stop(dep, grace_seconds=20, echo=lambda _: None)
            # A killed process holding a loaded model can take a moment to exit on a
            # loaded machine: wait for it, then insist.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(_alive(p) for p in family):
                time.sleep(0.5)
            leftover = sorted({f"{p.pid} {_name(p)}" for p in family if _alive(p)})
            assert not leftover, f"processes left running: {leftover}"
        figures["total_seconds"] = round(time.time() - started_at, 1)
        record(figures)


def run_cycle(
    dep: native.Deployment,
    inbox: Inbox,
    warehouse_url: str,
    started_at: float,
    family: list[psutil.Process],
) -> dict[str, Any]:
    api = AirflowApi(dep.api_url, dep.passwords_file)
    try:
        api.wait_ready(timeout=300)
        wait_for("the DAGs to be parsed", lambda: set(CHAIN) <= api.dag_ids(), 300)
        assert api.import_errors() == []
        booted = time.time()
        family += _descendants(dep)
        # Trigger while ingest is paused, then unpause: the manual runs come first; the
        # scheduler adds the current hour's run after them (catchup is off).
        triggered = time.time()
        for dag_id in INGEST:
            api.trigger(dag_id, FIRST_CYCLE.isoformat(), run_id="manual__cycle1")
        for dag_id in CHAIN:
            api.unpause(dag_id)

        def notify_sent() -> dict[str, Any] | None:
            for run in api.runs("notify"):
                if run["state"] != "success":
                    continue
                sent = api.xcom("notify", run["dag_run_id"], "send_alert_notifications")
                if sent.get("sent", 0) > 0:
                    return run
            assert_all_running(dep)
            failed = [r for d in CHAIN for r in api.runs(d) if r["state"] == "failed"]
            assert not failed, f"a run failed: {failed[0]['dag_id']} {failed[0]['dag_run_id']}"
            return None

        notify_run = wait_for("notify to email an alert", notify_sent, TIMEOUT, every=5)
        assert inbox.arrivals, "notify succeeded but the SMTP server received nothing"
        notified = _ts(notify_run["end_date"])
        raised = _first_alert_raised(warehouse_url)
        first_email = min(t for t, _ in inbox.arrivals)
        sla_end = _alerting_sla_end(api, before=first_email)
        # A second classify run (the scheduled hour's ingest) shows the model is reused.
        wait_for(
            "two classify runs",
            lambda: len([r for r in api.runs("classify") if r["state"] == "success"]) >= 2,
            TIMEOUT,
            every=5,
        )
        classify_loads = [
            api.xcom("classify", r["dag_run_id"], "classify_items")["model_load"]
            for r in api.runs("classify")
            if r["state"] == "success"
        ]
        family += _descendants(dep)
        return {
            "boot_seconds": round(booted - started_at, 1),
            "cycle_seconds": round(notified - triggered, 1),
            "alert_raised_to_email_seconds": round(first_email - raised, 1),
            "alerts_task_end_to_email_seconds": round(first_email - sla_end, 1),
            "emails": len(inbox.arrivals),
            "classify_loads": classify_loads,
        }
    finally:
        api.close()


def assert_all_running(dep: native.Deployment) -> None:
    """A process that died (a worker that cannot reach its result backend) fails the test
    at once, with its log's last lines, instead of a timeout much later."""
    down = set(dep.processes()) - {r.name for r in native.running(dep)}
    for name in sorted(down):
        log = dep.process_log_dir / f"{name}.log"
        tail = "\n".join(log.read_text().splitlines()[-20:]) if log.exists() else ""
        pytest.fail(f"{name} stopped:\n{tail}")


def assert_model_loaded_once_per_worker(
    dep: native.Deployment, figures: dict[str, Any], processes: list[native.Running]
) -> None:
    """Every classify task used a model loaded before it forked, by the process that
    forks tasks (the scheduler under Local, a Celery worker under Celery)."""
    loads = figures["classify_loads"]
    assert len(loads) >= 2
    forkers = {p.pid for p in processes if p.name == "scheduler" or p.name.startswith("worker")}
    for load in loads:
        assert not load["loaded_here"], load
        assert load["loads"] == 1, load
    loaders = {load["loaded_by_pid"] for load in loads}
    assert loaders <= forkers, (loaders, forkers)
    figures["model_loaded_by"] = sorted(loaders)


def assert_classify_logs_have_no_errors(dep: native.Deployment) -> None:
    logs = list((dep.home / "logs").glob("dag_id=classify/**/*.log"))
    assert logs
    for path in logs:
        for line in path.read_text().splitlines():
            assert '"level":"error"' not in line.replace(" ", ""), f"{path}: {line[:300]}"


def _first_alert_raised(warehouse_url: str) -> float:
    from trustwatch.db.models import Alert

    engine = create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            first = conn.execute(
                select(Alert.created_at)
                .where(Alert.severity.in_(["critical", "high"]))
                .order_by(Alert.created_at)
                .limit(1)
            ).scalar_one()
    finally:
        engine.dispose()
    return _as_utc(first).timestamp()


def _alerting_sla_end(api: AirflowApi, before: float) -> float:
    """When the refresh_alerts task that raised the first emailed alerts finished: the
    last one to end before the first email arrived."""
    ends = [
        _ts(ti["end_date"])
        for run in api.runs("sla_and_alerts")
        for ti in api.task_instances("sla_and_alerts", run["dag_run_id"])
        if ti["task_id"] == "refresh_alerts" and ti["state"] == "success" and ti["end_date"]
    ]
    return max(end for end in ends if end < before)


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _ts(value: str) -> float:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _descendants(dep: native.Deployment) -> list[psutil.Process]:
    found = []
    for entry in native.running(dep):
        try:
            root = psutil.Process(entry.pid)
            found += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return found


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _name(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())[:80]
    except psutil.Error:
        return "?"


def record(figures: dict[str, Any]) -> None:
    figures["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as out:
        out.write(json.dumps(figures) + "\n")
    print(f"\ndeploy integration ({figures['executor']}): {json.dumps(figures)}")
