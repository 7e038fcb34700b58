"""The Airflow Assets that link trustwatch's DAGs, defined once.

The chain is ingest -> classify -> sla -> alerts -> checks: each DAG declares the asset
it updates as an outlet, and the next DAG is scheduled on it. Only DAG files import this
module (it needs `airflow.sdk`); the package code never does.
"""

from __future__ import annotations

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
