"""Every bad setting and argument: one paragraph naming the setting and the fix, exit 2,
no traceback; and the hostile inputs that used to hang or be silently accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import RetriableError, retry_after_from_headers
from tests.faults.harness import no_wait_retry, run_once, state
from tests.faults.platforms import RUN_AT, FakeX, FaultPlan, make_posts
from trustwatch.cli import main
from trustwatch.db.engine import make_engine
from trustwatch.errors import ConfigError
from trustwatch.registry import Registry, load_registry
from trustwatch.settings import EXAMPLE_CONFIG, get_settings, warehouse_url


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    get_settings.cache_clear()
    code = main(args)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    return code, text


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TRUSTWATCH_X_MAX_READS_PER_RUN", "abc", "TRUSTWATCH_X_MAX_READS_PER_RUN"),
        ("TRUSTWATCH_X_MAX_READS_PER_RUN", "-5", "TRUSTWATCH_X_MAX_READS_PER_RUN"),
        ("TRUSTWATCH_WEB_SESSION_IDLE_MINUTES", "abc", "TRUSTWATCH_WEB_SESSION_IDLE_MINUTES"),
        ("TRUSTWATCH_WAREHOUSE_URL", "not a url", "TRUSTWATCH_WAREHOUSE_URL"),
        ("TRUSTWATCH_WAREHOUSE_URL", "mysql://u@h/db", "TRUSTWATCH_WAREHOUSE_URL"),
    ],
)
def test_a_bad_setting_is_one_paragraph_and_exit_2(
    variable: str,
    value: str,
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    code, text = run_cli(["ingest", "--source", "replay", "--platform", "x"], capsys)
    assert code == 2
    assert named in text and "Fix:" in text
    assert len(text.strip().splitlines()) == 1  # one paragraph


def test_a_negative_max_reads_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run_cli(["ingest", "--source", "replay", "--max-reads", "-5"], capsys)
    assert code == 2 and "--max-reads" in text


def test_a_plain_postgresql_url_means_the_installed_psycopg2() -> None:
    url = warehouse_url("postgresql://tw:pw@db.internal:5432/trustwatch")
    assert url.startswith("postgresql+psycopg2://tw:pw@db.internal:5432/trustwatch")
    engine = make_engine("postgresql://tw:pw@db.internal:5432/trustwatch")
    assert engine.dialect.driver == "psycopg2"
    engine.dispose()
    with pytest.raises(ConfigError, match="not a database URL"):
        make_engine("not a url")


def test_a_missing_token_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("TRUSTWATCH_X_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    code, text = run_cli(["ingest", "--source", "live", "--platform", "x"], capsys)
    assert code == 2
    assert "TRUSTWATCH_X_BEARER_TOKEN" in text


# --- Retry-After --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "nan", "Wed, 99 Foo 2026 99:00:00 GMT", "", "1e999"])
def test_an_unreadable_retry_after_means_the_default_backoff(value: str) -> None:
    assert retry_after_from_headers({"Retry-After": value}) is None
    policy = no_wait_retry()
    error = RetriableError("HTTP 429", status=429, retry_after=None)
    assert 0.5 <= policy.wait_seconds(1, error) <= 1.0  # the policy's own first backoff


def test_a_429_with_retry_after_abc_is_still_retried(
    fresh_sqlite, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.faults.platforms as platforms

    real = platforms._fault_response

    def bad_header(kind: str, body):  # type: ignore[no-untyped-def]
        status, headers, text = real(kind, body)
        return status, {**headers, "retry-after": "abc"}, text

    monkeypatch.setattr(platforms, "_fault_response", bad_header)
    engine = fresh_sqlite("retry-after")
    fake = FakeX(make_posts(6), FaultPlan({0: ("http_429", 2)}))
    retry = no_wait_retry(max_tries=4)
    summary = run_once(engine, registry, fake, now=RUN_AT, retry=retry)
    assert summary.ok, summary.results[0].error
    assert len(retry.waits) == 2 and all(w > 0 for w in retry.waits)  # default backoff
    assert set(state(engine, fake).ids) == fake.expected_ids()


# --- the registry YAML --------------------------------------------------------------------


def test_a_duplicate_key_is_rejected_naming_it_and_its_lines(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text()
    block = "retention:\n  raw_payload_days: 30\n  text_days: 365\n"
    assert block in text
    path = tmp_path / "trust.yaml"
    path.write_text(text + "\n" + block.replace("365", "3650"))
    with pytest.raises(ConfigError) as caught:
        load_registry(path)
    message = str(caught.value)
    first = text[: text.index(block)].count("\n") + 1
    assert "'retention'" in message and "given twice" in message
    assert f"first on line {first}" in message and "Fix:" in message


def test_a_duplicate_key_inside_a_school_is_rejected(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text()
    path = tmp_path / "trust.yaml"
    path.write_text(text.replace("retention:\n", "retention:\n  text_days: 1\n", 1))
    with pytest.raises(ConfigError, match="'text_days' in retention is given twice"):
        load_registry(path)


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="more than 20 aliases"):  # it used to hang
        load_registry(path)


def test_registry_check_on_a_duplicate_key_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trust.yaml"
    path.write_text(EXAMPLE_CONFIG.read_text() + "\nretention:\n  text_days: 30\n")
    code, text = run_cli(["--config", str(path), "registry", "check"], capsys)
    assert code == 2 and "given twice" in text
