"""The model_retrain DAG's step: retrain from verdicts, promote only by the declared rule."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from trustwatch.db.engine import session_scope
from trustwatch.pipeline.runtime import Window, engine

DATASETS_ENV = "TRUSTWATCH_DATASETS"


def retrain_from_verdicts(window: Window) -> dict[str, Any]:
    """One retraining run as of the window's end; its outcome (counts, no text) for XCom."""
    from trustwatch.model_versions import retrain

    data = os.environ.get(DATASETS_ENV)
    data_dir = Path(data) if data and (Path(data) / "olid").is_dir() else None
    with session_scope(engine()) as session:
        outcome = retrain(session, now=window.end, data_dir=data_dir)
    return {"as_of": window.end.isoformat(), **outcome.as_dict()}
