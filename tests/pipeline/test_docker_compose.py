"""docker-compose.yml, the Dockerfile and .env.example agree with the code.

There is no Docker engine in CI, so the files are read (YAML, text) and checked against
what the code expects: the settings it reads, the DAGs folder, the ports it serves on,
and each fix of issue #25 (SMTP on the workers, a writable var volume, TLS in front,
CPU-only torch, no test tools in the image, required secrets, healthchecks, one image).
The warehouse init script is run for real against PostgreSQL where one is available.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest
import yaml

from classifiers.inference import THREADS_ENV
from classifiers.precision import PRECISION_ENV
from trustwatch.notify.settings import SmtpSettings
from trustwatch.pipeline.classify_step import CLASSIFIER_ENV
from trustwatch.pipeline.defaults import RETRY_DELAY_ENV
from trustwatch.pipeline.ingest_step import SOURCE_ENV
from trustwatch.receiver.settings import ReceiverSettings
from trustwatch.settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
CADDYFILE = PROJECT_ROOT / "docker" / "Caddyfile"
INIT_WAREHOUSE = PROJECT_ROOT / "docker" / "init-warehouse.sh"
IMAGE = "trustwatch:local"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
SECRETS = (
    "POSTGRES_PASSWORD",
    "TRUSTWATCH_DB_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "TRUSTWATCH_PSEUDONYM_SECRET",
)
REFERENCE = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)(:?[?-])?")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def env_of(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def mounts_of(service: dict[str, Any]) -> dict[str, str]:
    return {m.split(":")[0]: m.split(":")[1] for m in service.get("volumes", [])}


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {k: v for k, v in pairs}


def smtp_variables() -> set[str]:
    names = set()
    for name, info in SmtpSettings.model_fields.items():
        names.add(info.alias or f"TRUSTWATCH_SMTP_{name.upper()}")
    return names


def test_all_components_present(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {*AIRFLOW_SERVICES, "airflow-init", "postgres", "redis", "web", "proxy"} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
        assert env_of(services[name])["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_airflow_uses_postgres_and_redis_services(compose: dict[str, Any]) -> None:
    env = env_of(compose["services"]["airflow-scheduler"])
    assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    # psycopg2 named: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3 (not installed).
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")
    assert "@postgres:5432/trustwatch" in env["TRUSTWATCH_WAREHOUSE_URL"]


def test_dags_folder_is_the_mounted_dags(compose: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        folder = env_of(service)["AIRFLOW__CORE__DAGS_FOLDER"]
        assert mounts_of(service)["./dags"] == folder
        assert (PROJECT_ROOT / "dags").is_dir() and list((PROJECT_ROOT / "dags").glob("*.py"))


def test_trustwatch_variables_are_ones_the_code_reads(compose: dict[str, Any]) -> None:
    known = {f"TRUSTWATCH_{name.upper()}" for name in Settings.model_fields}
    known |= {SOURCE_ENV, RETRY_DELAY_ENV, CLASSIFIER_ENV, PRECISION_ENV, THREADS_ENV}
    known |= smtp_variables()
    known |= {f"TRUSTWATCH_{name.upper()}" for name in ReceiverSettings.model_fields}
    for name, service in compose["services"].items():
        if name in {"postgres", "warehouse-init", "proxy"}:
            continue  # their TRUSTWATCH_* are read by the init script and the Caddyfile
        for key in env_of(service):
            if key.startswith("TRUSTWATCH_"):
                assert key in known, f"{name}: {key} is not read by trustwatch"
    web = env_of(compose["services"]["web"])
    needed = {"TRUSTWATCH_WAREHOUSE_URL", "TRUSTWATCH_PSEUDONYM_SECRET", "TRUSTWATCH_CONFIG"}
    assert needed <= set(web)
    assert web["TRUSTWATCH_ENVIRONMENT"] == "production"


def test_connections_match_the_connectors(compose: dict[str, Any]) -> None:
    from connectors import credentials

    doc = credentials.__doc__ or ""
    env = env_of(compose["services"]["airflow-worker"])
    for conn_id in ("trustwatch_x", "trustwatch_reddit", "trustwatch_facebook"):
        assert f"`{conn_id}`" in doc
        assert f"AIRFLOW_CONN_{conn_id.upper()}" in env


def test_receiver_gets_its_connections(compose: dict[str, Any]) -> None:
    from trustwatch.receiver.settings import CONNECTION_FIELDS

    env = env_of(compose["services"]["receiver"])
    for conn_id in CONNECTION_FIELDS:
        assert f"AIRFLOW_CONN_{conn_id.upper()}" in env


def test_smtp_settings_reach_every_airflow_process(compose: dict[str, Any]) -> None:
    """notify runs on a worker: without TRUSTWATCH_SMTP_* there, no alert email goes."""
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = env_of(compose["services"][name])
        assert smtp_variables() <= set(env), name
        assert env["TRUSTWATCH_SMTP_HOST"].startswith("${TRUSTWATCH_SMTP_HOST:?"), name


def test_var_volume_is_created_in_the_image_and_owned_by_the_service_user(
    compose: dict[str, Any],
) -> None:
    dockerfile = DOCKERFILE.read_text()
    for name, service in compose["services"].items():
        target = mounts_of(service).get("trustwatch-var")
        if target is None:
            continue
        assert env_of(service)["TRUSTWATCH_VAR_DIR"] == target, name
        assert service["user"] == "50000:0", name
        assert re.search(rf"mkdir -p {re.escape(target)}(\s|/)", dockerfile), target
        assert f"chown -R 50000:0 {target}" in dockerfile
    # The Airflow sign-in file the api-server writes lives on that volume too.
    env = env_of(compose["services"]["airflow-apiserver"])
    passwords = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert passwords.startswith(env["TRUSTWATCH_VAR_DIR"] + "/")


def test_only_the_tls_proxy_is_published(compose: dict[str, Any]) -> None:
    from trustwatch.cli.serve import serve

    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert set(services["proxy"]["ports"]) == {"80:80", "443:443"}
    assert mounts_of(services["proxy"])["./docker/Caddyfile"] == "/etc/caddy/Caddyfile"
    web = services["web"]
    assert web["entrypoint"] == ["trustwatch"] and web["command"][0] == serve.name
    port = web["command"][web["command"].index("--port") + 1]
    assert int(port) in web["expose"]
    caddy = CADDYFILE.read_text()
    blocks = dict(re.findall(r"^\{\$(\w+)\} \{(.*?)^\}", caddy, flags=re.M | re.S))
    assert f"reverse_proxy web:{port}" in blocks["TRUSTWATCH_DOMAIN"]
    assert "reverse_proxy airflow-apiserver:8080" in blocks["AIRFLOW_DOMAIN"]
    assert set(blocks) <= set(env_of(services["proxy"]))
    airflow_env = env_of(services["airflow-apiserver"])
    assert airflow_env["AIRFLOW__API__BASE_URL"].startswith("https://${AIRFLOW_DOMAIN")


def test_forwarded_headers_are_trusted_only_from_the_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    trusted = services["web"]["environment"]["TRUSTWATCH_WEB_TRUSTED_PROXIES"]
    allowed = trusted.split(":-", 1)[1].rstrip("}")
    proxy_networks = services["proxy"]["networks"]
    assert set(proxy_networks) == {"frontend"}  # so its address towards web is this one
    assert allowed == proxy_networks["frontend"]["ipv4_address"]
    subnet = compose["networks"]["frontend"]["ipam"]["config"][0]["subnet"]
    import ipaddress

    assert ipaddress.ip_address(allowed) in ipaddress.ip_network(subnet)
    assert "frontend" in services["web"]["networks"]


def test_image_has_cpu_only_torch_and_no_test_tools() -> None:
    dockerfile = DOCKERFILE.read_text()
    runtime = (PROJECT_ROOT / "requirements.txt").read_text()
    dev = (PROJECT_ROOT / "requirements-dev.txt").read_text()
    torch_pin = re.search(r"^torch==(\S+)$", runtime, flags=re.M)
    assert torch_pin
    cpu = f"--index-url https://download.pytorch.org/whl/cpu torch=={torch_pin.group(1)}"
    assert cpu in dockerfile
    assert dockerfile.index(cpu) < dockerfile.index("-r requirements.txt -c constraints.txt")
    assert "requirements-dev" not in dockerfile
    assert "FROM apache/airflow:3.3" in dockerfile
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    for requirement in project["project"]["optional-dependencies"]["dev"]:
        name = re.split(r"[<>=!~ ]", requirement)[0].lower()
        assert not re.search(rf"^{re.escape(name)}==", runtime, flags=re.M | re.I), name
        assert re.search(rf"^{re.escape(name)}==", dev, flags=re.M | re.I), name
    assert "-r requirements.txt" in dev.splitlines()


def test_celery_and_postgres_drivers_are_pinned() -> None:
    runtime = (PROJECT_ROOT / "requirements.txt").read_text()
    constraints = (PROJECT_ROOT / "constraints.txt").read_text()
    for name in ("apache-airflow-providers-celery", "asyncpg", "redis"):
        pin = re.search(rf"^{name}==(\S+)$", runtime, flags=re.M)
        assert pin, name
        assert f"{name}=={pin.group(1)}" in constraints.splitlines(), name
    from importlib.metadata import version

    assert version("apache-airflow-providers-celery") == re.search(
        r"^apache-airflow-providers-celery==(\S+)$", runtime, flags=re.M
    ).group(1)


def test_worker_concurrency_and_one_torch_thread_per_task(compose: dict[str, Any]) -> None:
    env = env_of(compose["services"]["airflow-worker"])
    assert env["AIRFLOW__CELERY__WORKER_CONCURRENCY"].startswith("${AIRFLOW_WORKER_CONCURRENCY")
    assert env[THREADS_ENV] == "1" and env["OMP_NUM_THREADS"] == "1"
    assert int(env_example()["AIRFLOW_WORKER_CONCURRENCY"]) >= 1


def test_healthchecks_use_real_commands(compose: dict[str, Any]) -> None:
    from airflow.cli.cli_config import ARG_JOB_TYPE_FILTER

    services = compose["services"]
    for name in (*AIRFLOW_SERVICES, "web", "postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), name
    job_types = ARG_JOB_TYPE_FILTER.kwargs["choices"]
    for name, job in (("airflow-dag-processor", "DagProcessorJob"),
                      ("airflow-triggerer", "TriggererJob")):  # fmt: skip
        test = " ".join(services[name]["healthcheck"]["test"])
        assert f"airflow jobs check --job-type {job}" in test and job in job_types
    worker = " ".join(services["airflow-worker"]["healthcheck"]["test"])
    app_path = re.search(r"--app (\S+)\.app ", worker)
    assert app_path and "inspect ping" in worker
    import importlib

    assert hasattr(importlib.import_module(app_path.group(1)), "app")
    web = " ".join(services["web"]["healthcheck"]["test"])
    port = services["web"]["command"][services["web"]["command"].index("--port") + 1]
    path = re.search(rf"127\.0\.0\.1:{port}(/\S*?)'", web)
    assert path
    from trustwatch.web.api.routes.auth import router

    assert path.group(1) in {getattr(r, "path", None) for r in router.routes}


def test_secrets_are_required_not_defaulted() -> None:
    text = COMPOSE.read_text()
    found = REFERENCE.findall(text)
    for secret in SECRETS:
        uses = [modifier for name, modifier in found if name == secret]
        assert uses, secret
        assert set(uses) == {":?"}, f"{secret} must be ${{{secret}:?...}} everywhere"
    example = env_example()
    for secret in SECRETS:
        assert example[secret] == "", f".env.example must leave {secret} empty"


def test_env_example_fernet_instruction_makes_a_valid_key() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("AIRFLOW_FERNET_KEY="))
    command = lines[at - 1].lstrip("# ")
    assert command.startswith("python -c ")
    code = command.removeprefix("python -c ").strip('"')
    key = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    from cryptography.fernet import Fernet

    Fernet(key.encode())  # raises on anything but a valid key


def test_every_reference_is_in_env_example() -> None:
    referenced = {name for name, _ in REFERENCE.findall(COMPOSE.read_text())}
    assert referenced == set(env_example())


def test_warehouse_database_is_created_on_every_start(compose: dict[str, Any]) -> None:
    services = compose["services"]
    init = services["warehouse-init"]
    assert mounts_of(init)["./docker/init-warehouse.sh"] == "/init-warehouse.sh"
    assert init["command"] == ["bash", "/init-warehouse.sh"]
    assert init["restart"] == "no"  # runs to completion on every `up`
    assert services["airflow-init"]["depends_on"]["warehouse-init"] == {
        "condition": "service_completed_successfully"
    }
    # Not the one-time docker-entrypoint-initdb.d hook, which runs on a fresh volume only.
    assert not any("initdb.d" in m for m in services["postgres"].get("volumes", []))


def test_one_image_built_once(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert [name for name, s in services.items() if "build" in s] == ["airflow-init"]
    ours = [name for name in services if name.startswith("airflow-") or name == "web"]
    for name in ours:
        assert services[name]["image"] == IMAGE, name
        assert services[name].get("pull_policy") == "never", name


def test_volumes_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = {
        m.split(":")[0]
        for service in compose["services"].values()
        for m in service.get("volumes", [])
        if not m.startswith(".")
    }
    assert used == declared


@pytest.mark.postgres
def test_init_warehouse_script_is_idempotent_on_postgres() -> None:
    """Run the real script twice against the test server: the second start changes nothing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import postgres_server_url

    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    url = make_url(postgres_server_url())
    suffix = uuid.uuid4().hex[:10]
    database, role = f"tw_init_{suffix}", f"tw_init_role_{suffix}"
    env = {
        **os.environ,
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.database or "postgres",
        "WAREHOUSE_DB": database,
        "WAREHOUSE_ROLE": role,
        "TRUSTWATCH_DB_PASSWORD": "it's a test",
    }
    if url.password:
        env["PGPASSWORD"] = url.password
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        for _ in range(2):
            done = subprocess.run(
                ["bash", str(INIT_WAREHOUSE)], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
        with admin.connect() as conn:
            owner = conn.execute(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :d"),
                {"d": database},
            ).scalar()
            assert owner == role
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_operations_guide_covers_both_deployments() -> None:
    guide = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    for needed in ("trustwatch airflow start", "docker compose up", "trustwatch users add",
                   "simple_auth_manager_passwords.json.generated", "unpause"):  # fmt: skip
        assert needed in guide, needed


def test_receiver_service_runs_trustwatch_receive(compose: dict[str, Any]) -> None:
    from trustwatch.assets import REDIS_CONN_ID
    from trustwatch.cli.receive import receive

    receiver = compose["services"]["receiver"]
    assert receiver["entrypoint"] == ["trustwatch"] and receiver["command"][0] == receive.name
    command = receiver["command"]
    port = command[command.index("--port") + 1]
    assert "ports" not in receiver, "only the TLS proxy is published"
    assert int(port) in receiver["expose"]
    assert f"reverse_proxy receiver:{port}" in CADDYFILE.read_text()
    assert command[command.index("--forwarded-allow-ips") + 1] == "172.28.0.10"
    env = env_of(receiver)
    assert env["TRUSTWATCH_REDIS_URL"].startswith("redis://redis:6379")
    for secret in ("FACEBOOK_APP_SECRET", "FACEBOOK_VERIFY_TOKEN", "X_CONSUMER_SECRET"):
        assert env[f"TRUSTWATCH_{secret}"] == f"${{TRUSTWATCH_{secret}:-}}"
    # The triggerer's watcher reads the same Redis through this connection.
    triggerer = env_of(compose["services"]["airflow-triggerer"])
    assert triggerer[f"AIRFLOW_CONN_{REDIS_CONN_ID.upper()}"].startswith("redis://redis:6379")
