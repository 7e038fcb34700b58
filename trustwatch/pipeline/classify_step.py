"""The classify DAG's step: score every pending item with the configured model.

The model is loaded once per process (a worker or the demo runs many tasks in one
interpreter); every item without a score from the current model version is scored, so
a rerun finds nothing pending and writes nothing.

`TRUSTWATCH_CLASSIFIER` may name another `classifiers.protocol.Classifier` factory as
`module:callable` (an alternative model, or a small stand-in in DAG tests); unset means
`classifiers.load_default()`, the committed model.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.errors import ConfigError
from trustwatch.pipeline.runtime import Window, engine

CLASSIFIER_ENV = "TRUSTWATCH_CLASSIFIER"
JOB = "classify"


@lru_cache(maxsize=4)
def load_classifier(spec: str = "") -> Any:
    from classifiers.protocol import Classifier

    if not spec:
        from classifiers import load_default

        return load_default()
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
    }
