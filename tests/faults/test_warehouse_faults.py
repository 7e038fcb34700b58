"""The warehouse drops the connection mid-load, or refuses it: roll back, fail, recover."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import postgres_server_url
from tests.faults.harness import (
    at_commit,
    converged,
    crash,
    run_once,
    state,
    terminate_backend,
)
from tests.faults.platforms import PAGE_SIZE, PLATFORMS, RUN_AT, make_posts
from trustwatch.cli import main
from trustwatch.db.engine import make_engine
from trustwatch.registry import Registry

pytestmark = pytest.mark.postgres

# Tables an ingest writes; emptied between cases so one database serves them all.
INGEST_TABLES = ("items", "authors", "ingest_state", "quarantine")


@pytest.fixture
def admin_url() -> str:
    return postgres_server_url()


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(INGEST_TABLES)} RESTART IDENTITY CASCADE"))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_backend_terminated_at_each_page_commit(
    platform: str, pg_engine: Engine, registry: Registry, admin_url: str
) -> None:
    fake = PLATFORMS[platform](make_posts(10))
    with at_commit(None, crash) as commits:
        assert run_once(pg_engine, registry, fake, now=RUN_AT).ok
    reference = state(pg_engine, fake)
    # Commits: school ids, cursor read, then one per page (the last carries the cursor).
    for number in range(3, commits[0] + 1):
        empty(pg_engine)
        fake = PLATFORMS[platform](make_posts(10))
        with at_commit(number, terminate_backend(admin_url)):
            first = run_once(pg_engine, registry, fake, now=RUN_AT)
        error = first.results[0].error or ""
        assert not first.ok and error.startswith("OperationalError"), error
        assert "terminat" in error or "server closed" in error, error
        after = state(pg_engine, fake)
        pages_before = number - 3
        assert sum(after.ids.values()) == pages_before * PAGE_SIZE  # that page rolled back
        assert after.cursor in (None, {}) and after.last_error == error
        assert run_once(pg_engine, registry, fake, now=RUN_AT).ok
        result = converged(pg_engine, fake, reference, f"{platform} terminate {number}", first)
        assert (result.lost, result.duplicated) == (0, 0), result
        assert result.cursor_consistent and result.error_cleared, result


@pytest.fixture
def closed_port_url(admin_url: str) -> Iterator[str]:
    """A URL whose server is not listening (port 1), with a sentinel password in it."""
    password = f"SENTINEL-PG-PASSWORD-{uuid.uuid4().hex[:8]}"
    url = make_url(admin_url).set(port=1, password=password)
    yield url.render_as_string(hide_password=False)


def test_refused_connection_fails_clearly(
    closed_port_url: str, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(closed_port_url)
    fake = PLATFORMS["x"](make_posts(4))
    with pytest.raises(OperationalError) as raised:
        run_once(engine, registry, fake, now=RUN_AT)
    password = make_url(closed_port_url).password
    assert "port 1 failed" in str(raised.value) or "refused" in str(raised.value)
    assert password not in str(raised.value)
    engine.dispose()


def test_cli_against_a_refused_warehouse_exits_1_with_one_line(
    closed_port_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", closed_port_url)
    assert main(["retention", "--dry-run"]) == 1
    err = capsys.readouterr().err
    password = str(make_url(closed_port_url).password)
    assert err.startswith("error: the warehouse") and "Traceback" not in err
    assert password not in err


def test_a_server_that_comes_back_is_used_again(pg_url: str, admin_url: str) -> None:
    """After the pool's connections are killed, the next unit of work reconnects."""
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    with engine.connect() as conn:  # pool_pre_ping replaces the dead connection
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
