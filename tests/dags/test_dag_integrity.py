"""DAG policy: every DAG imports, is documented, owned, retried, tagged and scheduled
as the README says, and the assets link them in the documented chain."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trustwatch.pipeline.airflow_home import DAGS_FOLDER
from trustwatch.pipeline.defaults import OWNER, RETRIES

EXPECTED_DAGS = {
    "ingest_x",
    "ingest_reddit",
    "ingest_facebook",
    "classify",
    "sla_and_alerts",
    "warehouse_checks",
    "warehouse_checks_daily",
    "notify",
    "notify_digest",
    "report_weekly",
    "retention_daily",
    "ingest_events",
    "ingest_reddit_inbox",
    "model_retrain",
}


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_expected_dags_present(dagbag) -> None:
    assert set(dagbag.dag_ids) >= EXPECTED_DAGS


def test_every_dag_follows_policy(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags and "trustwatch" in dag.tags, dag_id
        assert dag.catchup is False, dag_id
        assert dag.start_date is not None and dag.start_date.utcoffset().total_seconds() == 0
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        for task in dag.tasks:
            assert task.owner == OWNER, (dag_id, task.task_id)
            assert task.retries >= 2 and task.retries == RETRIES, (dag_id, task.task_id)
            assert task.retry_exponential_backoff, (dag_id, task.task_id)
            assert task.execution_timeout is not None, (dag_id, task.task_id)


def test_no_cycles(dagbag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle() if hasattr(dag, "check_cycle") else None
        order = dag.topological_sort()
        assert len(order) == len(dag.tasks)


@pytest.mark.parametrize("platform", ["x", "reddit", "facebook"])
def test_ingest_is_hourly_and_mapped(dagbag, platform: str) -> None:
    dag = dagbag.get_dag(f"ingest_{platform}")
    assert dag.timetable.expression == "0 * * * *"
    assert dag.timetable.interval.total_seconds() == 3600
    mapped = dag.get_task("ingest_partition")
    if platform != "x":  # X has no comment streams
        assert dag.get_task("ingest_child_partition").outlets == mapped.outlets
    assert mapped.map_index_template == "{{ partition_label }}"
    assert [o.name for o in mapped.outlets] == ["trustwatch_items"]
    assert dag.get_task("summarise").trigger_rule == "all_done"
    if platform in {"x", "reddit"}:
        assert mapped.max_active_tis_per_dag == 1


def _schedule_assets(dag) -> set[str]:
    condition = dag.timetable.asset_condition
    return {asset.name for asset in getattr(condition, "objects", [condition])}


def test_asset_chain(dagbag) -> None:
    assert _schedule_assets(dagbag.get_dag("classify")) == {"trustwatch_items"}
    assert _schedule_assets(dagbag.get_dag("sla_and_alerts")) == {"trustwatch_classifications"}
    assert dagbag.get_dag("sla_and_alerts").timetable.timetable.expression == "0 * * * *"
    assert _schedule_assets(dagbag.get_dag("warehouse_checks")) == {"trustwatch_alerts"}
    assert _schedule_assets(dagbag.get_dag("notify")) == {"trustwatch_alerts"}
    outlets = {
        (dag_id, task.task_id): [o.name for o in task.outlets]
        for dag_id, dag in dagbag.dags.items()
        for task in dag.tasks
        if task.outlets
    }
    assert outlets[("classify", "classify_items")] == ["trustwatch_classifications"]
    assert outlets[("sla_and_alerts", "compute_sla")] == ["trustwatch_response_sla"]
    assert outlets[("sla_and_alerts", "refresh_alerts")] == ["trustwatch_alerts"]
    assert outlets[("warehouse_checks", "run_checks")] == ["trustwatch_checks"]


@pytest.mark.parametrize("path", sorted(DAGS_FOLDER.glob("*.py")), ids=lambda p: p.name)
def test_dag_file_imports_nothing_heavy(path) -> None:
    """Parsing a DAG file (in a fresh interpreter) must not load the model, GX or pandas:
    the DAG processor parses every file every few seconds. Speed: benchmarks/dag_parse.py."""
    code = (
        "import sys, runpy\n"
        "import airflow.sdk\n"
        "before = set(sys.modules)\n"
        f"runpy.run_path({str(path)!r})\n"
        "heavy = ('torch', 'transformers', 'great_expectations', 'pandas', 'classifiers',"
        " 'trustwatch.db', 'trustwatch.quality', 'connectors')\n"
        "print(','.join(sorted(m for m in set(sys.modules) - before if m.startswith(heavy))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip().splitlines()[-1:] in ([], [""])


@pytest.mark.parametrize(
    ("dag_id", "cron", "zone"),
    [
        ("notify_digest", "0 16 * * *", "Europe/London"),
        ("report_weekly", "0 7 * * 1", "Europe/London"),
        ("retention_daily", "30 2 * * *", "UTC"),
        ("model_retrain", "0 3 * * 0", "UTC"),
        ("warehouse_checks_daily", "15 3 * * *", "UTC"),
    ],
)
def test_calendar_dags_keep_their_documented_schedule(
    dagbag, dag_id: str, cron: str, zone: str
) -> None:
    timetable = dagbag.get_dag(dag_id).timetable
    assert timetable.expression == cron
    assert (
        str(timetable.timezone.name if hasattr(timetable.timezone, "name") else timetable.timezone)
        == zone
    )
