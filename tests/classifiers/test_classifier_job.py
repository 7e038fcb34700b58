"""The classify job and CLI: every unscored item gets one row per label, reruns add nothing.

Beside the model's labels each item gets an `other_language` row, so a post the model cannot
read is flagged rather than passed on low scores.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from classifiers.job import classify_items
from classifiers.language import FLAG_VERSION, OTHER_LANGUAGE, THRESHOLD
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Classification, Item
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform
from trustwatch.warehouse.items import load_items

pytestmark = pytest.mark.slow

SECRET = b"s" * 32
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
TEXTS = [
    "Mr Jones is a useless fat idiot",
    "Thank you for a lovely sports day",
    "The parking at drop-off is dangerous and the school does nothing",
    "",
    "Czy ktoś wie, o której godzinie kończy się jutro wycieczka klasy czwartej?",
]


def _item(n: int, text: str) -> CanonicalItem:
    return CanonicalItem(
        platform=Platform.X,
        external_id=f"19000000000000000{n:02d}",
        kind=ItemKind.MENTION,
        stream="x_mentions",
        account_platform_id="1500000000000000001",
        author_platform_id=f"77{n}",
        author_handle=f"someone{n}",
        author_display_name=f"Someone {n}",
        text=text,
        created_at=T0 + dt.timedelta(minutes=n),
        url=f"https://x.com/i/web/status/19000000000000000{n:02d}",
        raw={"id": f"19000000000000000{n:02d}"},
    )


def _load(engine: Engine, texts: list[str], offset: int = 0) -> None:
    with session_scope(engine) as session:
        load_items(
            session,
            [_item(offset + n, t) for n, t in enumerate(texts)],
            pseudonym_secret=SECRET,
        )


def _rows(engine: Engine) -> list[Classification]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Classification).order_by(Classification.item_id)))


def test_scores_every_item_once_per_label_and_version(sqlite_engine: Engine, model) -> None:
    _load(sqlite_engine, TEXTS)
    with session_scope(sqlite_engine) as session:
        summary = classify_items(session, model, batch_size=3)
    rows = _rows(sqlite_engine)
    assert summary.items_scored == len(TEXTS)
    per_item = len(model.labels) + 1
    assert len(rows) == summary.rows_written == len(TEXTS) * per_item
    for row in rows:
        assert row.model_version == (FLAG_VERSION if row.label == OTHER_LANGUAGE else model.version)
    assert all(0.0 <= r.score <= 1.0 for r in rows)
    thresholds = {**model.thresholds, OTHER_LANGUAGE: THRESHOLD}
    for row in rows:
        assert row.is_above_threshold == (row.score >= thresholds[row.label])
    insult = next(r for r in rows if r.label == "abuse" and r.item_id == rows[0].item_id)
    assert insult.is_above_threshold
    # Only the Polish question is flagged for a reader; English and empty text are not.
    language = [r.is_above_threshold for r in rows if r.label == OTHER_LANGUAGE]
    assert language == [False, False, False, False, True]
    assert summary.above_threshold[OTHER_LANGUAGE] == 1


def test_rerun_is_a_no_op_and_new_items_are_picked_up(sqlite_engine: Engine, model) -> None:
    _load(sqlite_engine, TEXTS[:2])
    with session_scope(sqlite_engine) as session:
        classify_items(session, model)
    with session_scope(sqlite_engine) as session:
        again = classify_items(session, model)
    assert (again.items_scored, again.rows_written) == (0, 0)
    _load(sqlite_engine, TEXTS[2:3], offset=10)
    with session_scope(sqlite_engine) as session:
        later = classify_items(session, model)
    assert later.items_scored == 1
    assert len(_rows(sqlite_engine)) == 3 * (len(model.labels) + 1)


def test_a_new_flag_version_reflags_every_item_without_rerunning_the_model(
    sqlite_engine: Engine, model
) -> None:
    """Changing how the flag is computed must not leave old decisions standing."""
    _load(sqlite_engine, TEXTS)
    with session_scope(sqlite_engine) as session:
        first = classify_items(session, model)
    assert first.items_flagged == len(TEXTS)
    model_rows = {(r.item_id, r.label): r.score for r in _rows(sqlite_engine)}
    with session_scope(sqlite_engine) as session:
        session.execute(
            update(Classification)
            .where(Classification.label == OTHER_LANGUAGE)
            .values(model_version="lang-older", is_above_threshold=True)
        )
    with session_scope(sqlite_engine) as session:
        summary = classify_items(session, model)
    assert (summary.items_scored, summary.items_flagged) == (0, len(TEXTS))
    assert summary.rows_written == len(TEXTS) and summary.above_threshold[OTHER_LANGUAGE] == 1
    rows = _rows(sqlite_engine)
    current = [r for r in rows if r.label == OTHER_LANGUAGE and r.model_version == FLAG_VERSION]
    assert [r.is_above_threshold for r in current] == [False, False, False, False, True]
    model_now = {(r.item_id, r.label): r.score for r in rows if r.label != OTHER_LANGUAGE}
    assert model_now == {k: v for k, v in model_rows.items() if k[1] != OTHER_LANGUAGE}
    with session_scope(sqlite_engine) as session:
        again = classify_items(session, model)
    assert (again.items_flagged, again.rows_written) == (0, 0)


def test_deleted_and_purged_items_are_skipped(sqlite_engine: Engine, model) -> None:
    _load(sqlite_engine, TEXTS[:3])
    with session_scope(sqlite_engine) as session:
        first, second = session.scalars(select(Item.item_id).order_by(Item.item_id).limit(2))
        session.execute(update(Item).where(Item.item_id == first).values(is_deleted=True))
        session.execute(
            update(Item).where(Item.item_id == second).values(text=None, text_purged_at=T0)
        )
    with session_scope(sqlite_engine) as session:
        summary = classify_items(session, model)
    assert summary.items_scored == 1


@pytest.fixture
def cli_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A fresh SQLite warehouse the CLI points at, holding two unscored items."""
    from trustwatch.cli import main
    from trustwatch.db.engine import get_engine
    from trustwatch.settings import get_settings

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    get_engine.cache_clear()
    get_settings.cache_clear()
    assert main(["init"]) == 0
    engine = get_engine(url)
    _load(engine, TEXTS[:2])
    return engine


def _classification_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Classification)).scalar_one()


def test_cli_classify_writes_rows_then_does_nothing(
    cli_warehouse: Engine, capsys: pytest.CaptureFixture[str], model
) -> None:
    from trustwatch.cli import main

    capsys.readouterr()
    assert main(["classify"]) == 0
    assert f"model {model.version}: scored 2 items" in capsys.readouterr().out
    assert main(["classify"]) == 0
    assert "scored 0 items" in capsys.readouterr().out
    assert _classification_rows(cli_warehouse) == 2 * (len(model.labels) + 1)


def test_cli_classify_refuses_an_unknown_precision(
    cli_warehouse: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    model,
) -> None:
    from trustwatch.cli import main

    capsys.readouterr()
    monkeypatch.setenv("TRUSTWATCH_CLASSIFIER_PRECISION", "int4")
    assert main(["classify"]) == 2
    captured = capsys.readouterr()
    assert "TRUSTWATCH_CLASSIFIER_PRECISION='int4'" in captured.err + captured.out
    assert "Traceback" not in captured.err + captured.out
    assert main(["classify", "--precision", "int4"]) == 2
    assert _classification_rows(cli_warehouse) == 0


def test_load_default_keeps_one_model_per_precision(model) -> None:
    import classifiers

    assert classifiers.load_default(precision="fp32") is model
    fast = classifiers.load_default(precision="bf16")
    assert fast is not model and fast.precision == "bf16"
    assert classifiers.load_default(precision="bf16") is fast
    assert fast.version == model.version
