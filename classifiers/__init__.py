"""trustwatch's text classifier: one probability per label for posts about a school.

Construct once, then predict (the detoxify style)::

    import classifiers
    model = classifiers.load_default()
    model.predict_proba(["Thank you for a lovely sports day"])  # DataFrame, one column per label

`load_default()` caches the model for the process; everything runs offline on CPU.
"""

from __future__ import annotations

import threading

from classifiers.labels import LABEL_DESCRIPTIONS, LABELS
from classifiers.protocol import Classifier
from classifiers.text import normalise

__all__ = [
    "LABELS",
    "LABEL_DESCRIPTIONS",
    "Classifier",
    "TransformerClassifier",
    "load_default",
    "normalise",
]

_lock = threading.Lock()
_defaults: dict[tuple[str, str], Classifier] = {}


def load_default(threads: int | None = None, precision: str | None = None) -> Classifier:
    """The serving model, loaded once per process, artefact and precision (later calls reuse it).

    That is the version retraining last promoted (`classifiers.active`), else the committed
    one. `threads` (or env TRUSTWATCH_TORCH_THREADS) sets torch's CPU thread count;
    `precision` (or env TRUSTWATCH_CLASSIFIER_PRECISION) is fp32 (default), bf16 or auto.
    """
    from classifiers.active import active_artefact
    from classifiers.precision import resolve_precision

    resolved = resolve_precision(precision)
    artefact = active_artefact()
    key = (resolved, str(artefact))
    with _lock:
        if key not in _defaults:
            from classifiers.inference import TransformerClassifier

            _defaults[key] = TransformerClassifier(artefact, threads=threads, precision=resolved)
        elif threads is not None:
            from classifiers.inference import configure_threads

            configure_threads(threads)
        return _defaults[key]


def __getattr__(name: str) -> object:
    """Import the torch-heavy class only when asked for, keeping `import classifiers` light."""
    if name == "TransformerClassifier":
        from classifiers.inference import TransformerClassifier

        return TransformerClassifier
    raise AttributeError(f"module 'classifiers' has no attribute {name!r}")
