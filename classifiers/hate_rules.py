"""A rule backstop for the `hate` label: codes with no innocent reading in a school's world.

The weights do not connect a dog whistle with hate: on `coded_probe_2` the served model found
under half of the coded hate posts, and neither reading the codes as words (C21) nor training
on them (C22) moved the hate decision. Where a code from `classifiers.text.hate_code_sources`
appears ("14/88", "(((them)))", a swastika, "6MWE", "kung flu", "speds"...), `hate` and
`abuse` are raised to at least `RULE_SCORE`, as `classifiers.safeguarding_rules` does for
disclosures. Both labels: every hate post is abusive in the project's labels.

Like the safeguarding rules, the codes travel inside the artefact's config, so they are part
of the model version and an artefact without them is scored by the network alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

from classifiers.text import hate_code_sources

RULE_SCORE = 0.97
RAISED_LABELS = ("hate", "abuse")


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(patterns))


def codes_matched(text: str | None, patterns: Sequence[str] | None = None) -> list[str]:
    """The code strings a text carries, as written (to show a lead why a post was flagged)."""
    rx = _compiled(tuple(patterns or hate_code_sources()))
    return [m.group(0) for m in rx.finditer(text or "")]


def hate_rule_hits(texts: Sequence[str], patterns: Sequence[str]) -> np.ndarray:
    """A boolean per text: does any listed code appear in it?"""
    rx = _compiled(tuple(patterns))
    return np.array([bool(rx.search(text or "")) for text in texts], dtype=bool)


def apply_hate_rules(
    texts: Sequence[str], scores: np.ndarray, tasks: Sequence[str], rules: Mapping | None
) -> None:
    """Raise the rules' labels in `scores` (rows = texts, columns = tasks) where a code hits."""
    if not rules:
        return
    hits = hate_rule_hits(texts, rules["patterns"])
    if not hits.any():
        return
    for label in rules["labels"]:
        if label in tasks:
            column = list(tasks).index(label)
            scores[hits, column] = np.maximum(scores[hits, column], float(rules["score"]))


def artefact_hate_rules() -> dict[str, object]:
    """The rules as stored in an artefact's config."""
    return {
        "score": RULE_SCORE,
        "labels": list(RAISED_LABELS),
        "patterns": list(hate_code_sources()),
    }
