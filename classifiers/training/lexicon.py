"""Safeguarding lexicon used as weak supervision.

No public dataset labels safeguarding risk, so high-precision phrase patterns mark public
training tweets that are almost surely about self-harm, suicide, threats of violence or a
child at risk. Those weak positives join the hand-written school examples; the patterns are
deliberately narrow because a false weak positive teaches the head to fire on banter.
"""

from __future__ import annotations

import re

SELF_HARM = (
    r"\b(?:kill|killing|hurt|hurting|cut|cutting|harm|harming) (?:my ?self|myself)\b",
    r"\bkms\b",
    r"\b(?:i'?m|i am|feeling|feel) suicidal\b",
    r"\bwant(?:ed|s)? to die\b",
    r"\bend (?:it all|my life)\b",
    r"\bdon'?t want to (?:live|be alive)\b",
    r"\bnot want(?:ing)? to (?:live|be alive)\b",
    r"\btook (?:an overdose|a load of pills)\b",
)
THREAT = (
    r"\bi(?:'?ll| will|'?m going to|'?m gonna| am going to| am gonna) "
    r"(?:kill|stab|shoot|murder|hurt|beat) (?:you|him|her|them|u)\b",
    r"\b(?:shoot|blow) up (?:the|this|that|my|your) (?:school|class)",
    r"\bbring(?:ing)? a (?:knife|gun) to school\b",
    r"\b(?:kill|hang|shoot) your ?self\b",
    r"\bgo die\b",
)
CHILD_AT_RISK = (
    r"\bgroom(?:ed|ing) (?:a |the |my )?(?:child|children|kid|kids|girl|girls|boy|boys)\b",
    r"\b(?:hits|beats|touched|touches) me\b",
)

_PATTERN = re.compile("|".join(SELF_HARM + THREAT + CHILD_AT_RISK), re.IGNORECASE)


def matches_safeguarding(text: str) -> bool:
    """True when the text contains one of the narrow safeguarding phrases."""
    return bool(_PATTERN.search(text))
