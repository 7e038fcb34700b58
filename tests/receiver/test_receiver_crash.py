"""A receiver SIGKILLed while deliveries are in flight loses nothing.

The receiver runs as production runs it (`trustwatch receive`, its own uvicorn process).
A sender posts signed deliveries from several threads and, like the platforms, sends
again whatever was not acknowledged. The receiver is killed twice mid-stream and
restarted. Every event sent must end up in `inbound_events` exactly once: acknowledged
ones because they were committed before the answer, the others because the retry
stores them (or, if the kill fell between commit and answer, finds them stored and
answers 409 for the replayed body).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import InboundEvent
from trustwatch.receiver import samples
from trustwatch.receiver.launch import free_port, start_receiver

SECRET = "crash-test-app-secret"
PAGE = "100000000000101"
DELIVERIES = 120


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    now = dt.datetime.now(dt.UTC)
    changes = [
        samples.facebook_comment(
            page_id=PAGE,
            post_id=f"{PAGE}_1",
            comment_id=f"crash-{n}-{k}",
            message=f"comment {n}.{k}",
            from_id="4242",
            from_name="Sender",
            at=now,
        )
        for k in range(3)
    ]
    return samples.signed_facebook(samples.facebook_delivery(PAGE, changes, now), SECRET)


@pytest.mark.slow
def test_sigkill_mid_delivery_loses_nothing(sqlite_url, sqlite_engine, tmp_path) -> None:
    port = free_port()
    env = {
        "TRUSTWATCH_WAREHOUSE_URL": sqlite_url,
        "TRUSTWATCH_FACEBOOK_APP_SECRET": SECRET,
        "TRUSTWATCH_FACEBOOK_VERIFY_TOKEN": "crash-test-verify",
        "TRUSTWATCH_INBOUND_CHANNEL": f"trustwatch.crash.{os.getpid()}",
    }
    log = tmp_path / "receiver.log"
    bodies = [_delivery(n) for n in range(DELIVERIES)]
    acknowledged: set[int] = set()
    lock = threading.Lock()
    url = f"http://127.0.0.1:{port}/webhooks/facebook"

    def send(n: int) -> None:
        body, headers = bodies[n]
        try:
            answer = httpx.post(url, content=body, headers=headers, timeout=10.0)
        except httpx.HTTPError:
            return  # connection refused or reset by the kill: the sender will retry
        if answer.status_code in (200, 409):
            with lock:
                acknowledged.add(n)

    receiver = start_receiver(env, port, log=log)
    kills = 0
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(send, n) for n in range(DELIVERIES)]
            for cut in (DELIVERIES // 3, 2 * DELIVERIES // 3):
                while True:
                    with lock:
                        if len(acknowledged) >= cut:
                            break
                    if all(f.done() for f in futures):
                        break
                    time.sleep(0.005)
                receiver.send_signal(signal.SIGKILL)
                receiver.wait()
                kills += 1
                receiver = start_receiver(env, port, log=log)
            for future in futures:
                future.result()
        missing = [n for n in range(DELIVERIES) if n not in acknowledged]
        assert missing, "no delivery was cut by the kills: the test proved nothing"
        for _ in range(3):  # the platforms retry; so does this sender
            for n in [n for n in range(DELIVERIES) if n not in acknowledged]:
                send(n)
        assert len(acknowledged) == DELIVERIES
    finally:
        receiver.kill()
        receiver.wait()
    assert kills == 2
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        stored = set(session.scalars(select(InboundEvent.object_id)))
        rows = session.scalar(select(func.count()).select_from(InboundEvent))
    expected = {f"crash-{n}-{k}" for n in range(DELIVERIES) for k in range(3)}
    assert stored == expected and rows == len(expected)
