"""A second reading of `complaint` for grievances framed against a group of pupils (C28).

Issue 20 names "grievances framed around a group of pupils" among the complaints the model
misses, and `fresh_check` shows it: where a post attacks a group ("those Traveller kids ruin
every lesson and the school does nothing"), the hate head fires and the complaint head falls
silent, because every hateful public tweet it learned from was labelled "not a complaint".
A school must still answer the grievance within 24 hours (and a lead must still see the
hate). So where a post names a group, is read as hateful and not as a complaint, the
complaint head reads it a second time with each group word replaced by "other"/"others" and
keeps the higher complaint score. Nothing else changes: hate, abuse and the rest stay the
first reading's, so the second reading can only add a complaint, never hide a harm.

Only those posts are read twice (a group word, hate at or above its threshold, complaint
below its own), so the hourly cost grows with the hateful posts, not with the stream.
Like the rule backstops, the terms travel inside the artefact's config, so they are part of
the model version, and an artefact without `complaint_reading` is scored by one reading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

# Words that name a group of pupils or families by a protected or targeted identity, as
# posts in a school's world write them (after `classifiers.text` has undone disguises).
# Written before the probe that judges C28 was read. Sex words ("girls", "boys") are left
# out: a school names its girls and boys every day, and neutralising them would read half
# the stream twice for nothing.
GROUP_TERMS: tuple[str, ...] = (
    # nationality and ethnicity
    r"polish|poles|romanian|romanians|bulgarian|bulgarians|albanian|albanians|lithuanian|"
    r"eastern europeans?|ukrainian|ukrainians|russian|russians|syrian|syrians|afghan|afghans|"
    r"iraqi|iraqis|kurdish|kurds|somali|somalis|eritrean|eritreans|sudanese|nigerian|"
    r"nigerians|african|africans|pakistani|pakistanis|bangladeshi|bangladeshis|indian|"
    r"indians|asian|asians|chinese|black|blacks|brown|foreign|foreigners|ethnic minority|"
    r"ethnics|roma|gypsy|gypsies|traveller|travellers|traveler|travelers|pikey|pikeys|"
    r"gyppo|gyppos|paki|pakis|wog|wogs|nigger|niggers|nigga|niggas",
    # migration
    r"immigrant|immigrants|migrant|migrants|refugee|refugees|asylum seekers?|asylum|"
    r"illegals|illegal immigrants?|new arrivals|boat people|eal",
    # religion
    r"muslim|muslims|moslem|moslems|islamic|jewish|jews|hindu|hindus|sikh|sikhs",
    # disability and special educational needs
    r"(?-i:SEND|SEN|SENCO)|special needs|additional needs|autistic|autism|adhd|disabled|"
    r"disability|ehcp|retard|retards|retarded|spastic|spastics|speds|spazzes|window lickers",
    # sexuality and gender identity
    r"gay|gays|lesbian|lesbians|lgbt|lgbtq|lgbtq\+|trans|transgender|non-binary|nonbinary|"
    r"queer|queers|tranny|trannies|troon|troons|fag|fags|faggot|faggots|dyke|dykes",
)
# C28b: a grievance to a school names its world. Hateful tweets about politics rarely do,
# so the stream's public noise is not read twice (C28 read 12% of the benchmark again).
SCHOOL_WORLD = (
    r"school|schools|academy|college|nursery|teachers?|tutors?|staff|head|heads|headteacher|"
    r"head teacher|principal|slt|senco|governors?|pta|office|reception|class|classes|"
    r"classroom|lessons?|pupils?|students?|kids?|children|child|sons?|daughters?|"
    r"year \d{1,2}s?|y\d{1,2}|form|playground|uniform|trips?|canteen|dinner|lunch|"
    r"detentions?|exclud\w*|exclusions?|isolation|homework|timetable|term|inset|parents?|"
    r"ehcp|eal|(?-i:SEND|SEN)"
)
# Plural nouns ("Travellers", "boat people") become "others"; adjectives and singulars
# ("Polish kids", "SEND kids") become "other". "SEND" and "SEN" count only in capitals:
# "send" is a verb.
_PLURAL_NOUN = re.compile(r"(?:s|people)$")
FIRST_READING_LABEL = "hate"
READ_LABEL = "complaint"


@lru_cache(maxsize=4)
def _compiled(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(terms) + r")(?![\w-])", re.IGNORECASE)


def _replacement(match: re.Match[str]) -> str:
    word = match.group(0).lower()
    return "others" if _PLURAL_NOUN.search(word) and word != "trans" else "other"


def neutral_text(text: str, reading: Mapping[str, Any]) -> str | None:
    """The text with every group word replaced, or None when it names no group (or, where
    the reading has a `where`, when it does not name the school world)."""
    rx = _compiled(tuple(reading["terms"]))
    if not rx.search(text):
        return None
    where = reading.get("where")
    if where and not _compiled((where,)).search(text):
        return None
    return rx.sub(_replacement, text)


def second_readings(
    clean: Sequence[str],
    scores: np.ndarray,
    tasks: Sequence[str],
    thresholds: Mapping[str, float],
    reading: Mapping[str, Any] | None,
) -> dict[int, str]:
    """Which texts (by position) to read again, and the neutral text to read."""
    if not reading or READ_LABEL not in tasks or FIRST_READING_LABEL not in tasks:
        return {}
    hate = scores[:, list(tasks).index(FIRST_READING_LABEL)]
    complaint = scores[:, list(tasks).index(READ_LABEL)]
    chosen: dict[int, str] = {}
    for index, text in enumerate(clean):
        if hate[index] < thresholds[FIRST_READING_LABEL]:
            continue
        if complaint[index] >= thresholds[READ_LABEL]:
            continue
        neutral = neutral_text(text, reading)
        if neutral is not None:
            chosen[index] = neutral
    return chosen


def artefact_complaint_reading(school_world: bool = True) -> dict[str, object]:
    """The second reading as stored in an artefact's config: C28b's, or without
    `school_world` C28's (every hateful post naming a group, kept so it reproduces)."""
    reading: dict[str, object] = {
        "label": READ_LABEL,
        "when": FIRST_READING_LABEL,
        "terms": list(GROUP_TERMS),
    }
    if school_world:
        reading["where"] = SCHOOL_WORLD
    return reading
