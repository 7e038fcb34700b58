"""Airflow as an operator runs it on one machine, without Docker: PostgreSQL metadata,
the scheduler, dag-processor, triggerer and api-server, and with Celery one or more
`airflow celery worker`s fed by Redis.

`dag.test()` (the demo) runs tasks in one interpreter; a deployment is separate processes
that share only the metadata database, the execution API and, with Celery, the broker.
Everything a deployment writes lives under one home (`var/airflow` by default):

    deploy.json            what was started (so `stop` and `status` need no options)
    secrets.env            Fernet key, API secret, JWT secret: made once, mode 0600
    run/<process>.pid      pid and start time of each process (its own process group)
    logs/processes/*.log   each process's stdout and stderr
    logs/dag_id=...        task logs, as Airflow writes them
    simple_auth_manager_passwords.json.generated   the Airflow UI sign-in

`start` refuses to start a second deployment over a running one; `stop` signals each
process group (SIGTERM, then SIGKILL after a grace period) and removes the pid files.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trustwatch.errors import ConfigError
from trustwatch.pipeline.airflow_home import DAGS_FOLDER

LOCAL = "LocalExecutor"
CELERY = "CeleryExecutor"
DEFAULT_METADATA_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
ADMIN_USER = "admin"
# The DAGs an operator unpauses: everything trustwatch ships (all start paused).
DAG_IDS = (
    "ingest_x",
    "ingest_reddit",
    "ingest_facebook",
    "classify",
    "sla_and_alerts",
    "warehouse_checks",
    "notify",
    "notify_digest",
    "report_weekly",
    "retention_daily",
)


class DeployError(RuntimeError):
    """A process did not start or a step (database, migration) failed; the message says how."""


@dataclass(frozen=True)
class Deployment:
    """What to run and where; saved as deploy.json so `stop` finds the same processes."""

    home: Path
    metadata_url: str = DEFAULT_METADATA_URL
    executor: str = LOCAL
    workers: int = 0
    worker_concurrency: int = 2
    broker_url: str = DEFAULT_BROKER_URL
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    log_server_port: int = 8793
    parallelism: int = 8
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.executor not in (LOCAL, CELERY):
            raise ConfigError(f"executor {self.executor!r}: use {LOCAL} or {CELERY}")
        if self.executor == CELERY and self.workers < 1:
            raise ConfigError("CeleryExecutor needs at least one worker (--workers 1 or more)")
        if self.executor == LOCAL and self.workers:
            raise ConfigError("workers are Celery workers: add --celery, or drop --workers")
        if not self.metadata_url.startswith("postgresql"):
            raise ConfigError(
                f"the Airflow metadata URL must be PostgreSQL (got {_scheme(self.metadata_url)}). "
                "Fix: --metadata-url postgresql+psycopg2://USER@HOST:5432/airflow"
            )

    @property
    def result_backend(self) -> str:
        """Celery's results in the metadata database, with the same driver (no extra
        store). The driver must be named: SQLAlchemy 2.1 reads a bare `postgresql://` as
        psycopg 3, which the pinned set does not install."""
        scheme, _, rest = self.metadata_url.partition("://")
        driver = scheme if "+" in scheme else "postgresql+psycopg2"
        return f"db+{driver}://{rest}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    @property
    def passwords_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    @property
    def process_log_dir(self) -> Path:
        return self.home / "logs" / "processes"

    def processes(self) -> dict[str, list[str]]:
        """Process name -> `airflow` arguments, in start order."""
        found = {
            "api-server": ["api-server", "--host", self.api_host, "--port", str(self.api_port)],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
            "triggerer": ["triggerer"],
        }
        for index in range(1, self.workers + 1):
            found[f"worker-{index}"] = [
                "celery", "worker",
                "--concurrency", str(self.worker_concurrency),
                "--celery-hostname", f"trustwatch-worker-{index}@%h",
            ]  # fmt: skip
        return found

    def save(self) -> None:
        data = asdict(self)
        data["home"] = str(self.home)
        data["extra_env"] = dict(self.extra_env)
        (self.home / "deploy.json").write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, home: Path) -> Deployment:
        path = home / "deploy.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(
                f"{path} does not exist: nothing was started under {home}. "
                "Fix: `trustwatch airflow start` first."
            ) from None
        data["home"] = Path(data["home"])
        return cls(**data)


def _scheme(url: str) -> str:
    return url.split(":", 1)[0]


def load_secrets(home: Path) -> dict[str, str]:
    """The deployment's own keys, made once and kept (mode 0600): the Fernet key must not
    change (it encrypts stored connections) and every process must share the JWT secret."""
    path = home / "secrets.env"
    if not path.exists():
        from cryptography.fernet import Fernet

        home.mkdir(parents=True, exist_ok=True)
        values = {
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.writelines(f"{k}={v}\n" for k, v in values.items())
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def environment(dep: Deployment, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every process of the deployment shares.

    Starts from `base` (the caller's environment: TRUSTWATCH_* and PYTHONPATH pass
    through), then Airflow's settings, then `extra_env`. Threads default to one per task:
    several tasks share few cores, and torch otherwise takes every core for each task.
    """
    env = dict(os.environ if base is None else base)
    env.update(load_secrets(dep.home))
    env.update(
        {
            "AIRFLOW_HOME": str(dep.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTOR": dep.executor,
            "AIRFLOW__CORE__PARALLELISM": str(dep.parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{dep.api_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(dep.passwords_file),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": dep.metadata_url,
            "AIRFLOW__API__HOST": dep.api_host,
            "AIRFLOW__API__PORT": str(dep.api_port),
            "AIRFLOW__API__BASE_URL": dep.api_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(dep.home / "logs"),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(dep.log_server_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(dep.log_server_port + 1),
            "TRUSTWATCH_TORCH_THREADS": env.get("TRUSTWATCH_TORCH_THREADS", "1"),
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
            "TOKENIZERS_PARALLELISM": "false",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_OFFLINE": "1",
        }
    )
    if dep.executor == CELERY:
        env.update(
            {
                "AIRFLOW__CELERY__BROKER_URL": dep.broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": dep.result_backend,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(dep.worker_concurrency),
            }
        )
    env.update(dep.extra_env)
    return env


def airflow_executable() -> str:
    """The `airflow` beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("airflow")
    if beside.exists():
        return str(beside)
    found = shutil.which("airflow")
    if not found:
        raise DeployError("no `airflow` command found. Fix: install the pinned set (make).")
    return found


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names if it is missing; True if created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = create_engine(
        target.set(drivername="postgresql+psycopg2", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with server.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            return not exists
    finally:
        server.dispose()


def migrate(dep: Deployment, env: Mapping[str, str]) -> None:
    """`airflow db migrate` in a child process (idempotent), logged to migrate.log."""
    dep.process_log_dir.mkdir(parents=True, exist_ok=True)
    log = dep.process_log_dir / "migrate.log"
    with log.open("w") as out:
        code = subprocess.call(
            [airflow_executable(), "db", "migrate"],
            env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=dep.home,
        )  # fmt: skip
    if code != 0:
        tail = "\n".join(log.read_text().splitlines()[-15:])
        raise DeployError(f"`airflow db migrate` failed (exit {code}); see {log}:\n{tail}")


@dataclass(frozen=True)
class Running:
    name: str
    pid: int
    started: float  # the process's create time: a reused pid is not mistaken for ours


def _pid_file(dep: Deployment, name: str) -> Path:
    return dep.home / "run" / f"{name}.pid"


def running(dep: Deployment) -> list[Running]:
    """The deployment's processes still alive (pid and create time both match; a zombie,
    dead but not yet reaped by its parent, is not alive)."""
    import psutil

    alive = []
    for name in dep.processes():
        path = _pid_file(dep, name)
        if not path.exists():
            continue
        pid_text, _, started_text = path.read_text().partition(" ")
        entry = Running(name, int(pid_text), float(started_text or 0))
        try:
            proc = psutil.Process(entry.pid)
            if (
                abs(proc.create_time() - entry.started) < 1.0
                and proc.status() != psutil.STATUS_ZOMBIE
            ):
                alive.append(entry)
        except psutil.NoSuchProcess:
            continue
    return alive


def start(
    dep: Deployment,
    *,
    base_env: Mapping[str, str] | None = None,
    echo: Callable[[str], None] = print,
) -> list[Running]:
    """Create the metadata database if needed, migrate it, then start every process."""
    import psutil

    if running(dep):
        names = ", ".join(r.name for r in running(dep))
        raise DeployError(
            f"a deployment is already running under {dep.home} ({names}). "
            "Fix: `trustwatch airflow stop` first."
        )
    dep.home.mkdir(parents=True, exist_ok=True)
    (dep.home / "run").mkdir(exist_ok=True)
    dep.process_log_dir.mkdir(parents=True, exist_ok=True)
    write_local_settings(dep.home)
    dep.save()
    env = environment(dep, base_env)
    if ensure_database(dep.metadata_url):
        echo(f"created the metadata database {_database(dep.metadata_url)}")
    echo("migrating Airflow's metadata database (airflow db migrate)")
    migrate(dep, env)
    started = []
    try:
        for name, args in dep.processes().items():
            log = (dep.process_log_dir / f"{name}.log").open("ab")
            proc = subprocess.Popen(
                [airflow_executable(), *args],
                env=_process_env(dep, name, env), stdout=log, stderr=subprocess.STDOUT,
                cwd=dep.home, start_new_session=True,
            )  # fmt: skip
            log.close()
            created = psutil.Process(proc.pid).create_time()
            _pid_file(dep, name).write_text(f"{proc.pid} {created}")
            started.append(Running(name, proc.pid, created))
            echo(f"started {name:<14} pid {proc.pid}  log {dep.process_log_dir / name}.log")
    except BaseException:
        stop(dep, echo=echo)
        raise
    return started


def _process_env(dep: Deployment, name: str, env: Mapping[str, str]) -> dict[str, str]:
    """Each Celery worker serves its task logs on its own port (they share a machine)."""
    own = dict(env)
    if name.startswith("worker-"):
        index = int(name.split("-")[1])
        own["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(dep.log_server_port + 1 + index)
    return own


def _database(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?")[0]


LOCAL_SETTINGS = '''"""Written by `trustwatch airflow start` (and into the Docker image's
AIRFLOW_HOME); Airflow imports it in every process.

It loads the classifier and the event path's modules once in the process that forks task
processes (the Celery worker, or the LocalExecutor scheduler), so classify and
ingest_events tasks reuse them instead of loading them again each time. See
trustwatch/deploy/preload.py.
"""

from trustwatch.deploy.preload import install

install()
'''


def write_local_settings(home: Path) -> None:
    """Airflow adds AIRFLOW_HOME/config to sys.path and imports airflow_local_settings."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "airflow_local_settings.py").write_text(LOCAL_SETTINGS)


def stop(
    dep: Deployment, *, grace_seconds: float = 30.0, echo: Callable[[str], None] = print
) -> list[str]:
    """SIGTERM each process group, SIGKILL what outlives the grace period; names stopped.

    Task processes run in process groups of their own (Airflow's supervisor puts them
    there), so every descendant is found first and killed too if it outlives its parent.
    """
    targets = running(dep)
    roots = [t.pid for t in targets]
    family = _descendants(roots)
    for entry in targets:
        _signal_group(entry.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and _alive(roots):
        family = _merge(family, _descendants(roots + [p.pid for p in family]))
        time.sleep(0.5)
    family = _merge(family, _descendants(roots + [p.pid for p in family]))
    for pid in _alive(roots):
        _signal_group(pid, signal.SIGKILL)
    # Twice: a task process forked while its parent was dying is found on the second pass.
    for _ in range(2):
        family = _merge(family, _descendants([p.pid for p in family]))
        for proc in family:
            with contextlib.suppress(Exception):
                proc.kill()
        _wait_gone(family, timeout=10.0)
    for entry in targets:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(entry.pid, os.WNOHANG)
        echo(f"stopped {entry.name} (pid {entry.pid})")
    for name in dep.processes():
        _pid_file(dep, name).unlink(missing_ok=True)
    return [t.name for t in targets]


def _merge(known: list[Any], found: list[Any]) -> list[Any]:
    pids = {p.pid for p in known}
    return known + [p for p in found if p.pid not in pids]


def _wait_gone(procs: list[Any], timeout: float) -> None:
    """SIGKILL is delivered asynchronously: wait until each is gone or a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive([p.pid for p in procs]):
        time.sleep(0.2)


def _descendants(pids: list[int]) -> list[Any]:
    import psutil

    found = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            found += psutil.Process(pid).children(recursive=True)
    return found


def _alive(pids: list[int]) -> list[int]:
    import psutil

    alive = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
    return alive


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """The process started its own session, so its group id is its pid: the group holds
    the pool children and executor processes it forked as well."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def sign_in_help(dep: Deployment) -> list[str]:
    """What an operator reads after `start`: where to sign in and what to unpause."""
    return [
        f"Airflow UI: {dep.api_url}  (user {ADMIN_USER}; the api-server writes the password "
        f"to {dep.passwords_file} when it first starts)",
        f"unpause the DAGs: airflow dags unpause <dag_id> with AIRFLOW_HOME={dep.home}, or "
        "the toggle in the UI, for: " + ", ".join(DAG_IDS),
        "first review-app admin: trustwatch init, then trustwatch users add --role admin ...",
        f"logs: {dep.process_log_dir} (processes), {dep.home / 'logs'} (tasks)",
        "stop everything: trustwatch airflow stop",
    ]
