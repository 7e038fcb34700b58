"""The native deployment's pieces without booting Airflow: settings, secrets, stop, preload."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from cryptography.fernet import Fernet

from trustwatch.cli import main
from trustwatch.deploy import native
from trustwatch.deploy.preload import role
from trustwatch.errors import ConfigError

PG = "postgresql+psycopg2://airflow:pw@db.internal:5432/airflow"


def test_a_wrong_shape_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one worker"):
        native.Deployment(home=tmp_path, metadata_url=PG, executor=native.CELERY)
    with pytest.raises(ConfigError, match="add --celery"):
        native.Deployment(home=tmp_path, metadata_url=PG, workers=2)
    with pytest.raises(ConfigError, match="must be PostgreSQL \\(got sqlite\\)"):
        native.Deployment(home=tmp_path, metadata_url="sqlite:////tmp/a.db")


def test_celery_results_go_to_the_metadata_database(tmp_path: Path) -> None:
    dep = native.Deployment(home=tmp_path, metadata_url=PG, executor=native.CELERY, workers=2)
    assert dep.result_backend == "db+postgresql+psycopg2://airflow:pw@db.internal:5432/airflow"
    bare = native.Deployment(
        home=tmp_path, metadata_url=PG.replace("+psycopg2", ""), executor=native.CELERY, workers=1
    )
    assert bare.result_backend.startswith("db+postgresql+psycopg2://")
    env = native.environment(dep, base={})
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == dep.result_backend
    assert env["AIRFLOW__CELERY__BROKER_URL"] == native.DEFAULT_BROKER_URL
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_workers_get_their_own_names_and_log_ports(tmp_path: Path) -> None:
    dep = native.Deployment(home=tmp_path, metadata_url=PG, executor=native.CELERY, workers=3)
    processes = dep.processes()
    assert list(processes)[:4] == ["api-server", "scheduler", "dag-processor", "triggerer"]
    workers = [name for name in processes if name.startswith("worker-")]
    assert len(workers) == 3
    hostnames = {processes[w][processes[w].index("--celery-hostname") + 1] for w in workers}
    assert len(hostnames) == 3
    env = native.environment(dep, base={})
    ports = {
        native._process_env(dep, name, env)["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]
        for name in processes
    }
    ports.add(env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"])
    assert len(ports) == 1 + 3 + 1  # scheduler's, each worker's, the triggerer's


def test_secrets_are_made_once_private_and_shared(tmp_path: Path) -> None:
    dep = native.Deployment(home=tmp_path / "home", metadata_url=PG)
    first = native.environment(dep, base={"TRUSTWATCH_TORCH_THREADS": "3"})
    again = native.environment(dep, base={})
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert first[key] == again[key] and first[key]
    Fernet(first["AIRFLOW__CORE__FERNET_KEY"].encode())
    mode = stat.S_IMODE((dep.home / "secrets.env").stat().st_mode)
    assert mode == 0o600
    assert first["TRUSTWATCH_TORCH_THREADS"] == "3" and again["TRUSTWATCH_TORCH_THREADS"] == "1"
    assert "AIRFLOW__CELERY__BROKER_URL" not in again


def test_the_deployment_is_saved_for_stop_and_status(tmp_path: Path) -> None:
    dep = native.Deployment(
        home=tmp_path, metadata_url=PG, executor=native.CELERY, workers=2, api_port=9090
    )
    dep.save()
    assert native.Deployment.load(tmp_path) == dep
    with pytest.raises(ConfigError, match=r"deploy\.json does not exist"):
        native.Deployment.load(tmp_path / "elsewhere")


def test_stop_ends_the_whole_process_group_and_the_stray_children(tmp_path: Path) -> None:
    """A stand-in for the scheduler that ignores SIGTERM and has a child in its own group
    (as Airflow's task processes are): both are gone after stop."""
    dep = native.Deployment(home=tmp_path, metadata_url=PG)
    (tmp_path / "run").mkdir()
    script = "trap '' TERM; setsid sleep 300 & sleep 300 & wait"
    proc = subprocess.Popen(["bash", "-c", script], start_new_session=True)
    try:
        time.sleep(0.5)
        root = psutil.Process(proc.pid)
        (tmp_path / "run" / "scheduler.pid").write_text(f"{proc.pid} {root.create_time()}")
        family = [root, *root.children(recursive=True)]
        assert len(family) == 3
        assert [r.name for r in native.running(dep)] == ["scheduler"]
        assert native.stop(dep, grace_seconds=1, echo=lambda _: None) == ["scheduler"]
        proc.wait(timeout=5)
        assert native._alive([p.pid for p in family]) == []
        assert not (tmp_path / "run" / "scheduler.pid").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)


def test_a_stale_pid_file_is_not_taken_for_a_running_process(tmp_path: Path) -> None:
    dep = native.Deployment(home=tmp_path, metadata_url=PG)
    (tmp_path / "run").mkdir()
    # This test's own pid, but with another start time: a reused pid, not ours.
    (tmp_path / "run" / "scheduler.pid").write_text(f"{os.getpid()} 12345.0")
    assert native.running(dep) == []


@pytest.mark.parametrize(
    ("argv", "executor", "expected"),
    [
        (["airflow", "celery", "worker", "--concurrency", "2"], "CeleryExecutor", "celery-worker"),
        (["airflow", "scheduler"], "LocalExecutor", "local-scheduler"),
        (["airflow", "scheduler"], "CeleryExecutor", None),
        (["airflow", "dag-processor"], "LocalExecutor", None),
        (["airflow", "api-server"], "LocalExecutor", None),
        (["airflow", "db", "migrate"], "LocalExecutor", None),
    ],
)
def test_only_the_processes_that_fork_tasks_preload_the_model(
    argv: list[str], executor: str, expected: str | None
) -> None:
    assert role(argv, executor) == expected


def test_cli_refuses_workers_without_celery(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["airflow", "start", "--workers", "2", "--metadata-url", PG]) == 2
    assert "add --celery" in capsys.readouterr().err


def test_cli_stop_with_nothing_started_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["airflow", "stop", "--home", str(tmp_path)]) == 2
    assert "trustwatch airflow start" in capsys.readouterr().err


def test_preload_imports_the_event_path_and_loads_the_model_once() -> None:
    """What a forked ingest_events task inherits instead of paying for it each run."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from trustwatch.deploy import preload\n"
        "from trustwatch.pipeline.classify_step import LOADS\n"
        "assert not any(m in sys.modules for m in preload.EVENT_PATH_MODULES)\n"
        "preload.preload()\n"
        "missing = [m for m in preload.EVENT_PATH_MODULES if m not in sys.modules]\n"
        "print(missing, len(LOADS))\n"
    )
    env = {**os.environ, "TRUSTWATCH_CLASSIFIER": "tests.dags.keyword_classifier:make"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[] 1"


def test_every_way_of_running_airflow_installs_the_same_local_settings(tmp_path: Path) -> None:
    from trustwatch.settings import PROJECT_ROOT

    native.write_local_settings(tmp_path)
    written = (tmp_path / "config" / "airflow_local_settings.py").read_text()
    assert written == native.LOCAL_SETTINGS and "install()" in written
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "write_local_settings(pathlib.Path(os.environ['AIRFLOW_HOME']))" in dockerfile
    local_airflow = (PROJECT_ROOT / "trustwatch" / "pipeline" / "local_airflow.py").read_text()
    assert "write_local_settings(self.home)" in local_airflow
