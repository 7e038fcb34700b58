"""The Airflow Assets that link trustwatch's DAGs, defined once.

The chain is ingest -> classify -> sla -> alerts -> checks: each DAG declares the asset
it updates as an outlet, and the next DAG is scheduled on it. Only DAG files import this
module (it needs `airflow.sdk`); the package code never does.
"""

from __future__ import annotations

import os

from airflow.sdk import Asset

GROUP = "trustwatch"

ITEMS = Asset(name="trustwatch_items", uri="x-trustwatch://warehouse/items", group=GROUP)
CLASSIFICATIONS = Asset(
    name="trustwatch_classifications", uri="x-trustwatch://warehouse/classifications", group=GROUP
)
RESPONSE_SLA = Asset(
    name="trustwatch_response_sla", uri="x-trustwatch://warehouse/response_sla", group=GROUP
)
ALERTS = Asset(name="trustwatch_alerts", uri="x-trustwatch://warehouse/alerts", group=GROUP)
CHECKS = Asset(
    name="trustwatch_checks", uri="x-trustwatch://warehouse/validation_results", group=GROUP
)

CHAIN = (ITEMS, CLASSIFICATIONS, RESPONSE_SLA, ALERTS, CHECKS)


INBOUND_CHANNEL = "trustwatch.inbound"
CHANNEL_ENV = "TRUSTWATCH_INBOUND_CHANNEL"  # the receiver reads the same variable
REDIS_CONN_ID = "trustwatch_redis"


def inbound_events() -> Asset:
    """The asset a webhook notice updates, watched on Redis pub/sub by the triggerer.

    Built on call, not at import: the common.messaging trigger initialises Airflow's
    providers manager when imported, which only the `ingest_events` DAG should pay for.
    The receiver publishes ids only (`trustwatch.receiver.notice`); the DAG reads the
    events themselves from the `inbound_events` table.
    """
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
    from airflow.sdk import AssetWatcher

    trigger = MessageQueueTrigger(
        scheme="redis+pubsub",
        channels=[os.environ.get(CHANNEL_ENV, INBOUND_CHANNEL)],
        redis_conn_id=REDIS_CONN_ID,
        poll_interval=1,
    )
    return Asset(
        name="trustwatch_inbound_events",
        uri="x-trustwatch://warehouse/inbound_events",
        group=GROUP,
        watchers=[AssetWatcher(name="trustwatch_inbound_notices", trigger=trigger)],
    )
