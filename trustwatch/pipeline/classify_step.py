"""The classify DAG's step: score every pending item with the default model.

The model is loaded once per process (a worker or the demo runs many tasks in one
interpreter); every item without a score from the current model version is scored, so
a rerun finds nothing pending and writes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.pipeline.runtime import Window, engine


@lru_cache(maxsize=1)
def default_classifier() -> Any:
    from classifiers import load_default

    return load_default()


def classify_pending(window: Window, classifier: Any = None) -> dict[str, Any]:
    """Score pending items; `classifier` is any `classifiers.protocol.Classifier`."""
    from classifiers.job import classify_items

    model = classifier if classifier is not None else default_classifier()
    with session_scope(engine()) as session:
        summary = classify_items(session, model)
    return {
        "as_of": window.end.isoformat(),
        "model_version": summary.model_version,
        "items_scored": summary.items_scored,
        "rows_written": summary.rows_written,
        "above_threshold": dict(summary.above_threshold),
    }
