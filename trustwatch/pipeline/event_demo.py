"""The demo's event segment: webhook deliveries replayed at a real receiver, time to alert.

Recorded-shape deliveries (a Pages `feed` comment batch and an Account Activity
`tweet_create_events` batch, invented words) are signed with a demo secret exactly as
Facebook and X sign them and posted to `trustwatch receive`, running as its own
process over the demo's warehouse. A badly signed copy and a replay are sent too, to
show the refusals. Then the `ingest_events` DAG's steps run (in-process, as the rest of
the demo runs its DAGs without a scheduler) and the time from each delivery to its
alert row is printed. No email is sent: the demo has no SMTP server.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from typing import Any

DEMO_FB_SECRET = "demo-facebook-app-secret"
DEMO_X_SECRET = "demo-x-consumer-secret"
OAKFIELD_PAGE = "100000000000101"
MILLBROOK_X = "1500000000000000002"

COMMENTS = (
    ("my daughter says a boy in year 8 hits her every break and she is scared to go in", "fb"),
    ("Lovely harvest festival this morning, thank you all", "fb"),
    ("I want to hurt myself and nobody at school listens", "fb"),
)
TWEETS = (
    "@MillbrookHigh someone said he will bring a knife to school tomorrow",
    "@MillbrookHigh what time does the open evening start?",
)


def _deliveries(now: dt.datetime) -> list[tuple[str, bytes, dict[str, str], list[str]]]:
    from trustwatch.receiver import samples

    changes = [
        samples.facebook_comment(
            page_id=OAKFIELD_PAGE,
            post_id=f"{OAKFIELD_PAGE}_4400000001",
            comment_id=f"4400000001_{9000 + n}",
            message=text,
            from_id=str(8800 + n),
            from_name=f"Demo Parent {n}",
            at=now,
        )
        for n, (text, _) in enumerate(COMMENTS)
    ]
    fb_body, fb_headers = samples.signed_facebook(
        samples.facebook_delivery(OAKFIELD_PAGE, changes, now), DEMO_FB_SECRET
    )
    tweets = [
        samples.tweet(
            tweet_id=str(1_870_000_000_000_000_000 + n),
            text=text,
            user_id=str(990 + n),
            screen_name=f"demo_user_{n}",
            name=f"Demo User {n}",
            at=now,
            mentions=[(MILLBROOK_X, "MillbrookHigh")],
        )
        for n, text in enumerate(TWEETS)
    ]
    x_body, x_headers = samples.signed_x(samples.x_delivery(MILLBROOK_X, tweets), DEMO_X_SECRET)
    return [
        ("facebook", fb_body, fb_headers, [c["value"]["comment_id"] for c in changes]),
        ("x", x_body, x_headers, [t["id_str"] for t in tweets]),
    ]


def run_event_segment(warehouse_url: str) -> dict[str, Any]:
    """Post the deliveries, run the event path, print and return what happened."""
    import httpx
    from sqlalchemy import func, select

    from trustwatch.db.engine import get_engine, session_scope
    from trustwatch.db.models import Alert, InboundRejection, Item
    from trustwatch.pipeline.events_step import run_event_path
    from trustwatch.pipeline.runtime import Window
    from trustwatch.receiver.launch import free_port, start_receiver

    port = free_port()
    env = {
        "TRUSTWATCH_WAREHOUSE_URL": warehouse_url,
        "TRUSTWATCH_FACEBOOK_APP_SECRET": DEMO_FB_SECRET,
        "TRUSTWATCH_FACEBOOK_VERIFY_TOKEN": "demo-verify-token",
        "TRUSTWATCH_X_CONSUMER_SECRET": DEMO_X_SECRET,
    }
    print("\nevent path: webhook deliveries at `trustwatch receive`", flush=True)
    receiver = start_receiver(env, port)
    sent: dict[str, float] = {}
    try:
        base = f"http://127.0.0.1:{port}/webhooks"
        crc = httpx.get(f"{base}/x", params={"crc_token": "demo-crc"}).json()
        print(f"  X CRC challenge answered: {crc['response_token'][:20]}...")
        for platform, body, headers, ids in _deliveries(dt.datetime.now(dt.UTC)):
            at = time.time()
            answer = httpx.post(f"{base}/{platform}", content=body, headers=headers)
            sent.update(dict.fromkeys(ids, at))
            print(f"  {platform:<8} signed delivery of {len(ids)} events -> {answer.status_code}")
            again = httpx.post(f"{base}/{platform}", content=body, headers=headers)
            forged = dict(headers)
            forged[next(k for k in forged if "ignature" in k)] = "sha256=forged"
            bad = httpx.post(f"{base}/{platform}", content=body, headers=forged)
            print(f"  {platform:<8} replayed -> {again.status_code}; forged -> {bad.status_code}")
    finally:
        receiver.kill()
        receiver.wait()
    now = dt.datetime.now(dt.UTC)
    result = run_event_path(Window(now, now), notify=False)
    engine = get_engine(warehouse_url)
    with session_scope(engine) as session:
        alerts = session.execute(
            select(Item.external_id, Alert.alert_type, Alert.severity, func.min(Alert.created_at))
            .join(Alert, Alert.item_id == Item.item_id)
            .where(Item.external_id.in_(list(sent)))
            .group_by(Item.external_id, Alert.alert_type, Alert.severity)
        ).all()
        refusals = session.scalar(select(func.count()).select_from(InboundRejection))
    waits = [created.timestamp() - sent[key] for key, _, _, created in alerts]
    print(
        f"  loaded {result['ingest']['loaded']} items, scored {result['classify']['items_scored']}"
        f", raised {len(alerts)} alerts; {refusals} refusals audited"
    )
    for key, kind, severity, _ in alerts:
        print(f"    {severity:<8} {kind:<13} item {key}")
    if waits:
        print(
            f"  time to alert from delivery: median {statistics.median(waits):.1f}s, "
            f"max {max(waits):.1f}s (hourly path: up to an hour; "
            "benchmarks/time_to_alert.py measures both under Airflow)"
        )
    return {"alerts": len(alerts), "waits": waits, "refusals": refusals}
