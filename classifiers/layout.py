"""Where artefacts live and what their files are called, without importing torch.

Kept apart from `classifiers.artefact` (which loads weights) so light callers, such as the
review app asking which normalisation the serving model reads with, never pull in torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"
DEFAULT_ARTEFACT = "minilm-lora-v1"
CONFIG_FILE = "config.json"


def read_config(artefact_dir: Path) -> dict[str, Any]:
    """The artefact's config.json as a dict."""
    return json.loads((Path(artefact_dir) / CONFIG_FILE).read_text(encoding="utf-8"))
