"""The DAG tasks' glue, run without Airflow: the clock, ingest, notifications, retention."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, func, select

from tests.quality.conftest import NOW
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Item, Quarantine, ValidationResult
from trustwatch.errors import ConfigError
from trustwatch.pipeline import ingest_step
from trustwatch.pipeline.defaults import CHILD_STREAM_PLATFORMS, PLATFORMS
from trustwatch.pipeline.notify_step import (
    NotificationsFailed,
    check_channels,
    enforce_retention,
    notify_alerts,
    notify_digest,
    send_weekly_report,
)
from trustwatch.pipeline.runtime import Window

T = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)


def test_window_from_an_interval_and_from_an_asset_triggered_run() -> None:
    window = Window.from_context(
        {"data_interval_start": T - dt.timedelta(hours=1), "data_interval_end": T}
    )
    assert (window.start, window.end) == (T - dt.timedelta(hours=1), T)
    triggered = Window.from_context({"dag_run": SimpleNamespace(run_after=T)})
    assert triggered.start == triggered.end == T
    with pytest.raises(ValueError, match="aware"):
        Window(start=T.replace(tzinfo=None), end=T)
    with pytest.raises(ValueError, match="before it starts"):
        Window(start=T, end=T - dt.timedelta(seconds=1))


def test_an_asset_triggered_run_that_waited_uses_the_moment_it_started() -> None:
    """Queued at 12:00 behind a slow run, started 12:26: alerts raised meanwhile count."""
    started = T + dt.timedelta(minutes=26)
    waited = SimpleNamespace(run_after=T, start_date=started, run_type="asset_triggered")
    assert Window.from_context({"dag_run": waited}).end == started
    # A manual or dag.test() run keeps the instant it was given (the demo's simulated clock).
    manual = SimpleNamespace(run_after=T, start_date=started, run_type="manual")
    assert Window.from_context({"dag_run": manual}).end == T


def test_plan_puts_comment_streams_after_their_parents() -> None:
    plan = ingest_step.plan("facebook")
    assert plan["parents"] and plan["children"]
    assert all(label.endswith(":comments") for label in plan["children"])
    assert not set(plan["parents"]) & set(plan["children"])
    for platform in PLATFORMS:
        has_children = bool(ingest_step.plan(platform)["children"])
        assert has_children == (platform in CHILD_STREAM_PLATFORMS), platform


def test_unknown_source_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from trustwatch.errors import ConfigError

    monkeypatch.setenv(ingest_step.SOURCE_ENV, "tiktok")
    with pytest.raises(ConfigError, match="live or replay"):
        ingest_step.source_name()


def test_run_partition_replays_gates_and_records_the_check(
    sqlite_url: str, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv(ingest_step.SOURCE_ENV, "replay")
    window = Window(start=T - dt.timedelta(days=2), end=T)
    counts = ingest_step.run_partition("x", "x:millbrook:mentions", window)
    assert counts["inserted"] > 0 and counts["quarantined"] == 0
    with session_scope(sqlite_engine) as session:
        latest = session.scalar(select(func.max(Item.created_at)))
        (check,) = session.scalars(select(ValidationResult)).all()
    assert latest <= T
    assert (check.suite_name, check.target, check.success) == (
        "items_batch",
        "x:millbrook:mentions",
        True,
    )
    assert check.rows_checked == counts["inserted"]
    again = ingest_step.run_partition("x", "x:millbrook:mentions", window)
    assert again["inserted"] == 0
    with pytest.raises(ingest_step.PartitionFailed, match="no longer in the registry"):
        ingest_step.run_partition("x", "x:nowhere:mentions", window)


def test_records_failing_the_gate_go_to_quarantine(
    sqlite_url: str, sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay "as of" a moment before some items' creation dates would be a bug in the
    source; the gate runs against the same clock and would catch it. Here the gate's
    clock is set a day behind the source's to make exactly that happen."""
    from trustwatch.ingest import ReplaySource, plan_partitions, run_ingest
    from trustwatch.pipeline.runtime import registry

    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", sqlite_url)
    reg = registry()
    (planned,) = [
        p for p in plan_partitions(reg, platform="x") if p.label == "x:millbrook:mentions"
    ]
    outcomes: list = []
    gate = ingest_step.make_gate(reg, "x", T - dt.timedelta(days=1), outcomes)
    summary = run_ingest(
        sqlite_engine,
        reg,
        source=ReplaySource(as_of=T),
        pseudonym_secret=b"k" * 32,
        partitions=[planned],
        gate=gate,
    )
    assert summary.results[0].ok
    assert sum(o.rows_failed for o in outcomes) > 0
    with session_scope(sqlite_engine) as session:
        reasons = session.execute(select(Quarantine.check_name, Quarantine.reason)).all()
        loaded = session.scalar(select(func.max(Item.created_at)))
    assert reasons and {c for c, _ in reasons} == {"items_batch:created_at_not_future"}
    assert loaded is None or loaded <= T - dt.timedelta(days=1) + dt.timedelta(minutes=5)


def test_summarise_names_failed_partitions() -> None:
    ok = {"partition": "x:a", "read": 2, "inserted": 1, "updated": 0, "unchanged": 1}
    ok |= {"quarantined": 0}
    assert ingest_step.summarise_partitions(["x:a"], [ok])["inserted"] == 1
    with pytest.raises(ingest_step.PartitionsFailed, match="1 of 2 partitions failed: x:b"):
        ingest_step.summarise_partitions(["x:a", "x:b"], [ok])


def test_notify_sends_once_and_fails_loudly_when_smtp_refuses(seeded_warehouse, inbox) -> None:  # type: ignore[no-untyped-def]
    window = Window(start=NOW, end=NOW)
    inbox.refuse = 99
    with pytest.raises(NotificationsFailed):
        notify_alerts(window)
    assert inbox.messages == []
    inbox.refuse = 0
    first = notify_alerts(window)
    assert first["sent"] >= 1 and first["failed"] == 0
    assert any("bullying" in m["Subject"].lower() for m in inbox.messages)
    again = notify_alerts(window)
    assert again["sent"] == 0 and again["already_sent"] == first["sent"]


def test_nothing_to_send_needs_no_channel(seeded_warehouse, inbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = Window(start=NOW, end=NOW)
    sent = notify_alerts(window)["sent"]
    assert sent >= 1
    monkeypatch.delenv("TRUSTWATCH_SMTP_HOST")
    assert check_channels(window) == {
        "as_of": NOW.isoformat(), "waiting": 0, "email_ok": False,
    }  # fmt: skip
    quiet = notify_alerts(window)
    assert quiet["sent"] == 0 and quiet["failed"] == 0
    assert len(inbox.messages) == sent


def test_a_missing_channel_with_alerts_waiting_fails_the_check_with_the_fix(
    seeded_warehouse: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRUSTWATCH_SMTP_HOST", raising=False)
    with pytest.raises(ConfigError, match=r"alert\(s\) are waiting.*TRUSTWATCH_SMTP_HOST is not"):
        check_channels(Window(start=NOW, end=NOW))


def test_digest_step_sends_the_rest_once(seeded_warehouse, inbox, registry) -> None:  # type: ignore[no-untyped-def]
    from trustwatch.alerts.engine import refresh_alerts
    from trustwatch.db.models import Classification

    with session_scope(seeded_warehouse) as session:
        item_id = session.scalar(select(Item.item_id).where(Item.external_id == "m2"))
        session.query(Classification).filter_by(item_id=item_id, label="complaint").update(
            {"score": 0.95, "is_above_threshold": True}
        )
    with session_scope(seeded_warehouse) as session:  # a score edited in place: a repair
        refresh_alerts(session, registry, now=NOW, full=True)
    window = Window(start=NOW, end=NOW)
    first = notify_digest(window)
    assert first["failed"] == 0 and first["sent"] >= 1
    assert all("digest" in m["Subject"].lower() for m in inbox.messages)
    again = notify_digest(window)
    assert again["sent"] == 0 and again["failed"] == 0
    assert len(inbox.messages) == first["sent"]


def test_weekly_report_step_emails_the_pdf_once(seeded_warehouse, inbox, registry) -> None:  # type: ignore[no-untyped-def]
    window = Window(start=NOW, end=NOW)
    first = send_weekly_report(window)
    assert first["already_sent"] is False
    assert first["recipients"] == len(registry.notifications.report_recipients)
    assert len(inbox.messages) >= 1
    attachments = [
        part.get_filename()
        for message in inbox.messages
        for part in message.walk()
        if part.get_filename()
    ]
    assert any(name.endswith(".pdf") for name in attachments)
    sent = len(inbox.messages)
    again = send_weekly_report(window)
    assert again["already_sent"] is True
    assert len(inbox.messages) == sent


def test_retention_purges_once(seeded_warehouse: Engine) -> None:
    later = NOW + dt.timedelta(days=400)
    first = enforce_retention(Window(start=later, end=later))
    assert first["texts_purged"] == 3
    second = enforce_retention(Window(start=later, end=later))
    assert second["texts_purged"] == 0


def test_registry_is_read_again_when_the_file_changes(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import os

    from trustwatch.pipeline.runtime import registry
    from trustwatch.settings import EXAMPLE_CONFIG, get_settings

    path = tmp_path / "trust.yaml"
    path.write_text(EXAMPLE_CONFIG.read_text())
    monkeypatch.setenv("TRUSTWATCH_CONFIG", str(path))
    get_settings.cache_clear()
    assert registry().trust.name == "Riverbend Learning Trust"
    assert registry() is registry()
    path.write_text(EXAMPLE_CONFIG.read_text().replace("Riverbend Learning", "Rivermouth"))
    os.utime(path, ns=(1, 1))
    assert registry().trust.name == "Rivermouth Trust"
