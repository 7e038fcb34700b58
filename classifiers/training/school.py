"""Hand-written school-context data: labelled sentences plus slot-filled templates.

Public datasets say nothing about safeguarding and little about how parents and pupils write
about a school, so the project writes its own examples. `train.csv` and the templates below
are used for training (a seeded slice of them for threshold calibration); `check.csv` holds
separately written sentences that are never trained on and serve as the school-context test.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pandas as pd

from classifiers.labels import LABELS, TASKS
from classifiers.text import normalise

SCHOOL_DIR = Path(__file__).resolve().parents[1] / "school"

_NAMES = ("Mr Jones", "Miss Patel", "Mrs Okafor", "Mr Wright", "Ella", "Jayden", "Aisha", "Max")
# The wide pool `template_rows(wide_names=True)` draws from: staff by title and surname, pupils
# by first name. With the eight names above, every name sat in threats and disclosures, and a
# model trained on them read "Mr Jones ... my son" as a safeguarding matter (experiment C6,
# docs/classifier-experiments.md). Drawn from the pool, a name says nothing about the label.
_TITLES = ("Mr", "Mrs", "Miss", "Ms", "Dr")
_SURNAMES = (
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Iqbal",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Price",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Walsh",
    "Young",
    "Zielinski",
    "Begum",
    "Murphy",
)
_FIRST_NAMES = (
    "Ava",
    "Noah",
    "Olivia",
    "Leo",
    "Amelia",
    "Oscar",
    "Isla",
    "Muhammad",
    "Freya",
    "Harry",
    "Zara",
    "Alfie",
    "Mia",
    "Kacper",
    "Grace",
    "Theo",
    "Layla",
    "Reuben",
    "Ruby",
    "Tyler",
    "Chloe",
    "Ibrahim",
    "Poppy",
    "Callum",
    "Sofia",
    "Jack",
    "Maya",
    "Dylan",
    "Evie",
    "Luca",
)
_INSULTS = ("a useless idiot", "a fat pig", "a stupid cow", "a total loser", "a disgusting creep")
_GROUPS = ("immigrants", "Muslims", "Jews", "gay people", "Black people", "girls", "Gypsies")
_HATE_CLAIMS = (
    "{g} should not be allowed in our schools",
    "{g} are vermin and should be sent away",
    "{g} are ruining this country and this school",
)
_SELF_HARM = (
    "I want to kill myself",
    "I can't cope anymore, I'm going to end my life",
    "I've started self harming again",
    "I'm going to take an overdose tonight",
    "I don't want to wake up tomorrow",
)
_THREATS = (
    "I'm going to stab {n} after school",
    "I will kill {n} tomorrow",
    "{n} is getting shot on Monday, watch",
    "I'm bringing a gun to school to sort out {n}",
)
_AT_RISK = (
    "{n} told me her dad hits her every night",
    "{n} said an older man keeps messaging him and asking to meet",
    "{n} comes to school hungry and with bruises every day",
)
_COMPLAINTS = (
    "The parking at {s} is dangerous and nobody does anything",
    "Still no reply from {s} about my son's bullying report",
    "{s} has cancelled the trip again without any refund",
    "The lunches at {s} are awful and overpriced",
)
_SCHOOLS = ("Oakfield Primary", "St Mary's", "the academy", "Hillside High")
_FRIENDLY = (
    "Thank you {n} for an amazing year",
    "{n} killed it in the talent show",
    "Well done {n} on winning the science prize",
    "Good luck to {s} in the cup final tomorrow",
)


def _row(text: str, **positive: int) -> dict[str, object]:
    """A fully annotated row: every label not named is a negative."""
    return {"text": text, **{label: float(positive.get(label, 0)) for label in LABELS}}


def wide_name_pool(seed: int = 13) -> list[str]:
    """Every staff and pupil name the wide pool holds, in a seeded order."""
    staff = [f"{title} {surname}" for title, surname in itertools.product(_TITLES, _SURNAMES)]
    pool = staff + list(_FIRST_NAMES)
    random.Random(seed).shuffle(pool)
    return pool


def template_rows(wide_names: bool = False) -> pd.DataFrame:
    """Slot-filled variants of the hand-written patterns, to give the heads school wording.

    By default each name slot takes each of the eight fixed names, as models before 342009f7
    were trained. With `wide_names` (the committed recipe) the slots take names of the seeded
    wide pool instead, so the rows, their order and their labels stay the same (and so does
    the validation quarter `load_school` draws by position) while no name recurs across labels.
    """
    pool = itertools.cycle(wide_name_pool()) if wide_names else None
    drawn: dict[tuple[str, str], str] = {}

    def named(name: str, template: str) -> str:
        # Every call advances the pool, but a (name, template) pair keeps the name it got
        # first: a template without the school slot repeats its text across schools, and
        # those repeats must still collapse as they do with fixed names. (The committed model
        # trained on exactly these draws, so the order of calls is part of its recipe.)
        if pool is None:
            return name
        return drawn.setdefault((name, template), next(pool))

    rows: list[dict[str, object]] = []
    for name, insult in itertools.product(_NAMES, _INSULTS):
        rows.append(_row(f"{named(name, insult)} is {insult}", abuse=1, bullying=1))
    for group, claim in itertools.product(_GROUPS, _HATE_CLAIMS):
        rows.append(_row(claim.format(g=group), abuse=1, hate=1))
    rows.extend(_row(text, safeguarding=1) for text in _SELF_HARM)
    for name, threat in itertools.product(_NAMES, _THREATS):
        rows.append(_row(threat.format(n=named(name, threat)), abuse=1, bullying=1, safeguarding=1))
    for name, template in itertools.product(_NAMES, _AT_RISK):
        rows.append(_row(template.format(n=named(name, template)), safeguarding=1))
    for school, template in itertools.product(_SCHOOLS, _COMPLAINTS):
        rows.append(_row(template.format(s=school), complaint=1))
    for name, school, template in itertools.product(_NAMES[::2], _SCHOOLS[:2], _FRIENDLY):
        rows.append(_row(template.format(n=named(name, template), s=school)))
    return pd.DataFrame(rows).drop_duplicates("text")


def _as_tasks(frame: pd.DataFrame, source: str, split: str) -> pd.DataFrame:
    """Hand-written rows in the shared task layout (all public labels annotated)."""
    out = pd.DataFrame({"text": [normalise(t) for t in frame["text"]]})
    out["source"] = source
    out["split"] = split
    for task in TASKS:
        values = frame[task].astype("float64").to_numpy() if task in frame else np.nan
        out[task] = values
    return out


def identity_check() -> pd.DataFrame:
    """The identity-term check set: text, hate (0/1) and kind, in file order.

    Written separately from the training rows and never trained on. `kind` says what each
    row tests: a harmless mention of a group, an identity word used in another sense, an
    ordinary complaint that names a group, or an attack on a group.
    """
    return pd.read_csv(SCHOOL_DIR / "identity_check.csv", dtype={"text": str, "kind": str})


def identity_train_tasks() -> pd.DataFrame:
    """Hand-written attacks on groups and hard negatives, as training rows only.

    They never enter the validation split: pooled validation then stays the same set of rows
    whether or not a run uses them, so runs with and without them can be compared on it. They
    were written by a helper briefed not to open either check set, and rows too close to a
    check row were dropped (see tests/classifiers/test_classifier_school.py).
    """
    frame = pd.read_csv(SCHOOL_DIR / "identity_train.csv", dtype={"text": str})
    return _as_tasks(frame, "school", "train")


def multilingual_check() -> pd.DataFrame:
    """The non-English check set: text, language and the five labels, in file order.

    Written by a helper briefed not to open the multilingual training rows; never trained on.
    """
    return pd.read_csv(SCHOOL_DIR / "multilingual_check.csv", dtype={"text": str, "language": str})


def multilingual_check_tasks() -> pd.DataFrame:
    """The non-English check set as test rows in the shared layout (all five labels)."""
    return _as_tasks(multilingual_check(), "multilingual_check", "test")


def identity_check_tasks() -> pd.DataFrame:
    """The identity-term check set as test rows in the shared layout; it annotates `hate` only.

    Evaluation loads it; training does not, so adding it left the training data unchanged.
    """
    return _as_tasks(identity_check()[["text", "hate"]], "identity_check", "test")


def world_check() -> pd.DataFrame:
    """The school-world check set (issue 20): text, five labels, category, voice, platform.

    Written before, and apart from, the school-world training rows; never trained on. Each
    row's `category` names what it tests (a sarcastic complaint, staff-pupil contact on
    social media, an educational mention of a sensitive topic, a slur spelled with digits...),
    so evaluation can report figures per category.
    """
    return pd.read_csv(SCHOOL_DIR / "world_check.csv", dtype={"text": str, "category": str})


def coded_probe() -> pd.DataFrame:
    """Insults and hate carried by emoji and dog whistles, and their innocent look-alikes (C18).

    Written by a helper from general knowledge, without sight of the check sets or of
    `characters-5`'s table, so it measures that table out of sample until it has decided.
    """
    return pd.read_csv(SCHOOL_DIR / "coded_probe.csv", dtype={"text": str, "category": str})


def coded_probe_2() -> pd.DataFrame:
    """Coded and emoji hate, misogynistic insults and their innocent look-alikes (C21).

    Written by a helper who opened no project file, to judge `characters-6`'s table out of
    sample; five rows within the near-copy cut of a training row were dropped unread.
    """
    return pd.read_csv(SCHOOL_DIR / "coded_probe_2.csv", dtype={"text": str, "category": str})


def fresh_check() -> pd.DataFrame:
    """School-world rows across issue 20's categories that no experiment may choose on (C19).

    Written by a helper who opened no project file; every row closer to an existing school
    row than the near-copy cut was then dropped unread. Every other school set has judged an
    adoption and is in-sample; this one stands in for the held-out school messages issue 20's
    evaluation will use, so it is only ever reported (docs/classifier-experiments.md, C19).
    """
    return pd.read_csv(SCHOOL_DIR / "fresh_check.csv", dtype={"text": str, "category": str})


def world_check_tasks() -> pd.DataFrame:
    """The school-world check set as test rows in the shared layout (all five labels)."""
    return _as_tasks(world_check(), "world_check", "test")


def world_train_tasks() -> pd.DataFrame:
    """Hand-written school-world training rows (issue 20's categories), training only.

    Written after the check set, in separate sittings and without reusing its phrasing
    (tests/classifiers/test_classifier_school.py checks no row is a near copy). Kept in their
    own files so the committed model, trained before they existed, still rebuilds exactly;
    `DataSettings.world_rows` and retraining add them.
    """
    return _as_tasks(world_train_frame(), "school", "train")


def world_train_frame() -> pd.DataFrame:
    """Every school-world training file, `world_train.csv` first, then `world_train_*.csv`.

    Each later file was written in its own sitting by an author who never opened a check
    set, so the rows are kept per file (one file per theme) and read in name order; the
    row order, and so the seeded fold below, is the same on every machine.
    """
    frames = [pd.read_csv(path, dtype={"text": str}) for path in world_train_paths()]
    return pd.concat(frames, ignore_index=True)


def world_categories(rows: pd.DataFrame) -> list[str]:
    """The category of each world row in `rows` (as `world_train_tasks` lays them out)."""
    frame = world_train_frame()
    by_text = dict(zip((normalise(t) for t in frame["text"]), frame["category"], strict=True))
    return [by_text[text] for text in rows["text"]]


def world_train_paths() -> list[Path]:
    """The school-world training files in the order they are read."""
    return [SCHOOL_DIR / "world_train.csv", *sorted(SCHOOL_DIR.glob("world_train_*.csv"))]


def world_train_split(seed: int = 13, fraction: float = 0.25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training rows, held-out fold) of the school-world rows, a seeded share of each category.

    The fold is validation for choosing a model trained on the rest (it is not a check set:
    the check set, `world_check.csv`, is never used to choose). Taking a share of every
    category keeps each of issue 20's categories on both sides; a fraction of 0 holds out
    nothing.
    """
    frame = world_train_frame()
    rng = random.Random(seed)
    held: list[int] = []
    for _, group in frame.groupby("category", sort=True):
        index = list(group.index)
        rng.shuffle(index)
        held += index[: round(len(index) * fraction)]
    fold = frame.index.isin(held)
    return (
        _as_tasks(frame[~fold], "school", "train"),
        _as_tasks(frame[fold], "world_fold", "val").reset_index(drop=True),
    )


def load_school(
    seed: int = 13, val_fraction: float = 0.25, wide_names: bool = False
) -> pd.DataFrame:
    """Hand-written training/validation rows and the held-out check set."""
    written = pd.read_csv(SCHOOL_DIR / "train.csv")
    generated = template_rows(wide_names)
    pool = pd.concat([written, generated], ignore_index=True)
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    n_val = round(len(pool) * val_fraction)
    val_rows = set(order[:n_val])
    split = ["val" if i in val_rows else "train" for i in range(len(pool))]
    train = _as_tasks(pool, "school", "train")
    train["split"] = split
    check = _as_tasks(pd.read_csv(SCHOOL_DIR / "check.csv"), "school_check", "test")
    return pd.concat([train, check], ignore_index=True)


# Frozen check sets a retrained challenger is judged on (classifiers.training.retrain):
# written apart from every training row, never trained on, never used to set a threshold.
CHECK_FILES: dict[str, str] = {
    "school_check": "check.csv",
    "identity_check": "identity_check.csv",
    "world_check": "world_check.csv",
    "coded_probe": "coded_probe.csv",
    "coded_probe_2": "coded_probe_2.csv",
    "hate_code_probe": "hate_code_probe.csv",
    "hate_code_probe_2": "hate_code_probe_2.csv",
    "safeguarding_code_probe": "safeguarding_code_probe.csv",
    "safeguarding_code_probe_2": "safeguarding_code_probe_2.csv",
    "complaint_group_probe": "complaint_group_probe.csv",
    "complaint_group_probe_2": "complaint_group_probe_2.csv",
    "fresh_check": "fresh_check.csv",
}


def categorised(name: str) -> pd.DataFrame:
    """A check set as written, `category` column included (for per-category tables)."""
    return pd.read_csv(SCHOOL_DIR / CHECK_FILES[name], dtype={"text": str, "category": str})


def check_sets() -> dict[str, pd.DataFrame]:
    """Each frozen check set as normalised text plus the label columns it annotates."""
    out = {}
    for name, filename in CHECK_FILES.items():
        path = SCHOOL_DIR / filename
        if not path.is_file():
            continue
        frame = pd.read_csv(path, dtype={"text": str})
        columns = [label for label in LABELS if label in frame]
        out[name] = pd.DataFrame(
            {"text": [normalise(t) for t in frame["text"]], **{c: frame[c] for c in columns}}
        ).astype({c: "float64" for c in columns})
    return out
