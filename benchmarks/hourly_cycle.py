"""One hourly cycle on a big warehouse: what each step costs, and the peak memory.

Builds a synthetic warehouse of N items (default 10k and 100k; 1M on request) on SQLite
and/or PostgreSQL, then times ONE hourly cycle that brings 100 new items:

    ingest   `trustwatch.warehouse.items.load_items` with 100 canonical items (replies into
             recent threads, new comments, a few public mentions): the real loader
    classify `classifiers.job.classify_items` with a fast protocol-compatible stand-in
             (`--classifier fake`, the default: this benchmark is about the SLA, alert and
             check steps, and the model's own speed is `benchmarks/classify.py`'s subject)
             or the committed model (`--classifier real`, 100 texts on one thread)
    sla      `trustwatch.pipeline.sla_step.compute_response_sla` (the DAG's step)
    alerts   `trustwatch.pipeline.sla_step.refresh_alerts`
    checks   `trustwatch.pipeline.checks_step.run_warehouse_checks`

Each step's seconds and the process's peak RSS after it are printed. The cycle runs in a
fresh subprocess, so the build's memory never counts towards the cycle's peak.

**The fast bulk build.** Rows are generated with numpy and written straight into the
migrated tables, bypassing the ORM: PostgreSQL through `COPY ... FROM STDIN` (CSV,
streamed in chunks), SQLite through the DBAPI's `executemany` in one transaction with
`synchronous=OFF`. Items come in five-item threads on the registry's school accounts
(half rooted in a school post; most closed by a school reply), 10 % public mentions with
no clock, 0.3 % link cross-posting spam; every item has five label scores and an
other-language row (six classification rows per item, as production has). The derived
tables are then built by the project's own jobs, as a full rebuild, so they are exactly
what production would hold: `trustwatch sla rebuild`'s code for `response_sla`, a full
alert refresh for `alerts`. At 1M items the build takes several minutes; the cycle is
what is timed.

    .venv/bin/python benchmarks/hourly_cycle.py --sizes 10000,100000 \\
        --dialects sqlite,postgresql [--classifier fake|real]

PostgreSQL uses the server in TRUSTWATCH_BENCH_POSTGRES_URL (or
TRUSTWATCH_TEST_POSTGRES_URL). Without `--keep` every warehouse is built, timed once and
dropped (`trustwatch_bench_<pid>_<n>`).

**Build once, time many times.** A 1M-item build takes tens of minutes; the cycle takes
seconds. With `--workdir DIR --keep` the built warehouses (the *bases*) stay: PostgreSQL
databases `<prefix>_<n>`, SQLite files `DIR/<prefix>_<n>.sqlite`, and the pseudonym key
their school authors were keyed with in `DIR/var` (`--prefix`, default trustwatch_bench).
`--reuse` times an existing base instead of building it (a base whose build did not
finish is rebuilt); `--build-only` builds the missing bases and times nothing, so the
slow part can run outside the benchmark lock. Before its first timing a kept base is
migrated to the current head and ANALYZEd (untimed). Every timed cycle runs on a fresh
copy of the base (`CREATE DATABASE ... TEMPLATE` with FILE_COPY on PostgreSQL, a file copy
on SQLite), dropped afterwards, so each starts from the same state; `--repeat K` times K
cycles per size and reports the median one. The printed ratio is each size's cycle over
the smallest size's (the issue's "1M within 2x of 10k").

    # once, outside the lock (builds are not timed)
    .venv/bin/python benchmarks/hourly_cycle.py --workdir var/bench --prefix bench \\
        --sizes 10000,1000000 --dialects sqlite,postgresql --build-only
    # as often as needed
    flock /work/wt/bench.lock .venv/bin/python benchmarks/hourly_cycle.py \\
        --workdir var/bench --prefix bench --reuse --repeat 3 \\
        --sizes 10000,1000000 --dialects sqlite,postgresql

`TRUSTWATCH_BENCH_PROFILE=DIR` writes a cProfile of each step to `DIR/<step>.prof` (it
slows the steps: never for reported figures).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # the cycle's window end
HISTORY_DAYS = 730
THREAD = 5
NEW_ITEMS = 100
STEPS = ("ingest", "classify", "sla", "alerts", "checks")


# --- the stand-in classifier -------------------------------------------------------------


class HashClassifier:
    """Protocol-compatible and instant: scores are a hash of the text, 1-2 % above 0.5."""

    version = "bench-hash-1"

    def __init__(self) -> None:
        from classifiers.labels import LABELS

        self.labels = list(LABELS)
        self.thresholds = dict.fromkeys(LABELS, 0.5)

    def predict_proba(self, texts: list[str]):  # type: ignore[no-untyped-def]
        import pandas as pd

        rows = []
        for text in texts:
            seed = abs(hash(text)) % (2**32)
            rows.append(np.random.default_rng(seed).beta(0.4, 8, len(self.labels)))
        return pd.DataFrame(rows, columns=self.labels, dtype=float)


def make_classifier(kind: str):  # type: ignore[no-untyped-def]
    if kind == "real":
        from classifiers import load_default

        return load_default()
    return HashClassifier()


# --- synthetic rows ----------------------------------------------------------------------


def _hex_keys(prefix: int, ids: np.ndarray) -> np.ndarray:
    return np.array([f"{prefix:08x}{i:056x}" for i in ids.tolist()], dtype=object)


def generate(n: int, accounts: list[tuple[int, int, str, str]], school_keys: dict, seed: int = 7):
    """Item, author and classification columns for n items (numpy arrays by column)."""
    rng = np.random.default_rng(seed)
    threads = max(n // THREAD, 1)
    n = threads * THREAD
    end = np.datetime64(NOW.replace(tzinfo=None), "us").astype(np.int64) - 3_600_000_000
    span = HISTORY_DAYS * 86_400 * 1_000_000
    first = end - 4 * 86_400_000_000 - rng.integers(0, span, threads)
    thread = np.repeat(np.arange(threads), THREAD)
    pos = np.tile(np.arange(THREAD), threads)
    created = first[thread] + pos * rng.integers(60, 8 * 3600, n) * 1_000_000
    acct = rng.integers(0, len(accounts), threads)
    mention = rng.random(threads) < 0.10
    school_rooted = rng.random(threads) < 0.5
    reply = (pos == THREAD - 1) & (rng.random(n) < 0.7)
    is_school = (((pos == 0) & school_rooted[thread]) | reply) & ~mention[thread]
    ext = np.char.add("b", np.arange(n).astype(str)).astype(object)
    root = ext[thread * THREAD]
    parent = np.where(pos == 0, None, np.where(reply, ext[thread * THREAD + 1], root))
    parents = max(n // 3, 1)
    author_idx = rng.integers(0, parents, n)
    author = _hex_keys(1, author_idx)
    account_rows = [accounts[i] for i in acct.tolist()]
    account_id = np.array([a[0] for a in account_rows], dtype=object)[thread]
    school_id = np.array([a[1] for a in account_rows], dtype=object)[thread]
    platform = np.array([a[2] for a in account_rows], dtype=object)[thread]
    school_author = np.array([school_keys[(a[2], a[3])] for a in account_rows], dtype=object)
    author = np.where(is_school, school_author[thread], author)
    account_id = np.where(mention[thread], None, account_id)
    texts = np.array(
        [
            "When is the next parents evening?",
            "Thanks for the update, lovely to see",
            "Why was the trip cancelled? Not good enough",
            "My child is being picked on at lunch",
            "Great concert last night well done all",
            "Is the school open tomorrow after the snow?",
        ],
        dtype=object,
    )
    text = texts[rng.integers(0, len(texts), n)]
    spam = (rng.random(n) < 0.003) & ~is_school
    text = np.where(spam, "Win a free tablet at https://spam.example/win", text)
    author = np.where(spam, _hex_keys(2, np.zeros(1, dtype=np.int64))[0], author)
    items = {
        "item_id": np.arange(1, n + 1),
        "platform": platform,
        "external_id": ext,
        "kind": np.where(pos == 0, np.where(mention[thread], "mention", "post"), "comment"),
        "stream": np.char.add(platform.astype(str), "_comments").astype(object),
        "school_id": school_id,
        "account_id": account_id,
        "parent_external_id": parent,
        "thread_root_external_id": root,
        "author_key": author,
        "is_from_school": is_school,
        "text": text,
        "created_at": created,
        "is_deleted": rng.random(n) < 0.01,
        "content_hash": _hex_keys(3, np.arange(n)),
        "ingested_at": created + 300_000_000,
        "updated_at": created + 300_000_000,
    }
    return items


# --- bulk writers ------------------------------------------------------------------------


def _iso(us: np.ndarray, sqlite: bool) -> np.ndarray:
    text = us.astype("datetime64[us]").astype(str)
    if sqlite:
        return np.char.replace(text, "T", " ").astype(object)
    return np.char.add(text, "+00:00").astype(object)


def _rows(columns: dict[str, np.ndarray], names: Sequence[str]) -> Iterator[tuple]:
    arrays = [columns[name] for name in names]
    yield from zip(*(a.tolist() for a in arrays), strict=True)


def bulk_insert(engine, table: str, columns: dict[str, np.ndarray], chunk: int = 200_000) -> None:  # type: ignore[no-untyped-def]
    """COPY on PostgreSQL, executemany on SQLite; NULLs are None in object columns."""
    names = list(columns)
    total = len(next(iter(columns.values())))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
            marks = ",".join("?" for _ in names)
            sql = f"INSERT INTO {table} ({','.join(names)}) VALUES ({marks})"
            for start in range(0, total, chunk):
                part = {k: v[start : start + chunk] for k, v in columns.items()}
                cursor.executemany(sql, _rows(part, names))
        else:
            sql = f"COPY {table} ({','.join(names)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            for start in range(0, total, chunk):
                part = {k: v[start : start + chunk] for k, v in columns.items()}
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in _rows(part, names):
                    writer.writerow(["\\N" if v is None else v for v in row])
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
        raw.commit()
    finally:
        raw.close()


def build(url: str, n: int, classifier_version: str) -> dict[str, float]:
    """Migrate, sync the registry, bulk-load n items with scores, derive clocks and alerts."""
    from sqlalchemy import select

    from classifiers.labels import LABELS
    from classifiers.language import FLAG_VERSION, OTHER_LANGUAGE, THRESHOLD
    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.migrate import upgrade
    from trustwatch.db.models import Account
    from trustwatch.personal_data.pseudonyms import author_key
    from trustwatch.pipeline.runtime import registry
    from trustwatch.settings import get_settings
    from trustwatch.warehouse.registry_sync import sync_registry

    figures: dict[str, float] = {}
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    reg = registry()
    secret = get_settings().pseudonym_key()
    with session_scope(engine) as session:
        sync_registry(session, reg)
        accounts = [
            (r.account_id, r.school_id, r.platform, r.platform_account_id)
            for r in session.execute(
                select(
                    Account.account_id,
                    Account.school_id,
                    Account.platform,
                    Account.platform_account_id,
                )
            )
        ]
    keys = {(a[2], a[3]): author_key(a[2], a[3], secret) for a in accounts}
    items = generate(n, accounts, keys)
    sqlite = engine.dialect.name == "sqlite"
    n = len(items["item_id"])
    authors = sorted({k for k in items["author_key"].tolist() if k is not None})
    auth = np.array(authors, dtype=object)
    first_seen = _iso(np.full(len(auth), items["created_at"].min()), sqlite)
    bulk_insert(
        engine,
        "authors",
        {
            "author_key": auth,
            "platform": np.full(len(auth), "facebook", dtype=object),
            "platform_author_id": np.char.add("p", np.arange(len(auth)).astype(str)).astype(object),
            "first_seen_at": first_seen,
            "last_seen_at": first_seen,
        },
    )
    item_columns = dict(items)
    for column in ("created_at", "ingested_at", "updated_at"):
        item_columns[column] = _iso(items[column], sqlite)
    for column in ("is_from_school", "is_deleted"):
        item_columns[column] = items[column].astype(int) if sqlite else items[column]
    bulk_insert(engine, "items", item_columns)
    if not sqlite:  # COPY with explicit ids leaves the identity sequence behind
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('items', 'item_id'), max(item_id)) FROM items"
            )
    figures["items_s"] = time.perf_counter() - started

    started = time.perf_counter()
    live = items["item_id"][~items["is_deleted"]]
    labels = [*LABELS, OTHER_LANGUAGE]
    count = len(live) * len(labels)
    rng = np.random.default_rng(11)
    scores = rng.beta(0.4, 8, count)
    label_col = np.tile(np.array(labels, dtype=object), len(live))
    thresholds = np.tile(np.array([0.5] * len(LABELS) + [THRESHOLD]), len(live))
    version = np.tile(
        np.array([classifier_version] * len(LABELS) + [FLAG_VERSION], dtype=object), len(live)
    )
    classified = np.repeat(items["updated_at"][~items["is_deleted"]] + 60_000_000, len(labels))
    above = scores >= thresholds
    bulk_insert(
        engine,
        "classifications",
        {
            "item_id": np.repeat(live, len(labels)),
            "label": label_col,
            "score": scores,
            "is_above_threshold": above.astype(int) if sqlite else above,
            "model_version": version,
            "classified_at": _iso(classified, sqlite),
        },
    )
    figures["classifications_s"] = time.perf_counter() - started
    figures["classification_rows"] = count

    started = time.perf_counter()
    previous = NOW - dt.timedelta(hours=1)
    rebuild_derived(engine, reg, previous, classifier_version)
    figures["derived_s"] = time.perf_counter() - started
    with engine.begin() as conn:  # committed: statistics are the plans' inputs
        conn.exec_driver_sql("ANALYZE")
    figures["items"] = n
    engine.dispose()
    return figures


def rebuild_derived(engine, reg, now: dt.datetime, version: str) -> None:  # type: ignore[no-untyped-def]
    """The previous hour's clocks and alerts, by the project's own full rebuild."""
    from trustwatch.alerts.engine import refresh_alerts
    from trustwatch.db.engine import session_scope
    from trustwatch.sla.job import compute_sla

    with session_scope(engine) as session:
        try:
            compute_sla(session, reg, now=now, full=True)  # type: ignore[call-arg]
        except TypeError:  # before the incremental job existed: every run was full
            compute_sla(session, reg, now=now)
    with session_scope(engine) as session:
        try:
            refresh_alerts(session, reg, now=now, full=True)  # type: ignore[call-arg]
        except TypeError:
            refresh_alerts(session, reg, now=now)
    try:
        from trustwatch.db.models import utcnow
        from trustwatch.pipeline.checks_step import JOB
        from trustwatch.warehouse.cursors import save_cursor
    except ImportError:  # before the hourly checks kept a mark, every run read everything
        return
    from classifiers.language import FLAG_VERSION

    with session_scope(engine) as session:  # as if the previous hour had been checked
        save_cursor(session, JOB, as_of=now, changed_since=utcnow(), fingerprint="")
        # and scored: the build wrote every item's scores
        stamp = f"{version}|{FLAG_VERSION}"[:64]
        save_cursor(session, "classify", as_of=now, changed_since=utcnow(), fingerprint=stamp)


# --- the timed cycle ---------------------------------------------------------------------


def new_items(engine) -> list:  # type: ignore[no-untyped-def]
    """100 items in the last hour: comments, school replies into open threads, mentions."""
    from sqlalchemy import select

    from trustwatch.db.engine import session_scope
    from trustwatch.db.models import Account, Item
    from trustwatch.domain import CanonicalItem, ItemKind
    from trustwatch.registry import Platform

    rng = np.random.default_rng(99)
    with session_scope(engine) as session:
        recent = session.execute(
            select(
                Item.platform,
                Item.external_id,
                Item.thread_root_external_id,
                Account.platform_account_id,
            )
            .join(Account, Account.account_id == Item.account_id)
            .where(Item.created_at >= NOW - dt.timedelta(days=4), Item.is_from_school.is_(False))
            .order_by(Item.item_id.desc())
            .limit(200)
        ).all()
        accounts = session.execute(select(Account.platform, Account.platform_account_id)).all()
    out = []
    start = NOW - dt.timedelta(hours=1)
    for i in range(NEW_ITEMS):
        created = start + dt.timedelta(seconds=int(rng.integers(1, 3500)))
        if recent and i % 3 == 0:  # a school reply to a recent comment
            target = recent[int(rng.integers(0, len(recent)))]
            out.append(
                CanonicalItem(
                    platform=Platform(target.platform),
                    external_id=f"new-{i}",
                    kind=ItemKind.COMMENT,
                    stream=f"{target.platform}_comments",
                    account_platform_id=target.platform_account_id,
                    parent_external_id=target.external_id,
                    thread_root_external_id=target.thread_root_external_id,
                    author_platform_id=target.platform_account_id,
                    is_from_school=True,
                    text="Thank you, we have replied by email.",
                    created_at=created,
                )
            )
            continue
        platform, account = accounts[int(rng.integers(0, len(accounts)))]
        out.append(
            CanonicalItem(
                platform=Platform(platform),
                external_id=f"new-{i}",
                kind=ItemKind.COMMENT,
                stream=f"{platform}_comments",
                account_platform_id=None if i % 10 == 1 else account,
                author_platform_id=f"parent-{i % 40}",
                text="Why was the trip cancelled? Not good enough" if i % 4 else "Hello",
                created_at=created,
            )
        )
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up() -> None:
    """Import what the steps import, and build the GX context, before the clock starts.

    An Airflow worker pays these once per task process whatever the warehouse holds; the
    benchmark reports them apart (`imports_s`) so the steps show what the data costs.
    """
    import great_expectations
    import pandas as pd

    import trustwatch.alerts.engine
    import trustwatch.sla.job  # noqa: F401
    from classifiers.language import other_language_scores
    from trustwatch.quality.runner import ROW, Check, _context, run_suite

    other_language_scores(["warm up"])  # the language identifier loads once per process
    from trustwatch.sla.rule import WorkingCalendar

    WorkingCalendar().bank_holidays(NOW.year)  # `holidays` imports its country on first use
    _context()
    # GX imports its metric providers on the first validation: pay that here, once.
    run_suite(
        "warm_up",
        pd.DataFrame({ROW: [1], "x": [1]}),
        [
            Check(
                "x", "x", great_expectations.expectations.ExpectColumnValuesToNotBeNull(column="x")
            )
        ],
    )


def cycle(url: str, classifier_kind: str) -> dict[str, float]:
    """Time each step of one hourly cycle as of NOW; seconds and peak RSS per step."""
    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = url
    from trustwatch.db.engine import session_scope
    from trustwatch.pipeline import checks_step, sla_step
    from trustwatch.pipeline.runtime import Window, engine
    from trustwatch.warehouse.items import load_items

    started = time.perf_counter()
    warm_up()
    out_warm = time.perf_counter() - started
    classifier = make_classifier(classifier_kind)
    window = Window(start=NOW - dt.timedelta(hours=1), end=NOW)
    batch = new_items(engine())
    out: dict[str, float] = {"rss_before_mb": peak_rss_mb(), "imports_s": out_warm}

    profile_dir = os.environ.get("TRUSTWATCH_BENCH_PROFILE")

    def timed(name: str, step) -> None:  # type: ignore[no-untyped-def]
        profiler = None
        if profile_dir:  # cProfile per step (slows the step: not for reported figures)
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        step()
        out[f"{name}_s"] = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(Path(profile_dir) / f"{name}.prof"))
        out[f"{name}_rss_mb"] = peak_rss_mb()

    def ingest() -> None:
        from trustwatch.settings import get_settings

        with session_scope(engine()) as session:
            load_items(session, batch, pseudonym_secret=get_settings().pseudonym_key())

    def classify() -> None:
        from classifiers.job import classify_items

        try:
            from trustwatch.warehouse.cursors import load_cursor
        except ImportError:  # before the classify step kept a mark: every pending item
            load_cursor = None
        with session_scope(engine()) as session:
            cursor = load_cursor(session, "classify") if load_cursor else None
            if cursor is None:
                classify_items(session, classifier, as_of=None)
            else:  # the DAG step's own call, with the mark the build left
                classify_items(session, classifier, changed_since=cursor.changed_since)

    def checks() -> None:
        try:
            checks_step.run_warehouse_checks(window)
        except checks_step.DataCheckBreach as breach:
            out["checks_breach"] = str(breach)[:300]  # type: ignore[assignment]

    timed("ingest", ingest)
    timed("classify", classify)
    timed("sla", lambda: sla_step.compute_response_sla(window))
    timed("alerts", lambda: sla_step.refresh_alerts(window))
    timed("checks", checks)
    out["cycle_s"] = sum(out[f"{s}_s"] for s in STEPS)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# --- orchestration -----------------------------------------------------------------------


def _server_url() -> str:
    return os.environ.get("TRUSTWATCH_BENCH_POSTGRES_URL") or os.environ.get(
        "TRUSTWATCH_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
    )


def _admin(sql: str, **params: object) -> list:
    """One statement on the server's maintenance database, outside a transaction."""
    from sqlalchemy import create_engine, text

    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            result = conn.execute(text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        admin.dispose()


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(_server_url()).set(database=name).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Store:
    """Where one built warehouse lives, and how a timed cycle gets its own fresh copy.

    A built warehouse (the *base*) is never timed against directly: each cycle runs on a
    copy made just before it (PostgreSQL `CREATE DATABASE ... TEMPLATE base STRATEGY
    FILE_COPY`, SQLite a file copy), so every timed cycle starts from the same state and
    the base can be timed again and again. The build's figures are stored with the base
    (a `COMMENT ON DATABASE` on PostgreSQL, a `.json` next to the SQLite file): a base
    without them was never finished and is rebuilt.
    """

    dialect: str
    n: int
    name: str  # PostgreSQL database name, or SQLite file path

    @classmethod
    def for_size(cls, dialect: str, n: int, workdir: Path, prefix: str) -> Store:
        if dialect == "sqlite":
            return cls(dialect, n, str(workdir / f"{prefix}_{n}.sqlite"))
        return cls(dialect, n, f"{prefix}_{n}")

    @property
    def url(self) -> str:
        return f"sqlite:///{self.name}" if self.dialect == "sqlite" else _pg_url(self.name)

    @property
    def copy_name(self) -> str:
        return (
            f"{self.name[:-7]}_cycle.sqlite" if self.dialect == "sqlite" else f"{self.name}_cycle"
        )

    def built(self) -> dict | None:
        """The build's figures if a finished build is there, else None."""
        if self.dialect == "sqlite":
            meta = Path(f"{self.name}.json")
            return json.loads(meta.read_text()) if meta.exists() else None
        rows = _admin(
            "select shobj_description(oid, 'pg_database') from pg_database where datname = :n",
            n=self.name,
        )
        try:
            return json.loads(rows[0][0]) if rows and rows[0][0] else None
        except ValueError:
            return None

    def create_empty(self) -> None:
        self.drop()
        if self.dialect != "sqlite":
            _admin(f'CREATE DATABASE "{self.name}"')

    def mark_built(self, figures: dict) -> None:
        body = json.dumps(figures)
        if self.dialect == "sqlite":
            Path(f"{self.name}.json").write_text(body)
        else:
            _admin(f"""COMMENT ON DATABASE "{self.name}" IS '{body.replace("'", "''")}'""")

    def fresh_copy(self) -> str:
        """A copy of the base for one timed cycle; its URL."""
        self._drop(self.copy_name)
        if self.dialect == "sqlite":
            shutil.copyfile(self.name, self.copy_name)
            return f"sqlite:///{self.copy_name}"
        _admin(f'CREATE DATABASE "{self.copy_name}" TEMPLATE "{self.name}" STRATEGY FILE_COPY')
        return _pg_url(self.copy_name)

    def drop_copy(self) -> None:
        self._drop(self.copy_name)

    def drop(self) -> None:
        self._drop(self.name)
        if self.dialect == "sqlite":
            Path(f"{self.name}.json").unlink(missing_ok=True)

    def _drop(self, name: str) -> None:
        if self.dialect == "sqlite":
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
        else:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child(args: Sequence[str]) -> dict:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def prepare(url: str) -> dict[str, float]:
    """Bring a kept base up to the current code before it is copied: migrate, ANALYZE.

    A base built by an earlier commit gets the later migrations (new indexes) once, here,
    untimed; SQLite's write-ahead log is folded into the file so a file copy is complete.
    """
    from trustwatch.db.engine import make_engine
    from trustwatch.db.migrate import upgrade

    started = time.perf_counter()
    engine = make_engine(url)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("select version_num from alembic_version").scalar()
    upgrade(engine)
    with engine.connect() as conn:
        after = conn.exec_driver_sql("select version_num from alembic_version").scalar()
        prepared = conn.exec_driver_sql(
            "select fingerprint from job_cursors where job = 'bench:prepared'"
        ).scalar()
        if before == after and prepared == after:  # nothing new since the last preparation
            engine.dispose()
            return {"prepare_s": time.perf_counter() - started}
        conn.exec_driver_sql(
            "delete from job_cursors where job = 'bench:prepared'"
        )  # a mark only this benchmark reads: no hourly job looks it up
        conn.exec_driver_sql(
            "insert into job_cursors (job, fingerprint, updated_at) "
            f"values ('bench:prepared', '{after}', CURRENT_TIMESTAMP)"
        )
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()
    if engine.dialect.name == "sqlite":  # outside any transaction, no other connection
        import sqlite3

        with contextlib.closing(sqlite3.connect(engine.url.database)) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"prepare_s": time.perf_counter() - started}


def _ensure_built(store: Store, classifier: str, reuse: bool) -> dict:
    built = store.built() if reuse else None
    if built is not None:
        _child(["--prepare", store.url])
        print(f"{store.dialect} {store.n:>9,} items: reusing {store.name}", flush=True)
        return built
    store.create_empty()
    built = _child(["--build", store.url, "--items", str(store.n), "--classifier", classifier])
    _child(["--prepare", store.url])
    store.mark_built(built)
    print(
        f"{store.dialect} {store.n:>9,} items: built {store.name} in {built['items_s']:.0f} + "
        f"{built['classifications_s']:.0f} + {built['derived_s']:.0f} s "
        f"({built['classification_rows']:,} score rows)",
        flush=True,
    )
    return built


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dialects", default="sqlite,postgresql")
    parser.add_argument("--classifier", choices=["fake", "real"], default="fake")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="SQLite files and the pseudonym key (needed to reuse a kept build)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the built warehouses (the bases) afterwards"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time a kept base if one is there instead of building (implies --keep)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build (or check) the bases, time nothing"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed cycles per size, each on a fresh copy"
    )
    parser.add_argument(
        "--prefix",
        default=None,
        help="base names: PostgreSQL database / SQLite file <prefix>_<n> "
        "(default trustwatch_bench, with the process id unless kept)",
    )
    parser.add_argument("--build", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--cycle", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("TRUSTWATCH_TORCH_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.build:
        version = HashClassifier.version
        if args.classifier == "real":
            version = make_classifier("real").version
        print(json.dumps(build(args.build, args.items, version)))
        return 0
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return 0
    if args.cycle:
        print(json.dumps(cycle(args.cycle, args.classifier)))
        return 0
    keep = args.keep or args.reuse or args.build_only
    if keep and args.workdir is None:
        parser.error("--keep/--reuse/--build-only need --workdir (the kept builds' home)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="trustwatch-hourly-"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # The pseudonym key lives here: a kept build's school authors are keyed with it.
    os.environ.setdefault("TRUSTWATCH_VAR_DIR", str(workdir / "var"))
    prefix = args.prefix or ("trustwatch_bench" if keep else f"trustwatch_bench_{os.getpid()}")
    results = []
    for dialect in args.dialects.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            store = Store.for_size(dialect, n, workdir, prefix)
            _ensure_built(store, args.classifier, args.reuse or args.build_only)
            if args.build_only:
                continue
            runs = []
            for _ in range(args.repeat):
                url = store.fresh_copy()
                try:
                    timed = _child(["--cycle", url, "--classifier", args.classifier])
                finally:
                    store.drop_copy()
                timed["load"] = os.getloadavg()[0]
                runs.append(timed)
                steps = "  ".join(f"{s} {timed[f'{s}_s']:6.2f}s" for s in STEPS)
                print(
                    f"{dialect:<10} {n:>9,}  {steps}  cycle {timed['cycle_s']:6.2f}s  "
                    f"peak {timed['peak_rss_mb']:6.0f} MB  (imports, untimed: "
                    f"{timed['imports_s']:.1f}s; load {timed['load']:.1f})",
                    flush=True,
                )
                if "checks_breach" in timed:
                    print(f"  checks reported a breach: {timed['checks_breach']}")
            # The median cycle of the repeats, as a whole row (steps of one run add up).
            runs.sort(key=lambda r: r["cycle_s"])
            results.append((dialect, n, runs[(len(runs) - 1) // 2], len(runs)))
            if not keep:
                store.drop()
    if not results:
        return 0
    print("\n| dialect | items | " + " | ".join(STEPS) + " | cycle | peak RSS | load |")
    print("|---|---|" + "---|" * (len(STEPS) + 3))
    for dialect, n, timed, count in results:
        cells = " | ".join(f"{timed[f'{s}_s']:.2f} s" for s in STEPS)
        note = f" (median of {count})" if count > 1 else ""
        print(
            f"| {dialect} | {n:,} | {cells} | {timed['cycle_s']:.2f} s{note} | "
            f"{timed['peak_rss_mb']:.0f} MB | {timed['load']:.1f} |"
        )
    by_size = {(d, n): t["cycle_s"] for d, n, t, _ in results}
    for (dialect, n), seconds in sorted(by_size.items()):
        smallest = min(m for d, m in by_size if d == dialect)
        if n != smallest:
            ratio = seconds / by_size[(dialect, smallest)]
            print(f"{dialect}: {n:,}-item cycle / {smallest:,}-item cycle = {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
