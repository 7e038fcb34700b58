"""Which posts are written in a language the classifier cannot read.

The encoder and every labelled example are English. On the project's non-English check set
(`classifiers/school/multilingual_check.csv`) the committed model finds 1 of 16 safeguarding
disclosures, so a low score on a post in Polish or Urdu means "not read", not "safe". Such
posts are flagged for a person who reads the language instead of being silently passed.

py3langid (a naive Bayes model over byte n-grams, shipped inside its wheel, deterministic)
gives P(English); the flag is its complement. Code-mixed posts that are mostly English stay
unflagged: the classifier does read those.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

OTHER_LANGUAGE = "other_language"
# Flag when English is less likely than not. Of the hand-written English training rows 5 of
# 727 (train.csv, identity_train.csv) score at or above it, of the non-English ones 206 of
# 219. The check sets measure it (tests/classifiers/test_classifier_language.py).
THRESHOLD = 0.5
# Fewer letters than this and no language can be told: "ok", "👍", a bare link.
MIN_LETTERS = 4
# Language is decided well within a post's opening; scoring 50,000 characters adds nothing.
MAX_CHARS = 2000

_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|@\w+")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def other_language_score(text: str) -> float:
    """1 - P(English): how likely the post is written in a language the model cannot read."""
    cleaned = _NOT_WORDS.sub(" ", text or "")[:MAX_CHARS]
    if _letters(cleaned) < MIN_LETTERS:
        return 0.0
    ranked = dict(_identifier().rank(cleaned))
    return round(1.0 - float(ranked.get("en", 0.0)), 6)


def other_language_scores(texts: Sequence[str]) -> list[float]:
    """`other_language_score` for each text, in order."""
    return [other_language_score(text) for text in texts]
