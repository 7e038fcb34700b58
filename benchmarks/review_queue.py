"""Time the review app's lead queue (and the admin inbox) over 10,000 alerts on PostgreSQL.

Builds a fresh database on the server in TRUSTWATCH_TEST_POSTGRES_URL (or --url), migrates
it, syncs the example registry, loads items through the warehouse's own loader, then adds
classifications, response clocks and alerts the way the jobs write them. The app is the
real one (FastAPI, Jinja, the security middleware) served in-process; each page is fetched
`--repeat` times after one warm-up, and the figures are wall-clock per request, rendering
and the warehouse round trips included. The tables are ANALYZEd after the bulk load, as
autovacuum would have done in a live warehouse. The database is dropped at the end.

    TRUSTWATCH_TEST_POSTGRES_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/review_queue.py [--alerts 10000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.db.models import Account, Alert, Classification, Item, ResponseSla, WebUser
from trustwatch.domain import CanonicalItem, ItemKind
from trustwatch.registry import Platform, load_registry
from trustwatch.settings import EXAMPLE_CONFIG, get_settings
from trustwatch.warehouse.items import load_items
from trustwatch.warehouse.registry_sync import sync_registry
from trustwatch.web.main import create_app
from trustwatch.web.roles import Role
from trustwatch.web.security import SESSION_COOKIE, hash_password
from trustwatch.web.services.auth import open_session

LABELS = [
    ("safeguarding", "critical"),
    ("bullying", "high"),
    ("hate", "high"),
    ("abuse", "medium"),
    ("complaint", "low"),
]
WORDS = [
    "the",
    "school",
    "bus",
    "trip",
    "lunch",
    "teacher",
    "class",
    "parent",
    "child",
    "today",
    "again",
    "never",
    "always",
]


def _items(session, n: int, rng: random.Random, now: dt.datetime) -> list[int]:  # type: ignore[no-untyped-def]
    """n comments in ten-item threads under each school account, posted over 30 days."""
    accounts = list(session.scalars(select(Account).where(Account.platform == "facebook")))
    canon = []
    for i in range(n):
        acct = accounts[i % len(accounts)]
        root = f"bench-{i // 10}"
        canon.append(
            CanonicalItem(
                platform=Platform.FACEBOOK,
                external_id=f"{root}-c{i}",
                kind=ItemKind.COMMENT,
                stream="facebook:comments",
                account_platform_id=acct.platform_account_id,
                parent_external_id=root,
                thread_root_external_id=root,
                author_platform_id=f"author-{rng.randrange(n // 4)}",
                author_handle=None,
                text=" ".join(rng.choices(WORDS, k=rng.randint(6, 60))),
                created_at=now - dt.timedelta(minutes=rng.randrange(30 * 24 * 60)),
                url=f"https://www.facebook.com/{acct.handle}/posts/{root}-c{i}",
            )
        )
    for start in range(0, n, 2000):
        load_items(session, canon[start : start + 2000], pseudonym_secret=b"bench" * 8)
    session.flush()
    return list(session.scalars(select(Item.item_id).where(Item.external_id.like("bench-%"))))


def build(url: str, n_alerts: int, seed: int) -> tuple[dict[str, int], float]:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    with session_scope(engine) as session:
        sync_registry(session, load_registry(EXAMPLE_CONFIG))
        item_ids = _items(session, n_alerts, rng, now)
        items = {i.item_id: i for i in session.scalars(select(Item))}
        clocks, alerts, scores = [], [], []
        for n, item_id in enumerate(item_ids):
            item = items[item_id]
            label, severity = LABELS[n % len(LABELS)]
            score = round(rng.uniform(0.5, 0.99), 3)
            scores.append(
                {
                    "item_id": item_id,
                    "label": label,
                    "score": score,
                    "is_above_threshold": True,
                    "model_version": "bench",
                    "classified_at": now,
                }
            )
            owed = n % 5 < 2
            if owed:
                due = item.created_at + dt.timedelta(hours=24)
                clocks.append(
                    {
                        "item_id": item_id,
                        "school_id": item.school_id,
                        "account_id": item.account_id,
                        "clock_item_id": item_id,
                        "received_at": item.created_at,
                        "due_at": due,
                        "status": "open_breached" if due <= now else "open",
                        "computed_at": now,
                    }
                )
            # A quarter of the alerts are response-time breaches, as after `make demo`.
            kind, sev, sc = (
                ("sla_breached", "high", None) if n % 4 == 3 and owed else (label, severity, score)
            )
            alerts.append(
                {
                    "dedupe_key": f"bench:{kind}:{item_id}",
                    "item_id": item_id,
                    "school_id": item.school_id,
                    "alert_type": kind,
                    "severity": sev,
                    "status": "open" if n % 7 else "acknowledged",
                    "score": sc,
                    "model_version": "bench" if sc else None,
                    "routed_to": [],
                    "assigned_to": "bench.lead@riverbend.example.org" if n % 50 == 0 else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Classification), scores)
        session.execute(insert(ResponseSla), clocks)
        session.execute(insert(Alert), alerts)
        pw = hash_password("bench passphrase kettle")
        for email, role in (
            ("bench.lead@riverbend.example.org", Role.LEAD),
            ("tom.hughes@oakfield.example.org", Role.ACCOUNT_ADMIN),
        ):
            session.add(
                WebUser(
                    email=email,
                    display_name=email.split("@")[0],
                    role=role.value,
                    password_hash=pw,
                    is_active=True,
                    failed_logins=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        counts = {
            "alerts": session.scalar(text("select count(*) from alerts")),
            "label_alerts": session.scalar(
                text("select count(*) from alerts where alert_type not like 'sla_%'")
            ),
            "clocks": len(clocks),
        }
    # Fresh bulk loads have no planner statistics (autovacuum gathers them within a minute
    # in a live database); without them PostgreSQL picks a nested loop and the queue takes
    # seconds. Gather them now, as a running warehouse would have.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return counts, time.perf_counter() - started


def _client(app, engine, email: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    with session_scope(engine) as session:
        user = session.scalar(select(WebUser).where(WebUser.email == email))
        client.cookies.set(
            SESSION_COOKIE, open_session(session, user=user, settings=get_settings())
        )
    return client


def time_page(client: TestClient, path: str, repeat: int, row_pattern: str) -> dict[str, float]:
    client.get(path)  # warm-up: template compile, connection pool
    times, html = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        html = response.text
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
        "rows": len(re.findall(row_pattern, html)),
        "kb": len(html.encode()) / 1024,
        "showing": (re.search(r"Showing [^<(]*", html) or [""])[0].strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL"))
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    if not args.url:
        raise SystemExit(
            "benchmarks/review_queue.py: set TRUSTWATCH_TEST_POSTGRES_URL or pass --url "
            "(a PostgreSQL server URL; the benchmark creates and drops its own database)"
        )
    name = f"trustwatch_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        counts, seconds = build(url, args.alerts, args.seed)
        print(
            f"built {counts['alerts']:,} alerts ({counts['label_alerts']:,} label alerts, the rest "
            f"response-time), {counts['clocks']:,} response clocks in {seconds:.1f} s"
        )
        engine = make_engine(url)
        app = create_app(engine=engine, settings=get_settings())
        lead = _client(app, engine, "bench.lead@riverbend.example.org")
        tom = _client(app, engine, "tom.hughes@oakfield.example.org")
        queue_row = r'<tr class="sev-'
        pages = [
            (lead, "/alerts", queue_row, "lead queue, default (severity)"),
            (lead, "/alerts?sort=due", queue_row, "lead queue, sort by due time"),
            (lead, "/alerts?sort=posted", queue_row, "lead queue, sort by post time"),
            (lead, "/alerts?page=100", queue_row, "lead queue, page 100"),
            (lead, "/alerts?mine=1", queue_row, "lead queue, assigned to me"),
            (lead, "/mentions", r'<tr class="(?:overdue)?">', "24-hour rule list"),
            (tom, "/inbox", r'id="item-', "account admin inbox"),
        ]
        print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'rows':>5} {'KiB':>6}  showing")
        for client, path, pattern, label in pages:
            f = time_page(client, path, args.repeat, pattern)
            print(
                f"{label:34} {f['median_ms']:10.1f} {f['p95_ms']:8.1f} {f['rows']:5d} "
                f"{f['kb']:6.0f}  {f['showing']}"
            )
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
