"""How far the abuse head's decisions survive the spellings abusers use (issue 20, item 4).

Cross-dataset abuse is missed where insults are misogynistic or spelled to dodge a filter.
This measures both on public test rows, never trained on: offensive OLID posts and the
Cyberbullying corpus's gender attacks (its nearest thing to a misogyny set) that contain a
known insult are rewritten the ways people disguise that word (digits for letters, an
asterisk for a vowel, held letters, spaced letters, slang respellings) and scored again. A
decision that flips when only the spelling changed is a miss the model should not make.
Scoring each variant with and without the artefact's character normalisation shows what
that normalisation buys and which disguises it does not undo.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from classifiers.text import MASKED_WORDS, NORMALISATION_MODES
from classifiers.training.respellings_independent import RESPELLINGS_INDEPENDENT

# Insults a disguised spelling is tried on: the words `deobfuscate` restores from a mask,
# plus everyday insults that are never masked but are often respelled.
INSULTS: tuple[str, ...] = (
    *MASKED_WORDS,
    "bitches",
    "fucking",
    "hoe",
    "hoes",
    "skank",
    "bastard",
    "dick",
    "prick",
    "idiot",
    "stupid",
    "ugly",
    "dumb",
)

# Slang respellings seen in the wild (one per word; the word keeps its sound).
RESPELLINGS: dict[str, str] = {
    "bitch": "biatch",
    "bitches": "biatches",
    "fuck": "fuk",
    "fucking": "fkn",
    "cunt": "kunt",
    "shit": "shyt",
    "whore": "hore",
    "twat": "twot",
    "retard": "retart",
    "stupid": "stoopid",
    "skank": "skanc",
    "dick": "dik",
}

_LEET = {"a": "@", "e": "3", "i": "1", "o": "0", "s": "5"}
_VOWEL_INSIDE = re.compile(r"(?<=[a-z])[aeiou](?=[a-z])", re.I)
_WORD = re.compile(r"\b(" + "|".join(sorted(INSULTS, key=len, reverse=True)) + r")\b", re.I)


def _leet(word: str) -> str:
    """Every letter with a digit look-alike between two letters ("b1tch", "5lut" stays)."""
    chars = list(word)
    for i in range(1, len(chars) - 1):
        chars[i] = _LEET.get(chars[i].lower(), chars[i])
    return "".join(chars)


def _masked(word: str) -> str:
    """The first vowel between letters starred ("b*tch", "f*ck")."""
    return _VOWEL_INSIDE.sub("*", word, count=1)


def _held(word: str) -> str:
    """The last letter held down ("bitchhhh")."""
    return word + word[-1] * 3


def _spaced(word: str) -> str:
    """Letters spaced apart ("b i t c h"), which splits the word into single tokens."""
    return " ".join(word)


def _respelled(word: str) -> str:
    return RESPELLINGS.get(word.lower(), word)


def _respelled_independent(word: str) -> str:
    """The first respelling in a list written apart from `characters-4`'s table (C16), so a
    mode built from respellings the project knew is also measured on ones it did not."""
    return RESPELLINGS_INDEPENDENT.get(word.lower(), (word,))[0]


VARIANTS: dict[str, Callable[[str], str]] = {
    "leet": _leet,
    "masked": _masked,
    "held": _held,
    "spaced": _spaced,
    "respelled": _respelled,
    "respelled_independent": _respelled_independent,
}


def disguise(text: str, variant: str) -> str:
    """`text` with every known insult in it rewritten by `variant`; other words untouched."""
    rewrite = VARIANTS[variant]
    return _WORD.sub(lambda m: rewrite(m.group(0)), text)


def has_insult(text: str) -> bool:
    return bool(_WORD.search(text))


def robustness_rows(table: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """The rows this measures: abusive, on a public set, with a known insult in them.

    `offensive`: OLID posts labelled offensive (level A test, or OLID's validation split).
    `misogyny`: Cyberbullying tweets labelled as gender attacks (the corpus labels them for
    bullying and hate; the abuse head never trains on its labels). Validation rows decide
    between models; test rows are only reported.
    """
    test = table["split"].eq(split)
    olid = table["source"].isin(["olid_a"] if split == "test" else ["olid", "olid_a"])
    offensive = test & olid & table["abuse"].eq(1.0)
    misogyny = test & table["source"].eq("cyberbullying")
    misogyny &= table["kind"].astype(str).eq("gender") if "kind" in table else False
    parts = []
    for name, rows in (("offensive", offensive), ("misogyny", misogyny)):
        chosen = table.loc[rows, ["text"]]
        chosen = chosen[[has_insult(t) for t in chosen["text"]]]
        parts.append(chosen.assign(slice=name))
    return pd.concat(parts, ignore_index=True)


def _recall(scores: np.ndarray, threshold: float) -> float:
    return round(float((scores >= threshold).mean()), 4) if scores.size else float("nan")


def spelling_robustness(
    classifier: Any, table: pd.DataFrame, threshold: float, split: str = "test"
) -> dict[str, Any] | None:
    """Abuse recall per slice: as written, and with each disguise (with and without the
    artefact's character normalisation, where it has one). Rows a variant leaves unchanged
    are left out of that variant's figures."""
    rows = robustness_rows(table, split)
    if rows.empty:
        return None
    normalises = classifier.config.get("text_normalisation") in NORMALISATION_MODES
    plain = copy.copy(classifier)
    plain.config = {**classifier.config, "text_normalisation": None}
    column = classifier.tasks.index("abuse")

    def score(model: Any, texts: list[str]) -> np.ndarray:
        return model.predict_tasks(texts).to_numpy()[:, column] if texts else np.array([])

    out: dict[str, Any] = {
        "threshold": threshold,
        "normalisation": normalises,
        "mode": classifier.config.get("text_normalisation"),
        "slices": {},
    }
    for name, group in rows.groupby("slice", sort=False):
        texts = group["text"].tolist()
        original = score(classifier, texts)
        entry: dict[str, Any] = {"n": len(texts), "recall": _recall(original, threshold)}
        for variant in VARIANTS:
            disguised = [disguise(t, variant) for t in texts]
            changed = np.array([d != t for d, t in zip(disguised, texts, strict=True)])
            kept = [d for d, c in zip(disguised, changed, strict=True) if c]
            figures = {
                "n": int(changed.sum()),
                "recall_as_written": _recall(original[changed], threshold),
                "recall_disguised": _recall(score(classifier, kept), threshold),
            }
            if normalises:
                figures["recall_disguised_without_normalisation"] = _recall(
                    score(plain, kept), threshold
                )
            entry[variant] = figures
        out["slices"][name] = entry
    return out
