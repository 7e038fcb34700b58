"""Small, synthetic, dataset-shaped copies of the four public datasets the classifier reads.

A fresh clone has no `../shared/datasets`, yet the loaders, training, soups, interpolation and
evaluation must still be tested. This module writes files that `classifiers.training.data`
reads exactly as it reads the real ones: the same folders, file names, columns, separators,
line endings, encodings and quirks. Every sentence is generated here from small word lists;
none comes from a dataset (the repository must never hold dataset text).

Quirks reproduced, per dataset:

* `olid/`: tab-separated with a header, LF line endings, no quoting at all (tweets carry
  unbalanced double quotes, so only `quoting=csv.QUOTE_NONE` reads them); levels that do not
  apply are the string `NULL`; mentions are the upper-case mention placeholder, links `URL`,
  HTML entities (`&amp;`), hashtags and emoji. The official test set is three tweet files
  with `id` and `tweet` and three header-less `id,LABEL` gold files, where level B's tweets
  are level A's offensive ones and level C's are level B's targeted ones.
* `tweeteval/hate/`: one item per line in `{train,val,test}_{text,labels}.txt`, every text
  line ending in a space except a few empty tweets (blank lines that must stay aligned with their
  labels), lower-case `@user` mentions, and `mapping.txt` without a final newline.
* `complaints/`: a comma-separated file with CRLF line endings, 18-digit ids (floats would
  lose digits), real-looking handles and t.co links, quoted fields holding commas and doubled
  quotes, and two domains (`random_reply`, `random_tweet`) that hold no complaint at all.
* `cyberbullying/`: comma-separated with LF line endings, yet a few quoted tweets hold an
  embedded CRLF; UTF-8 apostrophes that were once read as Latin-1 and saved again
  (mojibake such as `\u00e2\u0080\u0099`), HTML entities; six balanced kinds.

Every label of every split has both classes, and every split and domain has enough rows for
the loaders' seeded stratified splits and for the `sample=` sizes the tests use (up to 40
rows per source and split).
"""

from __future__ import annotations

import random
from pathlib import Path

# The datasets' mention placeholder, built from parts: a project file holding it literally is
# how leaked dataset text is detected (tests/classifiers/test_classifier_school.py).
OLID_MENTION = "@" + "USER"

# Row counts written per file and class; tests assert the loaders keep them.
OLID_TRAIN = {
    ("NOT", "NULL", "NULL"): 240,
    ("OFF", "TIN", "IND"): 60,
    ("OFF", "TIN", "GRP"): 40,
    ("OFF", "TIN", "OTH"): 20,
    ("OFF", "UNT", "NULL"): 40,
}
OLID_TEST = {"NOT": 64, "IND": 14, "GRP": 10, "OTH": 6, "UNT": 6}
TWEETEVAL = {"train": (140, 100), "val": (35, 25), "test": (70, 50)}  # (not hate, hate)
TWEETEVAL_EMPTY = {"train": 2, "val": 1, "test": 0}  # blank tweets among the not-hate rows
COMPLAINT_DOMAINS = ("apparel", "electronics", "food", "software", "transport")
COMPLAINTS_PER_DOMAIN = (14, 20)  # (not a complaint, complaint)
RANDOM_DOMAINS = {"random_reply": 50, "random_tweet": 50}  # no complaints there
CYBERBULLYING_KINDS = (
    "not_cyberbullying",
    "gender",
    "religion",
    "other_cyberbullying",
    "age",
    "ethnicity",
)
CYBERBULLYING_PER_KIND = 40

_PEOPLE = ("the ref", "my neighbour", "that coach", "the manager", "your cousin", "the driver")
_GROUPS = ("those commuters", "the away fans", "people from the next town", "that whole club")
_INSULTS = ("a clown", "useless", "a total joke", "pathetic", "an absolute muppet", "a fraud")
_TOPICS = ("the weather", "the match", "the new cafe", "my garden", "the bus route", "the fair")
_GOOD = ("lovely", "brilliant", "sunny", "quiet", "busy", "great")
_PRODUCTS = ("my order", "the charger", "the app", "my parcel", "the update", "the refund")
_FAULTS = ("never arrived", "broke after a day", "keeps crashing", "is two weeks late")
_TAGS = ("#matchday", "#weekend", "#monday", "#news", "#local")
_EMOJI = ("\U0001f602", "\U0001f44d", "\U0001f621", "\u2600\ufe0f")


def _sentence(rng: random.Random, kind: str) -> str:
    """One synthetic post whose wording loosely follows its class."""
    pick = rng.choice
    if kind == "insult":  # offensive, aimed at one person
        return f"{pick(_PEOPLE)} is {pick(_INSULTS)}, honestly"
    if kind == "group":  # offensive, aimed at a group
        return f"{pick(_GROUPS)} are {pick(_INSULTS)} every single time"
    if kind == "other":  # offensive, aimed at neither
        return f"this whole {pick(_TOPICS).split()[-1]} thing is {pick(_INSULTS)}"
    if kind == "swear":  # offensive, untargeted
        return f"what a {pick(('bloody', 'damn'))} mess {pick(_TOPICS)} is today"
    if kind == "complaint":
        return f"{pick(_PRODUCTS)} {pick(_FAULTS)} and nobody answers, {rng.randint(2, 9)} calls"
    return f"{pick(_TOPICS)} was {pick(_GOOD)} today, see you at {rng.randint(1, 12)}"


def _unique(rng: random.Random, kind: str, seen: set[str], decorate) -> str:
    """A sentence not written before (dataset texts are distinct), decorated per dataset."""
    while True:
        text = decorate(f"{_sentence(rng, kind)} {rng.randint(100, 999)}")
        if text not in seen:
            seen.add(text)
            return text


def _write(path: Path, text: str, newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline=newline) as handle:
        handle.write(text)


def _olid_kind(a: str, b: str, c: str) -> str:
    if a == "NOT":
        return "neutral"
    if b == "UNT":
        return "swear"
    return {"IND": "insult", "GRP": "group", "OTH": "other"}[c]


def write_olid(root: Path, rng: random.Random) -> None:
    """OLID: training TSV plus the three-level official test set."""
    seen: set[str] = set()

    def tweet(text: str) -> str:
        extras = [
            f"{OLID_MENTION} {text}",
            f'{OLID_MENTION} {OLID_MENTION} "{text} URL',  # an unbalanced quote
            f"{text} &amp; {rng.choice(_TAGS)} {rng.choice(_EMOJI)}",
            f"{text} URL",
        ]
        return rng.choice(extras)

    rows = [levels for levels, count in OLID_TRAIN.items() for _ in range(count)]
    rng.shuffle(rows)
    lines = ["id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c"]
    ids = rng.sample(range(10000, 99999), len(rows) + sum(OLID_TEST.values()))
    for row_id, (a, b, c) in zip(ids, rows, strict=False):
        lines.append(f"{row_id}\t{_unique(rng, _olid_kind(a, b, c), seen, tweet)}\t{a}\t{b}\t{c}")
    _write(root / "olid" / "olid-training-v1.0.tsv", "\n".join(lines) + "\n")

    test_ids = ids[len(rows) :]
    gold_c = ["IND"] * OLID_TEST["IND"] + ["GRP"] * OLID_TEST["GRP"] + ["OTH"] * OLID_TEST["OTH"]
    gold_b = ["TIN"] * len(gold_c) + ["UNT"] * OLID_TEST["UNT"]
    gold_a = ["OFF"] * len(gold_b) + ["NOT"] * OLID_TEST["NOT"]
    kinds = [{"IND": "insult", "GRP": "group", "OTH": "other"}[c] for c in gold_c]
    kinds += ["swear"] * OLID_TEST["UNT"] + ["neutral"] * OLID_TEST["NOT"]
    tweets = [_unique(rng, kind, seen, tweet) for kind in kinds]
    order = list(range(len(gold_a)))
    rng.shuffle(order)  # the files interleave classes; B and C keep A's order
    for level, gold in (("a", gold_a), ("b", gold_b), ("c", gold_c)):
        kept = [i for i in order if i < len(gold)]
        body = "".join(f"{test_ids[i]}\t{tweets[i]}\n" for i in kept)
        _write(root / "olid" / f"testset-level{level}.tsv", "id\ttweet\n" + body)
        labels = "".join(f"{test_ids[i]},{gold[i]}\n" for i in kept)
        _write(root / "olid" / f"labels-level{level}.csv", labels)


def write_tweeteval_hate(root: Path, rng: random.Random) -> None:
    """TweetEval hate: aligned text and label files per official split."""
    seen: set[str] = set()
    folder = root / "tweeteval" / "hate"

    def mention(text: str) -> str:
        return rng.choice((f"@user {text}", f"{text} @user", text))

    for split, (negatives, positives) in TWEETEVAL.items():
        labels = [0] * negatives + [1] * positives
        rng.shuffle(labels)
        empty = set(rng.sample([i for i, y in enumerate(labels) if y == 0], TWEETEVAL_EMPTY[split]))
        texts = [
            "" if i in empty else _unique(rng, "group" if y else "neutral", seen, mention) + " "
            for i, y in enumerate(labels)
        ]
        _write(folder / f"{split}_text.txt", "".join(f"{t}\n" for t in texts))
        _write(folder / f"{split}_labels.txt", "".join(f"{y}\n" for y in labels))
    _write(folder / "mapping.txt", "0\tnot-hate\n1\thate")


def _csv_field(text: str) -> str:
    """Quote like the csv module's minimal quoting: only fields that need it."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_complaints(root: Path, rng: random.Random) -> None:
    """Complaints: one CRLF CSV with id, text, complaint and domain."""
    seen: set[str] = set()

    def handle(text: str) -> str:
        name = rng.choice(("ShopHelp", "RailDesk", "AppSupport", "CafeTeam"))
        return rng.choice(
            (
                f"@{name} {text}",
                f'@{name} {text}, "again" http://t.co/{rng.randint(10**6, 10**7)}',
                f"{text} &amp; still waiting",
            )
        )

    rows = []
    negatives, positives = COMPLAINTS_PER_DOMAIN
    for domain in COMPLAINT_DOMAINS:
        rows += [(domain, 0)] * negatives + [(domain, 1)] * positives
    for domain, count in RANDOM_DOMAINS.items():
        rows += [(domain, 0)] * count
    lines = ["id,text,complaint,domain"]
    for domain, label in rows:
        text = _unique(rng, "complaint" if label else "neutral", seen, handle)
        row_id = rng.randint(10**17, 10**18 - 1)
        lines.append(f"{row_id},{_csv_field(text)},{label},{domain}")
    _write(root / "complaints" / "complaints_train.csv", "\r\n".join(lines) + "\r\n", newline="")


def write_cyberbullying(root: Path, rng: random.Random) -> None:
    """Cyberbullying: one LF CSV of tweet_text and cyberbullying_type, six balanced kinds."""
    seen: set[str] = set()
    mojibake = "\u2019".encode().decode("latin-1")  # a curly apostrophe read as Latin-1

    def quirk(text: str) -> str:
        return rng.choice(
            (
                text,
                f"we{mojibake}re done, {text}",
                f"{text} &amp; more",
                f"{text}\r\nsaid it before",  # an embedded CRLF in a quoted field
            )
        )

    content = {
        "not_cyberbullying": "neutral",
        "other_cyberbullying": "insult",
        "age": "neutral",
    }
    kinds = [k for k in CYBERBULLYING_KINDS for _ in range(CYBERBULLYING_PER_KIND)]
    rng.shuffle(kinds)
    lines = ["tweet_text,cyberbullying_type"]
    for kind in kinds:
        text = _unique(rng, content.get(kind, "group"), seen, quirk)
        if kind == "age":
            text = f"back in school {text}"
        lines.append(f"{_csv_field(text)},{kind}")
    _write(root / "cyberbullying" / "cyberbullying_tweets.csv", "\n".join(lines) + "\n")


def write_mini_datasets(root: Path, seed: int = 0) -> Path:
    """Write all four synthetic datasets under `root` (the layout of ../shared/datasets)."""
    rng = random.Random(seed)
    write_olid(root, rng)
    write_tweeteval_hate(root, rng)
    write_complaints(root, rng)
    write_cyberbullying(root, rng)
    return root
