"""A rule backstop for the `hate` label: codes with no innocent reading in a school's world.

The weights do not connect a dog whistle with hate: on `coded_probe_2` the served model found
under half of the coded hate posts, and neither reading the codes as words (C21) nor training
on them (C22) moved the hate decision. Where a code from `classifiers.text.hate_code_sources`
appears ("14/88", "(((them)))", a swastika, "6MWE", "kung flu", "speds"...), `hate` and
`abuse` are raised to at least `RULE_SCORE`, as `classifiers.safeguarding_rules` does for
disclosures. Both labels: every hate post is abusive in the project's labels.

Two codes do have innocent readings a school meets (C24): 卐 and 卍 are Hindu, Jain and
Buddhist symbols of good fortune, on Diwali cards and in RE lessons, and "14/88" is also a
mark out of 88. A match of one of those inside its innocent frame (a festival, a faith, a
test) is left to the network, unless the text also carries a cue of the hateful reading
("hitler", "white", "lads"...). Everything else still raises.

Like the safeguarding rules, the codes travel inside the artefact's config, so they are part
of the model version and an artefact without them is scored by the network alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from classifiers.text import hate_code_sources

RULE_SCORE = 0.97
RAISED_LABELS = ("hate", "abuse")

_NAZI_CUES = (
    r"\b(?:hitler|heil|nazi\w*|reich|sieg|aryan|white (?:power|pride|race|lives)|88|14/88|"
    r"1488|6mwe|jews?|jewish|ovens?|gas (?:them|the))\b"
)
# (code, innocent frame, cue that the hateful reading is meant after all); written before the
# probe that judges them (C24) was read.
EXCEPTIONS: tuple[dict[str, Any], ...] = (
    {
        "code": r"[卐卍]+",
        "frame": (
            r"(?i:\b(?:diwali|deepavali|navratri|dussehra|holi|raksha bandhan|rakhi|ganesh\w*|"
            r"ganpati|lakshmi|puja|pooja|aarti|mandir|temples?|gurdwara|hindu\w*|jain\w*|"
            r"buddh\w*|vesak|wesak|rangoli|mehndi|mehendi|henna|namaste|sanskrit|auspicious|"
            r"good (?:luck|fortune)|prosperity|world religions|religious education)\b)"
            r"|(?-i:\bRE\b)"
        ),
        "unless": f"(?i:{_NAZI_CUES})",
    },
    {
        "code": r"14\s?/\s?88",
        "frame": (
            r"(?i:\b(?:scored?|scoring|got|marks?|out of|tests?|papers?|mocks?|exams?|quiz\w*|"
            r"spelling|boundar(?:y|ies)|grades?|results?|questions|homework|worksheet|"
            r"percent)\b)"
        ),
        "unless": (
            r"(?i:\b(?:hitler|heil|nazi\w*|reich|sieg|aryan|white|lads|brothers?|patriots?|"
            r"flags?|salute|hail|remember|respect)\b)"
        ),
    },
)


# C25 (declared before its probe was read; refused, and kept so it reproduces): a code
# quoted to teach, remember, warn or report is talk about the code, not use of it, so it too
# is left to the network unless the text endorses the code or attacks a group; triple
# brackets round praise are emphasis; and the festivals and rites C24's frame missed.
# Hateful posts use lessons, reports and the police as backdrop too ("got referred to
# Prevent for saying ZOG runs the country"), and the frame let five of 21 through.
_ENDORSING = (
    r"(?i:\b(?:report me|go on then|based|lies|hoax|myth|never happened|didn'?t happen|"
    r"did nothing wrong|wake up|they don'?t want you to know|the truth|sieg|heil|hail|"
    r"white (?:power|pride|race|lives|kids|boys|lads|britain|england)|respect to|legends?|"
    r"whoever did|more of (?:this|that)|about time|good lads|hitler was|gas (?:them|the)|"
    r"ovens?|deport\w*|send (?:them|em) (?:back|home)|go back|invasion|invaders|replacement|"
    r"they run|run by|control(?:s|led)? (?:the|our|everything))\b|[😂🤣😏😎🤫👌])"
)
TALK_EXCEPTIONS: tuple[dict[str, Any], ...] = (
    {
        "code": r"[\s\S]+",
        "frame": (
            r"(?i:\b(?:history|lessons?|assembl(?:y|ies)|holocaust|memorial|remembrance|"
            r"museum|exhibition|ww2|wwii|world war|nazi germany|anne frank|curriculum|homework|"
            r"coursework|taught|teaching|learn(?:ed|t|ing) about|studying|online safety|"
            r"e-?safety|internet safety|report(?:ed|ing)?|police|pcso|prevent|extremis\w*|"
            r"radicalis\w*|hate (?:symbols?|crimes?|speech|incidents?)|what does|meaning|"
            r"if you see|look out for|spotting|warning|warned|removed|painted over|cleaned off|"
            r"unacceptable|not acceptable|not tolerated|zero tolerance)\b)"
        ),
        "unless": _ENDORSING,
    },
    {
        "code": (
            r"(?i:\({3}\s*(?:so|such|huge|massive|big|well done|congrat\w*|happy|thank\w*|"
            r"sending|lots of|all the|much)\b[^)]*\){3})"
        ),
        "frame": r"^",
        "unless": _ENDORSING,
    },
    {
        "code": r"[卐卍]+",
        "frame": (
            r"(?i:\b(?:mahavir|jayanti|jinendra|jai|mundan|kalava|om|khanda|thali|shubh|labh|"
            r"bhagwan|hinduism|jainism|buddhism|religious|festival|blessed|celebrat\w*)\b)"
        ),
        "unless": f"(?i:{_NAZI_CUES})",
    },
)


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(patterns))


@lru_cache(maxsize=64)
def _one(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _excused(code: str, text: str, exceptions: Sequence[Mapping[str, str]]) -> bool:
    """Is this code, in this text, inside the frame where it reads innocently?"""
    return any(
        _one(rule["code"]).fullmatch(code)
        and _one(rule["frame"]).search(text)
        and not _one(rule["unless"]).search(text)
        for rule in exceptions
    )


def codes_matched(text: str | None, rules: Mapping[str, Any] | None = None) -> list[str]:
    """The codes in a text that raise hate under `rules` (default: the current ones), as
    written, so a lead sees why a post was flagged."""
    rules = rules if rules is not None else artefact_hate_rules()
    text = text or ""
    exceptions = rules.get("exceptions", ())
    found = (m.group(0) for m in _compiled(tuple(rules["patterns"])).finditer(text))
    return [code for code in found if not _excused(code, text, exceptions)]


def hate_rule_hits(texts: Sequence[str], rules: Mapping[str, Any]) -> np.ndarray:
    """A boolean per text: does any code raise hate in it?"""
    rx = _compiled(tuple(rules["patterns"]))
    if not rules.get("exceptions"):
        return np.array([bool(rx.search(text or "")) for text in texts], dtype=bool)
    return np.array([bool(codes_matched(text, rules)) for text in texts], dtype=bool)


def apply_hate_rules(
    texts: Sequence[str], scores: np.ndarray, tasks: Sequence[str], rules: Mapping | None
) -> None:
    """Raise the rules' labels in `scores` (rows = texts, columns = tasks) where a code hits."""
    if not rules:
        return
    hits = hate_rule_hits(texts, rules)
    if not hits.any():
        return
    for label in rules["labels"]:
        if label in tasks:
            column = list(tasks).index(label)
            scores[hits, column] = np.maximum(scores[hits, column], float(rules["score"]))


def artefact_hate_rules(exceptions: bool = True, talk: bool = False) -> dict[str, object]:
    """The rules as stored in an artefact's config; without `exceptions`, C23's (every
    listed code raises, with no innocent frame); with `talk`, C25's frames as well."""
    rules: dict[str, object] = {
        "score": RULE_SCORE,
        "labels": list(RAISED_LABELS),
        "patterns": list(hate_code_sources()),
    }
    if exceptions:
        chosen = (*EXCEPTIONS, *TALK_EXCEPTIONS) if talk else EXCEPTIONS
        rules["exceptions"] = [dict(rule) for rule in chosen]
    return rules
