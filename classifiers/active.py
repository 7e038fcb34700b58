"""Which artefact serves: a version promoted by retraining, else the committed one.

Retraining (`classifiers.training.retrain`) writes promoted artefacts under
`<var>/models/<version>/` and records the serving one in `<var>/models/active.json`; the
warehouse's `model_versions` table holds the lineage. Serving reads only this pointer file,
so a classifier process needs no database. `<var>` is `TRUSTWATCH_VAR_DIR` (the setting of
the same name), else the project's `var/`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from classifiers.layout import ARTEFACTS_DIR, DEFAULT_ARTEFACT, read_config

VAR_ENV = "TRUSTWATCH_VAR_DIR"
POINTER = "active.json"
SHIPPED = "shipped"


def models_dir() -> Path:
    """Where promoted artefacts live (not committed: they are this trust's own models)."""
    var = os.environ.get(VAR_ENV)
    root = Path(var) if var else Path(__file__).resolve().parents[1] / "var"
    return root / "models"


def shipped_artefact() -> Path:
    return ARTEFACTS_DIR / DEFAULT_ARTEFACT


def active_artefact() -> Path:
    """The promoted artefact named by the pointer, or the shipped one when there is none.

    A pointer to a folder that no longer exists falls back to the shipped model rather than
    leaving the trust with no classifier; `trustwatch model versions` shows the mismatch.
    """
    pointer = models_dir() / POINTER
    if not pointer.is_file():
        return shipped_artefact()
    record = json.loads(pointer.read_text(encoding="utf-8"))
    path = Path(record.get("path", ""))
    if record.get("version") == SHIPPED or not (path / "config.json").is_file():
        return shipped_artefact()
    return path


def serving_normalisation() -> str | None:
    """The text normalisation the serving model reads with (its config; no weights loaded)."""
    return read_config(active_artefact()).get("text_normalisation")


def serving_hate_rules() -> dict | None:
    """The hate backstop the serving model applies (`classifiers.hate_rules`), if any."""
    return read_config(active_artefact()).get("hate_rules") or None


def set_active(version: str, path: Path | None) -> None:
    """Point serving at `path` (or back at the shipped model when `path` is None)."""
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    record = {"version": version if path else SHIPPED, "path": str(path) if path else ""}
    tmp = directory / (POINTER + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(directory / POINTER)
