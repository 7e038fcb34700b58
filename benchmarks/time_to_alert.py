"""Time to alert: from a delivery at the webhook receiver to the alert row and the email,
for the event path, against the hourly path, over the same events in the same run.

    .venv/bin/python benchmarks/time_to_alert.py [--events 200] [--rate 1.0]
        [--classifier module:factory] [--metadata-url postgresql://...]

Event path, all real and each in its own process: `trustwatch receive` (uvicorn) ->
`inbound_events` -> Redis pub/sub -> the Airflow triggerer's asset watcher ->
`ingest_events` (scheduler + LocalExecutor + api-server + dag-processor; metadata on
PostgreSQL, from --metadata-url or TRUSTWATCH_TEST_POSTGRES_URL) -> items -> the
committed model -> alerts -> SMTP (a local aiosmtpd). `--events` signed Facebook
comment deliveries are posted at `--rate` per second (Poisson arrivals), each a
safeguarding or bullying disclosure the model flags. Per event: delivery -> alert row
(`alerts.created_at`, the wall clock of the task that raised it) and -> notification
(`notifications.sent_at`).

Hourly path: the same events, loaded into a second warehouse by the same steps the
hourly chain runs (load, score, response clocks, alerts, notify), in-process, timed as
one batch (D). Its time to alert for an event delivered at t is the wait for the next
:00 run plus D: printed for the deliveries' own times, and for arrivals spread evenly
over an hour (real posts come at any minute). Waiting out real hours is not possible
in a benchmark; running the chain in-process leaves out Airflow's scheduling overhead,
which only flatters the hourly figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

SECRET = "benchmark-app-secret"
PAGE = "100000000000101"  # Oakfield's page in the example registry
# Invented disclosures (no dataset text), each flagged by the committed model.
TEXTS = (
    "I want to hurt myself and nobody at school listens",
    "he said he will bring a knife to school tomorrow",
    "someone keeps sending my daughter messages, she says she wants to die",
    "a man was hanging around the gate taking photos of the kids",
    "you are a useless idiot and everyone in year 9 hates you, loser",
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _row(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<38} (none)"
    return (
        f"  {name:<38} n={len(values):>4}  p50 {statistics.median(values):8.1f}s  "
        f"p95 {_percentile(values, 95):8.1f}s  max {max(values):8.1f}s"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0, help="deliveries per second")
    parser.add_argument("--classifier", default="", help="module:factory (default: committed)")
    parser.add_argument("--metadata-url", default=os.environ.get("TRUSTWATCH_TEST_POSTGRES_URL"))
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def _prepare(work: Path, classifier: str) -> dict[str, str]:
    os.environ.update(
        {
            "TRUSTWATCH_VAR_DIR": str(work / "var"),
            "TRUSTWATCH_WAREHOUSE_URL": f"sqlite:///{work / 'event.sqlite'}",
            "TRUSTWATCH_PSEUDONYM_SECRET": "benchmark-pseudonym-secret",
            "TRUSTWATCH_TORCH_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    if classifier:
        os.environ["TRUSTWATCH_CLASSIFIER"] = classifier
    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.migrate import upgrade
    from trustwatch.registry import load_registry
    from trustwatch.settings import EXAMPLE_CONFIG
    from trustwatch.warehouse.registry_sync import sync_registry

    registry = load_registry(EXAMPLE_CONFIG)
    for url in (f"sqlite:///{work / 'event.sqlite'}", f"sqlite:///{work / 'hourly.sqlite'}"):
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            sync_registry(session, registry)
        engine.dispose()
    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = f"sqlite:///{work / 'event.sqlite'}"
    return {
        key: os.environ[key]
        for key in (
            "TRUSTWATCH_VAR_DIR",
            "TRUSTWATCH_WAREHOUSE_URL",
            "TRUSTWATCH_PSEUDONYM_SECRET",
            "TRUSTWATCH_TORCH_THREADS",
            "OMP_NUM_THREADS",
            "TOKENIZERS_PARALLELISM",
            *(["TRUSTWATCH_CLASSIFIER"] if classifier else []),
        )
    }


def _wait(what: str, probe, timeout: float, every: float = 1.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def _delivery(n: int, run: str):  # type: ignore[no-untyped-def]
    from trustwatch.receiver import samples

    now = dt.datetime.now(dt.UTC)
    comment = samples.facebook_comment(
        page_id=PAGE,
        post_id=f"{PAGE}_{run}",
        comment_id=f"tta-{run}-{n}",
        message=TEXTS[n % len(TEXTS)] + f" ({n})",
        from_id=str(7_000_000 + n),
        from_name=f"Sender {n}",
        at=now,
    )
    body = samples.facebook_delivery(PAGE, [comment], now)
    return comment["value"]["comment_id"], body


def _event_path(args: argparse.Namespace, work: Path, env: dict[str, str], smtp_port: int):
    import httpx
    import redis
    from sqlalchemy import create_engine, text

    from trustwatch.pipeline.airflow_home import DAGS_FOLDER
    from trustwatch.pipeline.local_airflow import LocalAirflow
    from trustwatch.receiver import samples
    from trustwatch.receiver.launch import free_port, start_receiver

    channel = f"trustwatch.tta.{uuid.uuid4().hex[:8]}"
    dags = work / "dags"
    dags.mkdir()
    shutil.copy(DAGS_FOLDER / "ingest_events.py", dags / "ingest_events.py")
    full_env = {
        **env,
        "AIRFLOW_CONN_TRUSTWATCH_REDIS": "redis://127.0.0.1:6379?db=0",
        "TRUSTWATCH_INBOUND_CHANNEL": channel,
        "TRUSTWATCH_RETRY_DELAY_SECONDS": "2",
        "TRUSTWATCH_SMTP_HOST": "127.0.0.1",
        "TRUSTWATCH_SMTP_PORT": str(smtp_port),
        "TRUSTWATCH_SMTP_SECURITY": "none",
        "TRUSTWATCH_FACEBOOK_APP_SECRET": SECRET,
        "TRUSTWATCH_FACEBOOK_VERIFY_TOKEN": "benchmark-verify-token",
    }
    airflow = LocalAirflow(work / "airflow", dags, args.metadata_url, extra_env=full_env)
    port = free_port()
    receiver = None
    meta = create_engine(args.metadata_url)
    sent: dict[str, dt.datetime] = {}
    answer_ms: list[float] = []
    run = uuid.uuid4().hex[:6]
    try:
        print("starting Airflow (api-server, scheduler, dag-processor, triggerer)...", flush=True)
        airflow.start()
        receiver = start_receiver(full_env, port, log=work / "receiver.log")
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        _wait("the watcher", lambda: client.pubsub_numsub(channel)[0][1] > 0, 600)

        def scheduled_done() -> bool:
            with meta.connect() as conn:
                states = conn.execute(text("select state from dag_run")).scalars().all()
            return bool(states) and all(s in ("success", "failed") for s in states)

        _wait("the first scheduled run", scheduled_done, 600)
        print(f"posting {args.events} deliveries at ~{args.rate}/s...", flush=True)
        rng = random.Random(24)
        with httpx.Client(timeout=30.0) as http:
            for n in range(args.events):
                comment_id, body = _delivery(n, run)
                raw, headers = samples.signed_facebook(body, SECRET)
                started = time.perf_counter()
                at = dt.datetime.now(dt.UTC)
                answer = http.post(
                    f"http://127.0.0.1:{port}/webhooks/facebook", content=raw, headers=headers
                )
                answer_ms.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"the receiver answered {answer.status_code}: {answer.text}")
                sent[comment_id] = at
                time.sleep(rng.expovariate(args.rate))
        print("waiting for every alert and email...", flush=True)
        from sqlalchemy import func, select

        from trustwatch.db.engine import make_engine, session_scope
        from trustwatch.db.models import InboundEvent

        warehouse = make_engine(env["TRUSTWATCH_WAREHOUSE_URL"])

        def drained() -> bool:
            with session_scope(warehouse) as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(InboundEvent)
                    .where(InboundEvent.processed_at.is_(None))
                )
            return left == 0

        _wait("every event to be processed", drained, args.timeout, every=2.0)
        time.sleep(30)  # let the last run's alert and notify tasks finish
        with meta.connect() as conn:
            runs = conn.execute(
                text("select run_type, count(*) from dag_run group by run_type")
            ).all()
            hops = conn.execute(
                text(
                    "select dr.queued_at, ti.queued_dttm, ti.start_date, ti.end_date "
                    "from dag_run dr join task_instance ti "
                    "on ti.dag_id = dr.dag_id and ti.run_id = dr.run_id "
                    "where ti.task_id = 'process_events' and ti.start_date is not null "
                    "order by ti.start_date"
                )
            ).all()
            fired = conn.execute(text("select timestamp from asset_event order by 1")).scalars()
            timeline = {"runs": [tuple(r) for r in hops], "asset_events": list(fired)}
    finally:
        if receiver is not None:
            receiver.kill()
            receiver.wait()
        airflow.stop()
        meta.dispose()
    return sent, answer_ms, dict(runs), timeline


def _stages(url: str, sent: dict[str, dt.datetime], timeline: dict) -> list[tuple[str, list]]:
    """Where each event's seconds went, from the warehouse's and Airflow's own timestamps.

    An event that arrived while no `ingest_events` task was running waited for one: the
    triggerer's asset event (receiver -> Redis -> watcher fires), the scheduler creating
    the run, the task queued, the executor starting it, then the task's start-up and any
    earlier rounds until the round that took it (`inbound_events.processed_at` is the
    round's clock). An event that arrived while a task ran waited only for its next
    round. Then the round's load + score + alert (`alerts.created_at`) and the email.
    """
    from sqlalchemy import func, select

    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.models import Alert, InboundEvent, Item, Notification

    engine = make_engine(url)
    with session_scope(engine) as session:
        query = select(InboundEvent.object_id, InboundEvent.processed_at)
        taken = {key: at for key, at in session.execute(query)}
        alerted = dict(
            session.execute(
                select(Item.external_id, func.min(Alert.created_at))
                .join(Alert, Alert.item_id == Item.item_id)
                .group_by(Item.external_id)
            ).all()
        )
        mailed = dict(
            session.execute(
                select(Item.external_id, func.min(Notification.sent_at))
                .join(Alert, Alert.item_id == Item.item_id)
                .join(Notification, Notification.alert_id == Alert.alert_id)
                .where(Notification.status == "sent")
                .group_by(Item.external_id)
            ).all()
        )
    engine.dispose()

    def utc(value):  # type: ignore[no-untyped-def]
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)

    runs = [tuple(utc(v) for v in run) for run in timeline["runs"]]
    fired = [utc(v) for v in timeline["asset_events"]]
    names = (
        "waited for a run: watcher fired (asset event)",
        "  asset event -> scheduler queued the run",
        "  run queued -> task queued",
        "  task queued -> task process started",
        "  task started -> its round began (start-up)",
        "arrived mid-run: waited for the next round",
        "round: load + score + alert",
        "alert -> email sent",
    )
    out: dict[str, list[float]] = {name: [] for name in names}
    for key, at in sent.items():
        done = utc(taken.get(key))
        if done is None:
            continue
        run = next((r for r in runs if r[2] and r[2] <= done and (not r[3] or done <= r[3])), None)
        if run is None:
            continue
        queued_at, ti_queued, ti_start, _ = run
        if ti_start > at:
            fire = next((f for f in fired if f >= at), None)
            if fire is not None and fire <= queued_at:
                out[names[0]].append((fire - at).total_seconds())
                out[names[1]].append((queued_at - fire).total_seconds())
            out[names[2]].append((ti_queued - queued_at).total_seconds())
            out[names[3]].append((ti_start - ti_queued).total_seconds())
            out[names[4]].append((done - ti_start).total_seconds())
        else:
            out[names[5]].append((done - at).total_seconds())
        if alerted.get(key):
            out[names[6]].append((utc(alerted[key]) - done).total_seconds())
            if mailed.get(key):
                out[names[7]].append((utc(mailed[key]) - utc(alerted[key])).total_seconds())
    return list(out.items())


def _latencies(url: str, sent: dict[str, dt.datetime]):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.models import Alert, Item, Notification

    engine = make_engine(url)
    with session_scope(engine) as session:
        alerts = session.execute(
            select(Item.external_id, func.min(Alert.created_at))
            .join(Alert, Alert.item_id == Item.item_id)
            .group_by(Item.external_id)
        ).all()
        sends = session.execute(
            select(Item.external_id, func.min(Notification.sent_at))
            .join(Alert, Alert.item_id == Item.item_id)
            .join(Notification, Notification.alert_id == Alert.alert_id)
            .where(Notification.status == "sent")
            .group_by(Item.external_id)
        ).all()
    to_alert = [(at - sent[key]).total_seconds() for key, at in alerts if key in sent]
    to_notify = [(at - sent[key]).total_seconds() for key, at in sends if key in sent and at]
    return to_alert, to_notify


def _hourly_batch(work: Path, sent: dict[str, dt.datetime], run: str) -> float:
    """Time the hourly chain's steps over the same events, in-process (D)."""
    from trustwatch.pipeline import runtime
    from trustwatch.pipeline.classify_step import classify_pending
    from trustwatch.pipeline.events_step import ingest_inbound
    from trustwatch.pipeline.notify_step import notify_alerts
    from trustwatch.pipeline.runtime import Window
    from trustwatch.pipeline.sla_step import compute_response_sla, refresh_alerts
    from trustwatch.receiver import events as ev
    from trustwatch.receiver.store import store_delivery
    from trustwatch.settings import get_settings

    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = f"sqlite:///{work / 'hourly.sqlite'}"
    get_settings.cache_clear()
    engine = runtime.engine()
    assert str(engine.url).endswith("hourly.sqlite"), engine.url
    window = dt.timedelta(days=1)
    for n, key in enumerate(sent):
        _, body = _delivery(n, run)
        body["entry"][0]["changes"][0]["value"]["comment_id"] = key
        now = dt.datetime.now(dt.UTC)
        split = ev.facebook_events(body, now=now, max_age=window, skew=window)
        store_delivery(engine, split.events, delivery_sha256=uuid.uuid4().hex, now=now)
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    hour = Window(now - dt.timedelta(hours=1), now + dt.timedelta(seconds=1))
    ingest_inbound(hour)
    classify_pending(hour)
    compute_response_sla(hour)
    refresh_alerts(hour)
    notify_alerts(Window(now, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)))
    return time.perf_counter() - started


def main() -> int:
    args = _arguments()
    if not args.metadata_url:
        print(
            "error: no PostgreSQL for Airflow's metadata. Fix: pass --metadata-url or set "
            "TRUSTWATCH_TEST_POSTGRES_URL (e.g. postgresql+psycopg2://postgres@127.0.0.1/postgres)",
            file=sys.stderr,
        )
        return 2
    from aiosmtpd.controller import Controller
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from trustwatch.receiver.launch import free_port

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
            Sink.count += 1
            return "250 OK"

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="trustwatch-tta-"))
    server = args.metadata_url
    name = f"trustwatch_tta_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    args.metadata_url = make_url(server).set(database=name).render_as_string(hide_password=False)
    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    os.environ.update(
        {
            "TRUSTWATCH_SMTP_HOST": "127.0.0.1",
            "TRUSTWATCH_SMTP_PORT": str(smtp_port),
            "TRUSTWATCH_SMTP_SECURITY": "none",
        }
    )
    started = time.perf_counter()
    try:
        env = _prepare(work, args.classifier)
        sent, answer_ms, runs, timeline = _event_path(args, work, env, smtp_port)
        to_alert, to_notify = _latencies(env["TRUSTWATCH_WAREHOUSE_URL"], sent)
        stages = _stages(env["TRUSTWATCH_WAREHOUSE_URL"], sent, timeline)
        load_after = os.getloadavg()
        run = next(iter(sent)).split("-")[1]
        batch = _hourly_batch(work, sent, run)
        hourly = []
        for at in sent.values():
            next_run = at.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
            hourly.append((next_run - at).total_seconds() + batch)
        # These deliveries all came within a few minutes of one clock hour; real posts
        # arrive at any minute, so the same D over arrivals spread evenly over the hour:
        spread = [(1 - (i + 0.5) / len(sent)) * 3600 + batch for i in range(len(sent))]
    finally:
        smtp.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    took = time.perf_counter() - started
    print(f"\ntime to alert over {len(sent)} signed deliveries ({took:.0f}s run)")
    before, after = (" ".join(f"{v:.2f}" for v in la) for la in (load_before, load_after))
    print(f"  load average (1/5/15 min) before: {before}; after: {after}")
    print(f"  receiver answer                        p50 {statistics.median(answer_ms):6.1f} ms  "
          f"p95 {_percentile(answer_ms, 95):6.1f} ms  max {max(answer_ms):6.1f} ms")  # fmt: skip
    print(_row("event path: delivery -> alert row", to_alert))
    print(_row("event path: delivery -> email sent", to_notify))
    print(_row("hourly path, these delivery times", hourly))
    print(_row("hourly path, arrivals over the hour", spread))
    print(f"  hourly chain over the batch (D)        {batch:.1f}s in-process")
    print("  where the event path's seconds went (per event):")
    for name, values in stages:
        print("  " + _row(name, values))
    print(f"  ingest_events runs: {runs}; emails received: {Sink.count}")
    print(f"  alerts for {len(to_alert)} of {len(sent)} events (the rest: not flagged)")
    target = _percentile(to_alert, 95) <= 120 if to_alert else False
    print(f"  target p95 <= 120 s for the event path: {'met' if target else 'NOT met'}")
    if args.keep:
        print(f"  kept: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
