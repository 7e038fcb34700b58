"""The classify DAG's step: score every pending item with the configured model.

The model is loaded once per process (a worker or the demo runs many tasks in one
interpreter); every item without a score from the current model version is scored, so
a rerun finds nothing pending and writes nothing.

`TRUSTWATCH_CLASSIFIER` may name another `classifiers.protocol.Classifier` factory as
`module:callable` (an alternative model, or a small stand-in in DAG tests); unset means
`classifiers.load_default()`: the version retraining promoted, else the committed model.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from functools import lru_cache
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.errors import ConfigError
from trustwatch.pipeline.runtime import Window, engine

CLASSIFIER_ENV = "TRUSTWATCH_CLASSIFIER"
JOB = "classify"

log = logging.getLogger(__name__)

# Every load in this process's history, inherited across fork: (pid that loaded, seconds).
# A task forked from a worker that preloaded the model sees the worker's pid here.
LOADS: list[tuple[int, float]] = []


# The model object each spec last returned, inherited across fork like LOADS.
_LAST: dict[str, int] = {}


def load_classifier(spec: str = "") -> Any:
    """The configured model; the default follows promotions (`load_default` caches per
    artefact), so a long-lived worker picks up a newly promoted version. Each real load
    (a new model object) is recorded in LOADS with the pid that made it."""
    started = time.perf_counter()
    if spec:
        model = _load_factory(spec)
    else:
        from classifiers import load_default

        model = load_default()
    if _LAST.get(spec) != id(model):
        _LAST[spec] = id(model)
        LOADS.append((os.getpid(), round(time.perf_counter() - started, 2)))
        log.info("classifier loaded by pid %d in %.1fs", os.getpid(), LOADS[-1][1])
    return model


@lru_cache(maxsize=4)
def _load_factory(spec: str) -> Any:
    from classifiers.protocol import Classifier

    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        raise ConfigError(
            f"{CLASSIFIER_ENV}={spec!r} does not name a factory. Fix: use module:callable, "
            "or unset it for the committed model."
        ) from None
    model = factory()
    if not isinstance(model, Classifier):
        raise ConfigError(f"{CLASSIFIER_ENV}={spec!r} did not return a Classifier")
    return model


def classify_pending(window: Window) -> dict[str, Any]:
    """Score every pending item with the configured model; counts for XCom.

    Looks only at items loaded or changed since the last run (mark in `job_cursors`);
    the first run, and the first after the model or flag version changes, walk the whole
    backlog, streamed in pages (see `classifiers.job`).
    """
    from classifiers.job import classify_items
    from classifiers.language import FLAG_VERSION
    from trustwatch.db.models import utcnow
    from trustwatch.warehouse.cursors import OVERLAP, load_cursor, save_cursor

    model = load_classifier(os.environ.get(CLASSIFIER_ENV, "").strip())
    load = model_load()
    log.info(
        "classify in pid %d: model loaded by pid %d (%s), %d load(s) in this process tree",
        load["task_pid"], load["loaded_by_pid"],
        "this task" if load["loaded_here"] else "inherited", load["loads"],
    )  # fmt: skip
    stamp = f"{model.version}|{FLAG_VERSION}"[:64]
    started = utcnow()
    with session_scope(engine()) as session:
        cursor = load_cursor(session, JOB)
        since = cursor.changed_since if cursor and cursor.fingerprint == stamp else None
        summary = classify_items(session, model, changed_since=since)
        save_cursor(
            session, JOB, as_of=window.end, changed_since=started - OVERLAP, fingerprint=stamp
        )
    return {
        "as_of": window.end.isoformat(),
        "model_version": summary.model_version,
        "items_scored": summary.items_scored,
        "items_flagged": summary.items_flagged,
        "rows_written": summary.rows_written,
        "above_threshold": dict(summary.above_threshold),
        "model_load": load,
    }


def model_load() -> dict[str, Any]:
    """Who loaded the model this task uses: measured per task, reported in its XCom."""
    pid, seconds = LOADS[-1]
    return {
        "task_pid": os.getpid(),
        "loaded_by_pid": pid,
        "loaded_here": pid == os.getpid(),
        "load_seconds": seconds,
        "loads": len(LOADS),
    }
