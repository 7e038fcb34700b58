"""The label set the whole project agrees on, plus training-only auxiliary tasks.

Other parts of trustwatch (alerts, reports, the review app) key on these names, so they are
defined once here and copied into every artefact's config.
"""

from __future__ import annotations

LABELS: tuple[str, ...] = ("abuse", "bullying", "hate", "complaint", "safeguarding")

LABEL_DESCRIPTIONS: dict[str, str] = {
    "abuse": "offensive or abusive language",
    "bullying": "insult or harassment aimed at an individual",
    "hate": "attack on a group identity",
    "complaint": "a complaint about a service, person or decision",
    "safeguarding": "threat of violence, self-harm or suicidal talk, or a child at risk",
}

# OLID level B (targeted vs untargeted offence) has no place among the public labels, but
# learning it helps `bullying` and lets us report OLID B honestly. Not exposed at inference.
AUX_TASKS: tuple[str, ...] = ("targeted",)

TASKS: tuple[str, ...] = LABELS + AUX_TASKS
