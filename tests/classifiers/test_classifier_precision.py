"""Choosing the inference precision, and the bf16 fast path's agreement with float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from classifiers.inference import TransformerClassifier
from classifiers.precision import (
    BF16_TOLERANCE,
    PRECISION_ENV,
    Bf16Linear,
    is_bf16_product,
    native_bf16,
    resolve_precision,
)
from classifiers.training.school import SCHOOL_DIR
from trustwatch.errors import UserError


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 avx2 {flags}\n", encoding="utf-8")
    return path


def test_native_bf16_reads_the_cpu_flags(tmp_path: Path) -> None:
    assert native_bf16(_cpuinfo(tmp_path, "avx512f avx512_bf16"))
    assert native_bf16(_cpuinfo(tmp_path, "amx_bf16 amx_tile"))
    assert not native_bf16(_cpuinfo(tmp_path, "avx512f avx512bw"))
    assert not native_bf16(tmp_path / "missing")


@pytest.mark.parametrize(
    ("name", "fast"),
    [
        ("encoder.encoder.layer.0.attention.self.query", False),
        ("encoder.encoder.layer.0.attention.self.value", False),
        ("encoder.encoder.layer.5.attention.output.dense", True),
        ("encoder.encoder.layer.3.intermediate.dense", True),
        ("encoder.encoder.layer.3.output.dense", True),
        ("encoder.pooler.dense", False),
        ("heads.heads.safeguarding", False),
        ("encoder.embeddings.word_embeddings", False),
    ],
)
def test_only_the_products_after_attention_run_in_bf16(name: str, fast: bool) -> None:
    assert is_bf16_product(name) is fast


def test_precision_defaults_to_exact_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRECISION_ENV, raising=False)
    assert resolve_precision() == "fp32"
    monkeypatch.setenv(PRECISION_ENV, "BF16")
    assert resolve_precision() == "bf16"
    assert resolve_precision("fp32") == "fp32"  # an argument beats the environment


def test_auto_picks_bf16_only_where_native(tmp_path: Path) -> None:
    assert resolve_precision("auto", _cpuinfo(tmp_path, "avx512f")) == "fp32"
    assert resolve_precision("auto", _cpuinfo(tmp_path, "avx512f avx512_bf16")) == "bf16"


def test_bf16_asked_for_without_native_support_runs_but_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="classifiers.precision"):
        assert resolve_precision("bf16", _cpuinfo(tmp_path, "avx2")) == "bf16"
    assert "emulated" in caplog.text and "precision=bf16" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="classifiers.precision"):
        assert resolve_precision("bf16", _cpuinfo(tmp_path, "amx_bf16")) == "bf16"
    assert caplog.text == ""


def test_unknown_precision_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PRECISION_ENV, "int4")
    with pytest.raises(UserError) as error:
        resolve_precision()
    message = str(error.value)
    assert PRECISION_ENV in message and "'int4'" in message
    assert "fp32, bf16, auto" in message


@pytest.mark.slow
def test_bf16_scores_agree_with_float32_within_a_hundredth(model) -> None:
    texts = pd.read_csv(SCHOOL_DIR / "check.csv")["text"].tolist()
    texts += pd.read_csv(SCHOOL_DIR / "train.csv")["text"].tolist()
    exact = model.predict_proba(texts)
    fast_model = TransformerClassifier(precision="bf16")
    assert fast_model.precision == "bf16" and model.precision == "fp32"
    for layer in fast_model.network.encoder.encoder.layer:
        products = [layer.attention.output.dense, layer.intermediate.dense, layer.output.dense]
        assert all(isinstance(product, Bf16Linear) for product in products)
        attention = layer.attention.self  # the attention scores stay float32
        assert all(type(p) is torch.nn.Linear for p in (attention.query, attention.key))
        assert type(attention.value) is torch.nn.Linear
    # The pooling and the label heads stay float32.
    assert type(fast_model.network.encoder.pooler.dense) is torch.nn.Linear
    assert all(type(head) is torch.nn.Linear for head in fast_model.network.heads.heads.values())
    fast = fast_model.predict_proba(texts)
    assert fast.shape == exact.shape and list(fast.columns) == list(exact.columns)
    assert float((fast - exact).abs().to_numpy().max()) < BF16_TOLERANCE
    assert np.isfinite(fast.to_numpy()).all()
