"""Complaint themes with the real bundled encoder: clusters match meaning, names match words."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd

from trustwatch.reports.embeddings import embed
from trustwatch.reports.themes import (
    choose_clusters,
    complaint_themes,
    ctfidf_phrases,
    proper_nouns,
    pseudonym,
    theme_words,
)

WRITTEN = {
    "parking": [
        "Cars parked on the zigzags at pick-up again, a child nearly got hit",
        "Parking outside the gates at drop-off is dangerous and nobody does anything",
        "Parents block our driveway every morning parking for the school run",
        "The traffic and parking chaos at home time is an accident waiting to happen",
        "Please sort out the parking on the pavement by the school entrance",
    ],
    "lunch": [
        "School lunch portions are tiny and my son comes home starving",
        "The canteen served cold dinners again and ran out of the hot option",
        "Why are we paying for school meals the children refuse to eat",
        "Lunch menu says one thing and the kitchen serves something else",
        "Hot lunches had run out by the time the infants got to the canteen",
    ],
    "uniform": [
        "The blazer with the logo costs forty pounds, uniform is far too expensive",
        "New uniform rules mean buying a whole new set, the cost is unfair",
        "Why can't we buy plain uniform at the supermarket instead of the branded shop",
        "PE kit must have the badge now, more uniform cost for families",
        "The uniform supplier has no sizes and charges a fortune for a jumper",
    ],
}


def _frame() -> tuple[pd.DataFrame, list[str]]:
    rows, truth = [], []
    for theme, texts in WRITTEN.items():
        for i, body in enumerate(texts):
            rows.append(
                {
                    "item_id": len(rows) + 1,
                    "school_key": "oakfield",
                    "platform": "facebook",
                    "created_at": pd.Timestamp(dt.datetime(2026, 11, 24, 9, i, tzinfo=dt.UTC)),
                    "author_key": f"{len(rows):02d}" + "ab" * 31,
                    "text": body + (" @realhandle" if i == 0 else ""),
                }
            )
            truth.append(theme)
    return pd.DataFrame(rows), truth


def test_embeddings_are_unit_vectors_and_similar_for_similar_text() -> None:
    vectors = embed(
        [
            "parking at the school gate",
            "cars parked by the school entrance",
            "lunch portions are small",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_clusters_recover_the_written_themes() -> None:
    frame, truth = _frame()
    labels = choose_clusters(embed(frame["text"].tolist()))
    assert len(set(labels)) == 3
    for cluster in set(labels):
        members = Counter(t for t, c in zip(truth, labels, strict=True) if c == cluster)
        assert members.most_common(1)[0][1] / sum(members.values()) >= 0.8


def test_themes_are_named_by_their_own_words_with_pseudonymous_examples() -> None:
    frame, _ = _frame()
    assert all(t.examples == [] for t in complaint_themes(frame, embed))  # the default
    themes = complaint_themes(frame, embed, examples=True)
    assert sum(t.count for t in themes) == len(frame)
    names = " | ".join(t.name for t in themes)
    assert "parking" in names and "uniform" in names and ("lunch" in names or "canteen" in names)
    for theme in themes:
        assert len(theme.examples) == 2
        for example in theme.examples:
            assert (
                example.author.startswith("author-") and len(example.author) == len("author-") + 8
            )
            assert "@realhandle" not in example.text


def test_ctfidf_prefers_words_particular_to_a_cluster() -> None:
    texts = [
        "school parking gate",
        "school parking cars",
        "school lunch cold",
        "school lunch portions",
    ]
    phrases = ctfidf_phrases(texts, np.array([0, 0, 1, 1]))
    assert phrases[0][0].startswith("parking") and phrases[1][0].startswith("lunch")
    assert all(p != "school" for ps in phrases.values() for p in ps[:1])


def test_pseudonym_never_shows_a_missing_author_as_a_key() -> None:
    assert pseudonym(None) == "unknown author"


def test_theme_words_keep_whole_words_and_drop_contractions() -> None:
    words = theme_words("We couldn't park and the school's office doesn’t answer; it's awful")
    assert words == ["we", "park", "and", "the", "school", "office", "answer", "it", "awful"]


def test_theme_names_are_never_fragments_cut_at_an_apostrophe() -> None:
    texts = [
        "I couldn't get through, the office phone doesn't get answered",
        "Couldn't reach anyone, the phones don't get answered all week",
        "The heating doesn't work and the classrooms aren't warm",
        "Heating isn't working again, classrooms can't be this cold",
    ]
    phrases = ctfidf_phrases(texts, np.array([0, 0, 1, 1]))
    named = [word for ps in phrases.values() for p in ps for word in p.split()]
    assert named, "each cluster should be named"
    assert not {"couldn", "doesn", "don", "isn", "aren", "can"} & set(named)
    assert any(p.startswith("heating") or "heating" in p for p in phrases[1])


def test_proper_nouns_never_name_a_theme() -> None:
    texts = [
        "Ask Mrs Okonkwo why the Year 4 trip was cancelled. Okonkwo never replies.",
        "Nobody told us the trip was cancelled, ask Okonkwo",
        "Trip cancelled again and the office says nothing",
    ]
    nouns = proper_nouns(texts)
    assert "okonkwo" in nouns and "mrs" in nouns
    assert "trip" not in nouns and "cancelled" not in nouns  # sentence-initial "Trip" aside
    labels = np.zeros(len(texts), dtype=int)
    assert all("okonkwo" not in p for p in ctfidf_phrases(texts, labels)[0])
