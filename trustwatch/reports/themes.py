"""Complaint themes: cluster complaint embeddings, name each cluster by its own phrases.

k-means on unit-length sentence vectors (so Euclidean distance ranks like cosine), with
the number of themes picked by the silhouette score; a theme's name is its top class-based
TF-IDF n-grams (c-TF-IDF: the phrases frequent in this cluster and rare in the others),
and, only when the registry opts in (`notifications.report_excerpts`), its examples are
the two items nearest its centre, with a pseudonym, never a handle, and @mentions or links
inside the text redacted. A report is a file outside the warehouse, so by default it
quotes no complaint at all; and words written as proper nouns (capitalised mid-sentence,
like a pupil's name) never name a theme.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score

from trustwatch.personal_data.redaction import redact

MAX_THEMES = 6
MIN_THEME_SIZE = 3  # on average: fewer items than this per theme is not a theme
PHRASES_PER_THEME = 3
EXAMPLES_PER_THEME = 2
EXAMPLE_CHARS = 240

# Whole words, contractions included: a plain `\b[a-z]+\b` cuts "couldn't" at the apostrophe
# and names a theme "couldn", which reads as a typo to a trust leader.
_WORD = re.compile(r"[a-z][a-z]+(?:['’][a-z]+)*")


@dataclass(frozen=True)
class Example:
    author: str
    platform: str
    school_key: str
    created_at: dt.datetime
    text: str


@dataclass(frozen=True)
class Theme:
    phrases: list[str]
    count: int
    examples: list[Example]

    @property
    def name(self) -> str:
        return " · ".join(self.phrases) if self.phrases else "(no distinctive phrases)"


def pseudonym(author_key: str | None) -> str:
    """A short, stable label for an author: the first characters of their keyed hash."""
    return f"author-{author_key[:8]}" if author_key else "unknown author"


def choose_clusters(vectors: np.ndarray) -> np.ndarray:
    """Cluster labels 0..k-1; k by best silhouette, one theme when there are too few items.

    Silhouette favours many tiny clusters on a handful of points, so k is capped at one
    theme per MIN_THEME_SIZE items.
    """
    n = len(vectors)
    if n < 2 * MIN_THEME_SIZE:
        return np.zeros(n, dtype=int)
    best_labels, best_score = np.zeros(n, dtype=int), -1.0
    for k in range(2, min(MAX_THEMES, n // MIN_THEME_SIZE) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(vectors)
        if len(set(labels)) < 2:
            continue
        score = float(silhouette_score(vectors, labels, metric="cosine"))
        if score > best_score:
            best_labels, best_score = labels, score
    return best_labels


def theme_words(text: str) -> list[str]:
    """The words a theme may be named by: possessives lose their "'s", contractions go.

    Contractions ("couldn't", "we've", "they're") are function words, like the stop words,
    so they never name a theme; "school's" counts as "school".
    """
    words = []
    for token in _WORD.findall(text.lower().replace("’", "'")):
        base, _, suffix = token.partition("'")
        if not suffix:
            words.append(token)
        elif suffix == "s" and len(base) > 1:
            words.append(base)
    return words


_SENTENCE = re.compile(r"[.!?\n]+")
_CASED_WORD = re.compile(r"[A-Za-z][A-Za-z]+(?:['’][A-Za-z]+)*")


def proper_nouns(texts: Iterable[str]) -> set[str]:
    """Words (lower-cased) written capitalised mid-sentence at least as often as not.

    A theme's name is printed in a report that leaves the warehouse, so a person's name
    (a pupil's, a teacher's) must never become one, however often complaints repeat it.
    A sentence's first word says nothing either way and is not counted.
    """
    capital: dict[str, int] = {}
    lower: dict[str, int] = {}
    for text in texts:
        for sentence in _SENTENCE.split(text):
            for word in _CASED_WORD.findall(sentence)[1:]:
                key = word.lower().replace("’", "'").partition("'")[0]
                counts = capital if word[0].isupper() else lower
                counts[key] = counts.get(key, 0) + 1
    return {w for w, n in capital.items() if n >= lower.get(w, 0)}


def ctfidf_phrases(
    texts: list[str], labels: np.ndarray, extra_stop_words: Iterable[str] = ()
) -> dict[int, list[str]]:
    """Top n-grams per cluster by class-based TF-IDF (BERTopic's weighting).

    Proper nouns (`proper_nouns`) are stop words: a theme is named by what it is about,
    never by whom.
    """
    stop = sorted(ENGLISH_STOP_WORDS | {w.lower() for w in extra_stop_words} | proper_nouns(texts))
    vectorizer = CountVectorizer(
        ngram_range=(1, 2), stop_words=stop, tokenizer=theme_words, token_pattern=None
    )
    try:
        counts = vectorizer.fit_transform([redact(t, limit=100_000) for t in texts])
    except ValueError:  # nothing but stop words
        return {int(c): [] for c in set(labels)}
    clusters = sorted(set(int(c) for c in labels))
    per_class = np.vstack([np.asarray(counts[labels == c].sum(axis=0)).ravel() for c in clusters])
    tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
    average_words = per_class.sum() / len(clusters)
    idf = np.log(1 + average_words / np.maximum(per_class.sum(axis=0), 1))
    weights = tf * idf
    terms = vectorizer.get_feature_names_out()
    out: dict[int, list[str]] = {}
    for row, cluster in enumerate(clusters):
        order = np.argsort(-weights[row], kind="stable")
        phrases: list[str] = []
        for index in order:
            if weights[row, index] <= 0 or len(phrases) == PHRASES_PER_THEME:
                break
            term = str(terms[index])
            if any(term in p or p in term for p in phrases):
                continue
            phrases.append(term)
        out[cluster] = phrases
    return out


def _examples(frame: pd.DataFrame, vectors: np.ndarray) -> list[Example]:
    centre = vectors.mean(axis=0)
    nearest = np.argsort(np.linalg.norm(vectors - centre, axis=1), kind="stable")
    distinct: dict[str, int] = {}
    for i in nearest:
        distinct.setdefault(redact(str(frame.iloc[i]["text"]), EXAMPLE_CHARS), int(i))
    chosen = list(distinct.values())[:EXAMPLES_PER_THEME]
    return [
        Example(
            author=pseudonym(frame.iloc[i]["author_key"]),
            platform=str(frame.iloc[i]["platform"]),
            school_key=str(frame.iloc[i]["school_key"]),
            created_at=frame.iloc[i]["created_at"].to_pydatetime(),
            text=redact(str(frame.iloc[i]["text"]), EXAMPLE_CHARS),
        )
        for i in chosen
    ]


def complaint_themes(
    complaints: pd.DataFrame,
    embed: Callable[[list[str]], np.ndarray],
    extra_stop_words: Iterable[str] = (),
    *,
    examples: bool = False,
) -> list[Theme]:
    """Themes for the complaint rows from `queries.complaint_texts`, largest first.

    `examples` (the registry's `notifications.report_excerpts`) adds two redacted
    complaints to each theme; without it a theme carries no message text.
    """
    if complaints.empty:
        return []
    texts = complaints["text"].astype(str).tolist()
    vectors = embed(texts)
    labels = choose_clusters(vectors)
    phrases = ctfidf_phrases(texts, labels, extra_stop_words)
    themes = []
    for cluster in sorted(set(int(c) for c in labels)):
        mask = labels == cluster
        themes.append(
            Theme(
                phrases=phrases.get(cluster, []),
                count=int(mask.sum()),
                examples=(
                    _examples(complaints[mask].reset_index(drop=True), vectors[mask])
                    if examples
                    else []
                ),
            )
        )
    return sorted(themes, key=lambda t: (-t.count, t.name))
