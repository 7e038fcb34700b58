"""The inference API other parts of trustwatch rely on, against the committed model."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

import classifiers
from classifiers import Classifier, TransformerClassifier
from classifiers.labels import LABELS

pytestmark = pytest.mark.slow

SPORTS_DAY = "Thank you for a lovely sports day"
INSULT = "Mr Jones is a useless fat idiot"


def test_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network access attempted while loading the model")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = TransformerClassifier()
    assert model.predict_proba([SPORTS_DAY]).shape == (1, len(LABELS))


def test_load_default_is_cached_and_satisfies_protocol(model) -> None:
    assert classifiers.load_default() is model
    assert isinstance(model, Classifier)
    assert model.labels == list(LABELS)
    assert set(model.thresholds) == set(LABELS)
    assert len(model.version) == 16


def test_shape_order_and_dtype(model) -> None:
    texts = [SPORTS_DAY, INSULT, "The car park is chaos again at pick-up"]
    proba = model.predict_proba(texts)
    assert isinstance(proba, pd.DataFrame)
    assert list(proba.columns) == model.labels
    assert proba.shape == (3, len(LABELS))
    assert all(dtype == np.float64 for dtype in proba.dtypes)
    assert ((proba >= 0.0) & (proba <= 1.0)).all().all()
    reversed_proba = model.predict_proba(texts[::-1])
    np.testing.assert_allclose(reversed_proba.to_numpy()[::-1], proba.to_numpy(), atol=1e-5)


def test_single_text_and_empty_list(model) -> None:
    one = model.predict_proba([INSULT])
    assert isinstance(one, pd.DataFrame) and one.shape == (1, len(LABELS))
    empty = model.predict_proba([])
    assert isinstance(empty, pd.DataFrame) and empty.shape == (0, len(LABELS))
    assert list(empty.columns) == model.labels


def test_scores_are_deterministic(model) -> None:
    texts = [INSULT, SPORTS_DAY, "I want to kill myself"]
    first = model.predict_proba(texts).to_numpy()
    second = model.predict_proba(texts).to_numpy()
    assert np.array_equal(first, second)
    fresh = TransformerClassifier().predict_proba(texts).to_numpy()
    np.testing.assert_allclose(fresh, first, atol=1e-6)


def _above(model, text: str) -> set[str]:
    row = model.predict_proba([text]).iloc[0]
    return {label for label in model.labels if row[label] >= model.thresholds[label]}


@pytest.mark.parametrize(
    ("text", "expected", "forbidden"),
    [
        (INSULT, {"abuse", "bullying"}, {"complaint"}),
        (SPORTS_DAY, set(), set(LABELS)),
        ("Well done to Year 6 on a fantastic leavers' assembly", set(), set(LABELS)),
        ("I can't go on anymore, I'm going to kill myself tonight", {"safeguarding"}, set()),
        ("I'm going to stab that Year 7 kid after school tomorrow", {"safeguarding"}, set()),
        (
            "Parents keep parking on the zig zag lines at drop-off and nobody does anything",
            {"complaint"},
            {"safeguarding", "hate"},
        ),
        ("Immigrants' kids should be thrown out of our schools", {"hate"}, set()),
    ],
)
def test_school_context_cases_land_on_the_right_side(
    model, text: str, expected: set[str], forbidden: set[str]
) -> None:
    above = _above(model, text)
    assert expected <= above, (text, above)
    assert not (forbidden & above), (text, above)


def test_abuse_at_the_end_of_a_long_post_is_found(model) -> None:
    filler = "We went to the school fair and bought cakes and looked at the art. " * 40
    insult = " Honestly Mr Jones is a useless fat idiot and a waste of space."
    clean, dirty = model.predict_proba([filler, filler + insult])["abuse"]
    assert clean < model.thresholds["abuse"] <= dirty


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀🎉🔥💯",
        "مرحبا بكم في المدرسة، شكرا للمعلمين",
        "שלום לכולם, תודה רבה",
        "Merci beaucoup pour la belle journée sportive",
        "\u200f\u202e reversed \u202c",
        "x" * 50_000,
        ("the trip was fun and " * 2500)[:50_000],
    ],
)
def test_awkward_inputs_never_crash(model, text: str) -> None:
    proba = model.predict_proba([text])
    assert proba.shape == (1, len(LABELS))
    assert np.isfinite(proba.to_numpy()).all()


def test_empty_text_scores_zero(model) -> None:
    assert (model.predict_proba(["", "  "]).to_numpy() == 0.0).all()


def test_handles_and_links_are_normalised_before_scoring(model) -> None:
    a = model.predict_proba(["@JaneSmith1990 you are a useless idiot https://t.co/xyz"])
    b = model.predict_proba(["@OtherPerson you are a useless idiot http://example.com/a"])
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-6)


def test_thread_count_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from classifiers.inference import THREADS_ENV, configure_threads

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv(THREADS_ENV, "1")
        configure_threads()
        assert torch.get_num_threads() == 1
        configure_threads(2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
