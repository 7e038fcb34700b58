"""Which posts are written in a language the classifier cannot read.

The encoder and every labelled example are English. On the project's non-English check set
(`classifiers/school/multilingual_check.csv`) the committed model finds 1 of 16 safeguarding
disclosures, so a low score on a post in Polish or Urdu means "not read", not "safe". Such
posts are flagged for a person who reads the language instead of being silently passed.

Two signals, both needed: py3langid (a naive Bayes model over byte n-grams, shipped inside
its wheel, deterministic) gives P(English), and the share of the post's words that are whole
words in the encoder's own English vocabulary. The identifier alone called short English
posts ("Emailed, no response yet.", "lmaooo say it louder") foreign; the vocabulary alone
passes Spanish, whose short words the vocabulary holds. Code-mixed posts that are mostly
English stay unflagged: the classifier does read those.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from classifiers.encoder import base_model_dir

OTHER_LANGUAGE = "other_language"
# The score is min(1 - P(English), 1 - English word share): both must say "not English".
# 0.45 was chosen on the training rows and the demo corpus, never the check sets: the lowest
# cut that flags none of the 727 English training rows nor any English post in the corpus
# (0.40 flagged the corpus's crypto spam); it flags 197 of the 219 non-English training rows
# and the corpus's 8 posts in Arabic, Urdu and Polish. The check sets measure it
# (tests/classifiers/test_classifier_language.py).
THRESHOLD = 0.45
# Where the identifier is this sure by itself the vocabulary is not consulted: Spanish,
# French and Italian share enough short words with English to pass the vocabulary test.
# No English training row or corpus post reaches it (highest 0.88, "Drink bleach Chloe").
SURE = 0.95
# Fewer letters than this and no language can be told: "ok", "👍", a bare link.
MIN_LETTERS = 4
# Language is decided well within a post's opening; scoring 50,000 characters adds nothing.
MAX_CHARS = 2000

_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_WORD = re.compile(r"[^\W\d_]+")


def _flag_version() -> str:
    """Content hash of this module and the identifier's release, like a model version.

    Stored as the `model_version` of `other_language` rows, so changing how the flag is
    computed re-flags every item instead of leaving old decisions in place.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(importlib.metadata.version("py3langid").encode())
    return f"lang-{digest.hexdigest()[:12]}"


FLAG_VERSION = _flag_version()


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """Whole English words the encoder's WordPiece vocabulary holds (about 21,700)."""
    path = base_model_dir() / "vocab.txt"
    tokens = path.read_text(encoding="utf-8").split("\n")
    return frozenset(t for t in tokens if t.isascii() and t.isalpha())


def _english_word_share(words: list[str]) -> float:
    vocabulary = _english_words()
    return sum(word.lower() in vocabulary for word in words) / len(words)


def other_language_score(text: str) -> float:
    """How surely the post is in a language the model cannot read, in [0, 1]."""
    cleaned = _NOT_WORDS.sub(" ", text or "")[:MAX_CHARS]
    words = _WORD.findall(cleaned)
    if sum(len(word) for word in words) < MIN_LETTERS:
        return 0.0
    foreign = 1.0 - float(dict(_identifier().rank(cleaned)).get("en", 0.0))
    if foreign >= SURE:
        return round(foreign, 6)
    return round(min(foreign, 1.0 - _english_word_share(words)), 6)


def other_language_scores(texts: Sequence[str]) -> list[float]:
    """`other_language_score` for each text, in order."""
    return [other_language_score(text) for text in texts]
