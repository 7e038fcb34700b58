"""The optional test resources: a PostgreSQL server and the public labelled datasets.

Kept out of conftest.py so that conftest, its hooks and the tests that import these helpers
share one module, hence one probe per session.

* PostgreSQL: the server named by TRUSTWATCH_TEST_POSTGRES_URL is used as is (if it is down
  its tests fail, as they should in CI). Without the variable the local default server is
  probed once, with short timeouts; TRUSTWATCH_TEST_POSTGRES_PROBE_URL points the probe
  elsewhere (the probe's own tests use it to simulate a machine without PostgreSQL).
* The public datasets: TRUSTWATCH_DATASETS, else `../shared/datasets` beside the clone.

A missing resource skips its tests with one fixed reason (DATASETS_SKIP, POSTGRES_SKIP), which
tests/conftest.py folds into one line and sums up once at the end of the run.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PROBE_TIMEOUT_SECONDS = 2
DATASETS_SKIP = "needs the public labelled datasets: set TRUSTWATCH_DATASETS=/path/to/datasets"
POSTGRES_SKIP = "needs PostgreSQL: set TRUSTWATCH_TEST_POSTGRES_URL=postgresql+psycopg2://..."


def public_datasets_path() -> Path:
    """Where the public datasets are expected: TRUSTWATCH_DATASETS, else ../shared/datasets."""
    default = PROJECT_ROOT.parent / "shared" / "datasets"
    return Path(os.environ.get("TRUSTWATCH_DATASETS") or default)


def public_datasets_present(path: Path) -> bool:
    """All four dataset folders the classifier loaders read are there."""
    folders = ("olid", "tweeteval/hate", "complaints", "cyberbullying")
    return all((path / folder).is_dir() for folder in folders)


def require_public_datasets() -> Path:
    """The real public datasets' folder; without it the calling test skips with one reason."""
    path = public_datasets_path()
    if not public_datasets_present(path):
        pytest.skip(DATASETS_SKIP)
    return path


def probe_postgres(url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """Why the server at `url` cannot be used, or None if it answers a query.

    A TCP connect with a timeout first, so a filtered port cannot hang the run; then a real
    login with libpq's connect_timeout, so a service that accepts but never answers cannot
    either. Every failure becomes a one-line reason, never a traceback.
    """
    try:
        parsed = make_url(url)
        if parsed.host and not parsed.host.startswith("/"):  # TCP, not a Unix socket folder
            with socket.create_connection((parsed.host, parsed.port or 5432), timeout):
                pass
        engine = create_engine(
            parsed, connect_args={"connect_timeout": max(2, int(timeout))}, poolclass=NullPool
        )
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:  # any failure means "not usable here", reported in one line
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"{type(error).__name__}: {detail[0] if detail else 'no detail'}"
    return None


@functools.cache
def postgres_server() -> tuple[str | None, str]:
    """(server URL or None, where it came from or why there is none); probed once a session."""
    configured = os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL")
    if configured:
        return configured, "TRUSTWATCH_TEST_POSTGRES_URL"
    candidate = os.environ.get("TRUSTWATCH_TEST_POSTGRES_PROBE_URL") or DEFAULT_POSTGRES_URL
    failure = probe_postgres(candidate)
    if failure is None:
        return candidate, f"found by probing {safe_url(candidate)}"
    return None, f"no server at {safe_url(candidate)} ({failure})"


def safe_url(url: str) -> str:
    """A URL fit to print: any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def postgres_server_url() -> str:
    """The server the PostgreSQL tests use; without one they skip with one shared reason."""
    server, _ = postgres_server()
    if server is None:
        pytest.skip(POSTGRES_SKIP)
    return server


@contextmanager
def temporary_postgres_database(
    prefix: str = "trustwatch_test", server: str | None = None
) -> Iterator[str]:
    """A freshly created PostgreSQL database (its URL), dropped afterwards at any scope.

    On `server` (a server URL), by default the test server (`postgres_server_url`, which
    skips when there is none). Benchmarks that need a throwaway database use it too.
    """
    server = server or postgres_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
