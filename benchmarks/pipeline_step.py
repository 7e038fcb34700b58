"""What one simulated pipeline step costs through `dag.test()` (chooses the demo cadence).

Runs the six-DAG chain (3 ingest, classify, sla_and_alerts, warehouse_checks) on the replay
corpus in a throwaway var dir: daily steps from a busy school day (the first carries the
whole backlog), then hourly steps two days later; prints seconds per DAG and per step.
Uses the committed classifier unless TRUSTWATCH_CLASSIFIER names another factory.

    .venv/bin/python benchmarks/pipeline_step.py [--steps 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="trustwatch-bench-"))
    os.environ["TRUSTWATCH_VAR_DIR"] = str(home)
    os.environ.setdefault("TRUSTWATCH_INGEST_SOURCE", "replay")
    from trustwatch.pipeline.airflow_home import configure

    configure(home / "airflow")
    from trustwatch.cli import main as cli_main
    from trustwatch.pipeline import simulation
    from trustwatch.pipeline.airflow_home import migrate_metadata
    from trustwatch.pipeline.classify_step import CLASSIFIER_ENV, load_classifier

    cli_main(["init"])
    migrate_metadata()
    dags = simulation.load_dags()
    started = time.perf_counter()
    load_classifier(os.environ.get(CLASSIFIER_ENV, "").strip())
    print(f"classifier load: {time.perf_counter() - started:.1f} s")
    busy = dt.datetime(2026, 11, 17, 12, tzinfo=dt.UTC)
    rows = []
    for label, first, step in (
        ("daily (busy, first has the backlog)", busy, dt.timedelta(days=1)),
        ("hourly, from two days later", busy + dt.timedelta(days=2), dt.timedelta(hours=1)),
    ):
        for i in range(args.steps):
            result = simulation.run_chain(dags, first + i * step)
            total = sum(result.seconds.values())
            rows.append((label, total))
            detail = " ".join(f"{k}={v:.1f}" for k, v in result.seconds.items())
            print(f"{label:<36} {total:6.1f} s  {detail}  failed={result.failed}", flush=True)
    for label in dict.fromkeys(r[0] for r in rows):
        times = [t for name, t in rows if name == label][1:] or [0.0]
        print(f"median step, {label}, excluding the first: {statistics.median(times):.1f} s")
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
