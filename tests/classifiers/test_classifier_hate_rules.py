"""The hate backstop (C23): codes with no innocent reading raise `hate` and `abuse`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, read_config, write_config
from classifiers.hate_rules import (
    RULE_SCORE,
    apply_hate_rules,
    artefact_hate_rules,
    codes_matched,
    hate_rule_hits,
)
from classifiers.inference import TransformerClassifier
from classifiers.text import (
    CHARACTERS_4,
    CHARACTERS_5,
    CHARACTERS_6,
    deobfuscate,
    hate_code_sources,
)
from classifiers.training.refresh_rules import HATE_RULES_LINEAGE_KEY, add_hate_rules

RULES = artefact_hate_rules(exceptions=False)  # C23's: every listed code raises

CODED = [
    ("meet at the rec after school 14/88", "14/88"),
    ("dont trust (((the governors))) on this", "(((the governors)))"),
    ("someone drew a 卍 on the year 8 lockers", "卍"),
    ("ϟϟ written on the bus shelter by the gates", "ϟϟ"),
    ("honestly 6MWE", "6MWE"),
    ("rahowa starts at the academy lol", "rahowa"),
    ("the head answers to ZOG", "ZOG"),
    ("more rapefugees moving near the primary", "rapefugees"),
    ("kung flu boy sat next to my son", "kung flu"),
    ("why are the speds getting a trip", "speds"),
    ("bus full of window lickers again", "window lickers"),
    ("troons wanting to use our changing rooms", "troons"),
]
LOOK_ALIKES = [
    "Zog and the Flying Doctors is our class book this half term",
    "he sped off on his bike after pick-up",
    "1488 pupils sat their exams in the hall",
    "(((hugs))) to all our Year 6 leavers",
    "(((big hugs))) from the PTA",
    "kung fu club is back on Thursdays",
    "zog the dragon costume for world book day",
    "scored 14/50 in the spelling test",
    "our SEND team are brilliant",
    "window cleaners are in on Monday, please keep blinds open",
]


@pytest.mark.parametrize(("text", "code"), CODED)
def test_each_code_is_caught_and_named(text: str, code: str) -> None:
    assert hate_rule_hits([text], RULES).tolist() == [True]
    assert codes_matched(text) == [code]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_books_counts_hugs_and_clubs_are_left_to_the_model(text: str) -> None:
    assert hate_rule_hits([text], RULES).tolist() == [False]
    assert codes_matched(text) == []


@pytest.mark.parametrize("text", [t for t, _ in CODED] + LOOK_ALIKES)
def test_the_backstop_catches_exactly_the_codes_the_reading_modes_read(text: str) -> None:
    """One list, two uses: a code the sixth mode reads (or the fifth's two dog whistles) is a
    code the backstop catches, and nothing else is. Emoji are read but never caught."""
    read = deobfuscate(text, CHARACTERS_6) != deobfuscate(text, CHARACTERS_4)
    assert hate_rule_hits([text], RULES)[0] == read


def test_emoji_alone_never_trigger_the_backstop() -> None:
    texts = ["🐷🥓 for the new kids", "🧕💣", "🐒🐒🐒", "no more 🕌 🚫"]
    assert deobfuscate(texts[0], CHARACTERS_5) != texts[0]
    assert not hate_rule_hits(texts, RULES).any()


def test_only_the_rule_labels_are_raised_and_only_on_a_hit() -> None:
    tasks = ["abuse", "bullying", "hate", "complaint", "safeguarding"]
    scores = np.full((2, len(tasks)), 0.1)
    scores[1, tasks.index("abuse")] = 0.99
    apply_hate_rules(["ϟϟ lads", "lovely sports day"], scores, tasks, artefact_hate_rules())
    assert scores[0].tolist() == [RULE_SCORE, 0.1, RULE_SCORE, 0.1, 0.1]
    assert scores[1].tolist() == [0.99, 0.1, 0.1, 0.1, 0.1]  # no hit: untouched
    before = scores.copy()
    apply_hate_rules(["ϟϟ lads"], scores[:1], tasks, None)  # an artefact without the rules
    assert (scores == before).all()


def test_the_shipped_artefact_serves_the_backstop() -> None:
    """C23 and C24 were adopted: the committed model carries the current codes and frames."""
    assert read_config(ARTEFACTS_DIR / DEFAULT_ARTEFACT)["hate_rules"] == artefact_hate_rules()


def test_adding_the_rules_changes_only_hate_and_abuse_on_coded_posts(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(ARTEFACTS_DIR / DEFAULT_ARTEFACT, source)
    config = read_config(source)
    del config["hate_rules"]  # the champion C23 was built from
    write_config(source, config)
    out = tmp_path / "with_rules"
    version = add_hate_rules(source, out)
    config = read_config(out)
    assert config["hate_rules"] == artefact_hate_rules()
    assert config["training"][HATE_RULES_LINEAGE_KEY] != version
    texts = [t for t, _ in CODED] + LOOK_ALIKES
    before = TransformerClassifier(source, precision="fp32").predict_proba(texts)
    after = TransformerClassifier(out, precision="fp32").predict_proba(texts)
    coded = np.arange(len(texts)) < len(CODED)
    for label in ("hate", "abuse"):
        assert (after.loc[coded, label] >= RULE_SCORE).all()
    for label in ("bullying", "complaint", "safeguarding"):
        assert np.array_equal(after[label].to_numpy(), before[label].to_numpy())
    assert after.loc[~coded].equals(before.loc[~coded])


def test_the_stored_codes_do_not_depend_on_the_hash_seed() -> None:
    """The codes are hashed into the model version, so they must read the same in every
    process; an alternation built from a set once depended on PYTHONHASHSEED."""
    code = "from classifiers.text import hate_code_sources; print(hate_code_sources())"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert outputs == {f"{hate_code_sources()}\n"}


# C24: the two codes a school also meets innocently, inside their innocent frame.
INNOCENT_IN_FRAME = [
    "Happy Diwali from the Patel family, wishing everyone prosperity 🪔 卐",
    "Year 7 RE today: the 卍 as a Buddhist symbol, centuries before it was stolen",
    "Rangoli competition entries are up in the hall 卐🌸",
    "she scored 14/88 on the maths mock, any tutors round here?",
]
HATEFUL_DESPITE_FRAME = [
    "happy diwali 卐 heil to the real ones",  # a cue of the hateful reading
    "卐 for the jews in 9C, happy holi",
    "14/88 lads, top marks to whoever did the toilets",
    "ϟϟ drawn in the RE classroom",  # the SS runes have no innocent frame
    "卐 on the year 8 lockers again",  # no frame at all
]
WITH_EXCEPTIONS = artefact_hate_rules()


@pytest.mark.parametrize("text", INNOCENT_IN_FRAME)
def test_a_festival_symbol_or_a_mark_is_left_to_the_model(text: str) -> None:
    assert hate_rule_hits([text], WITH_EXCEPTIONS).tolist() == [False]
    assert codes_matched(text, WITH_EXCEPTIONS) == []
    assert hate_rule_hits([text], RULES).tolist() == [True]  # C23's rules raise it


@pytest.mark.parametrize("text", HATEFUL_DESPITE_FRAME)
def test_a_hateful_cue_or_another_code_still_raises(text: str) -> None:
    assert hate_rule_hits([text], WITH_EXCEPTIONS).tolist() == [True]
    assert codes_matched(text, WITH_EXCEPTIONS)


def test_only_the_excused_code_is_dropped_from_what_a_lead_sees() -> None:
    text = "Diwali lights 卐 and (((them))) running the PTA"
    assert codes_matched(text, WITH_EXCEPTIONS) == ["(((them)))"]


# C25 (refused; kept so it reproduces): talk about a code left to the network.
TALK = artefact_hate_rules(talk=True)


@pytest.mark.parametrize(
    "text",
    [
        "Year 9 history: why the 卐 and ϟϟ became symbols of the Nazi state",
        "if you see 14/88 or (((name))) on your child's phone please report it to us",
        "(((so proud))) of our Year 6 netball girls",
        "Jai Jinendra! 卐 made from rice at home for Mahavir Jayanti",
    ],
)
def test_talk_about_a_code_is_left_to_the_model(text: str) -> None:
    assert hate_rule_hits([text], TALK).tolist() == [False]
    assert hate_rule_hits([text], WITH_EXCEPTIONS).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "the holocaust assembly was all lies 6MWE",
        "report me then 14/88",
        "(((them))) run the PTA",
        "kung flu lot should go back, whoever did the history display",
    ],
)
def test_endorsing_a_code_while_talking_about_it_still_raises(text: str) -> None:
    assert hate_rule_hits([text], TALK).tolist() == [True]


def test_the_committed_card_describes_the_served_backstop_frames() -> None:
    """The card is the lead-facing account of what the backstop flags: with C24's frames
    served it must not say a festival greeting's swastika is flagged."""
    committed = ARTEFACTS_DIR / DEFAULT_ARTEFACT
    card = (committed / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert read_config(committed)["hate_rules"]["exceptions"]
    assert "left to the network unless a Nazi cue is present" in card
    assert "Hindu or Buddhist greeting is flagged" not in card
