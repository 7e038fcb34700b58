"""docker-compose.yml agrees with the code: services, volumes, environment, ports.

There is no Docker engine in CI, so the file is read as YAML and checked against what
the code expects: the settings it reads, the DAGs folder, the ports it serves on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from classifiers.precision import PRECISION_ENV
from trustwatch.pipeline.classify_step import CLASSIFIER_ENV
from trustwatch.pipeline.defaults import RETRY_DELAY_ENV
from trustwatch.pipeline.ingest_step import SOURCE_ENV
from trustwatch.receiver.settings import ReceiverSettings
from trustwatch.settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def env_of(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_all_components_present(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {*AIRFLOW_SERVICES, "airflow-init", "postgres", "redis", "web"} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
        assert env_of(services[name])["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_airflow_uses_postgres_and_redis_services(compose: dict[str, Any]) -> None:
    env = env_of(compose["services"]["airflow-scheduler"])
    assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    assert "@postgres:5432/trustwatch" in env["TRUSTWATCH_WAREHOUSE_URL"]
    init = (PROJECT_ROOT / "docker" / "init-warehouse.sh").read_text()
    assert "CREATE DATABASE trustwatch" in init


def test_dags_folder_is_the_mounted_dags(compose: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        folder = env_of(service)["AIRFLOW__CORE__DAGS_FOLDER"]
        mounts = {m.split(":")[0]: m.split(":")[1] for m in service["volumes"]}
        assert mounts["./dags"] == folder
        assert (PROJECT_ROOT / "dags").is_dir() and list((PROJECT_ROOT / "dags").glob("*.py"))


def test_trustwatch_variables_are_ones_the_code_reads(compose: dict[str, Any]) -> None:
    known = {f"TRUSTWATCH_{name.upper()}" for name in Settings.model_fields}
    known |= {SOURCE_ENV, RETRY_DELAY_ENV, CLASSIFIER_ENV, PRECISION_ENV}
    known |= {f"TRUSTWATCH_{name.upper()}" for name in ReceiverSettings.model_fields}
    for name, service in compose["services"].items():
        for key in env_of(service):
            if key.startswith("TRUSTWATCH_") and name != "postgres":
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


def test_ports(compose: dict[str, Any]) -> None:
    from trustwatch.cli.serve import serve

    services = compose["services"]
    assert "8080:8080" in services["airflow-apiserver"]["ports"]
    web = services["web"]
    port = web["command"][web["command"].index("--port") + 1]
    assert f"{port}:{port}" in web["ports"]
    assert web["entrypoint"] == ["trustwatch"] and web["command"][0] == serve.name


def test_volumes_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = {
        m.split(":")[0]
        for service in compose["services"].values()
        for m in service.get("volumes", [])
        if not m.startswith(".")
    }
    assert used == declared


def test_every_reference_is_in_env_example(compose: dict[str, Any]) -> None:
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    example = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert referenced == example


def test_image_installs_the_pinned_set() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3" in dockerfile
    assert "-r requirements.txt -c constraints.txt" in dockerfile
    assert Path(PROJECT_ROOT / "constraints.txt").exists()


def test_receiver_service_runs_trustwatch_receive(compose: dict[str, Any]) -> None:
    from trustwatch.assets import REDIS_CONN_ID
    from trustwatch.cli.receive import receive

    receiver = compose["services"]["receiver"]
    assert receiver["entrypoint"] == ["trustwatch"] and receiver["command"][0] == receive.name
    port = receiver["command"][receiver["command"].index("--port") + 1]
    assert f"{port}:{port}" in receiver["ports"]
    env = env_of(receiver)
    assert env["TRUSTWATCH_REDIS_URL"].startswith("redis://redis:6379")
    for secret in ("FACEBOOK_APP_SECRET", "FACEBOOK_VERIFY_TOKEN", "X_CONSUMER_SECRET"):
        assert env[f"TRUSTWATCH_{secret}"] == f"${{TRUSTWATCH_{secret}}}"
    # The triggerer's watcher reads the same Redis through this connection.
    triggerer = env_of(compose["services"]["airflow-triggerer"])
    assert triggerer[f"AIRFLOW_CONN_{REDIS_CONN_ID.upper()}"].startswith("redis://redis:6379")
