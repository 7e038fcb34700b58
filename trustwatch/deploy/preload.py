"""Load the classifier once per worker, not once per classify task.

Airflow 3 runs every task in a fresh process: the Celery worker (or, under the
LocalExecutor, an executor process forked from the scheduler) forks a supervisor child,
which runs the task. A model cached inside the task process dies with it, so each
classify task paid the load again (7-52 s on a busy machine). Loaded in the process that
does the forking, the model is inherited by every task process (copy-on-write pages:
one load, one copy in memory per worker).

`install()` runs from `airflow_local_settings.py` (written by `trustwatch airflow start`)
in every Airflow process and acts only in two:

- `airflow celery worker`: loads in the worker's main process when Celery starts it
  (`worker_init`), before the pool forks its children;
- `airflow scheduler` under the LocalExecutor: loads at once, before the executor forks
  its worker processes.

The event path's modules are imported there too (`EVENT_PATH_MODULES`: Great Expectations,
the parsers, the alert engine, the mailer). An `ingest_events` run is one task: before,
each run paid ~10 s of imports and ~20 s of model load on the busy development machine
before its first event (benchmarks/time_to_alert.py), which was most of the time to alert.

Torch is safe to fork here because nothing has run inference yet (no intra-op thread
pool exists) and tasks run one torch thread each (TRUSTWATCH_TORCH_THREADS=1).
TRUSTWATCH_PRELOAD_CLASSIFIER=0 turns it off.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

PRELOAD_ENV = "TRUSTWATCH_PRELOAD_CLASSIFIER"

log = logging.getLogger(__name__)


def role(argv: Sequence[str], executor: str) -> str | None:
    """Which forking process this is: "celery-worker", "local-scheduler" or None."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    if args[:2] == ["celery", "worker"]:
        return "celery-worker"
    if args[:1] == ["scheduler"] and executor.rsplit(".", 1)[-1] == "LocalExecutor":
        return "local-scheduler"
    return None


# Imported before the fork, so a task process finds them in sys.modules. None of them
# starts a thread or opens a connection at import (forking after either is unsafe).
EVENT_PATH_MODULES = (
    "great_expectations",
    "trustwatch.quality.runner",
    "trustwatch.pipeline.ingest_step",
    "trustwatch.inbound.process",
    "trustwatch.alerts.engine",
    "trustwatch.pipeline.notify_step",
    "trustwatch.pipeline.events_step",
    "classifiers.job",
)


def preload() -> None:
    """Import the event path's modules and load the configured classifier into this
    process's cache (the load is logged with the pid)."""
    import importlib
    import time

    started = time.perf_counter()
    for name in EVENT_PATH_MODULES:
        importlib.import_module(name)
    log.info("event path modules imported in %.1fs", time.perf_counter() - started)
    from trustwatch.pipeline.classify_step import CLASSIFIER_ENV, load_classifier

    load_classifier(os.environ.get(CLASSIFIER_ENV, "").strip())


def install(argv: Sequence[str] | None = None) -> str | None:
    """Arrange the preload for this process if it forks tasks; the role acted on."""
    if os.environ.get(PRELOAD_ENV, "1").strip() == "0":
        return None
    executor = os.environ.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    found = role(sys.argv if argv is None else argv, executor)
    if found == "celery-worker":
        from celery.signals import worker_init

        worker_init.connect(_on_worker_init, weak=False)
    elif found == "local-scheduler":
        preload()
    return found


def _on_worker_init(**_: object) -> None:
    preload()
