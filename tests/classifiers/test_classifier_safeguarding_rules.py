"""The safeguarding rule backstop: disclosures always reach a safeguarding lead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT, artefact_version, read_config
from classifiers.safeguarding_rules import (
    CODED_PATTERNS,
    PATTERNS,
    RULE_SCORE,
    SLANG_PATTERNS,
    artefact_rules,
    categories_matched,
    educational_context,
    rule_hits,
    with_slang,
)

DISCLOSURES = [
    ("A girl in Year 9 says she wants to end it all and has been cutting herself", "self_harm"),
    ("my son's friend keeps talking about suicide, please can someone check", "self_harm"),
    ("@MillbrookHigh her stepdad hits her and she is scared to go home", "abuse_at_home"),
    ("He turned up with bruises all over his arms again", "abuse_at_home"),
    ("There's no food at home and he comes in hungry", "neglect"),
    ("a little girl out on her own every night till late", "neglect"),
    ("A man in a car keeps asking pupils if they want a lift", "grooming_or_exploitation"),
    ("someone has been hanging around the school gates at pick-up", "grooming_or_exploitation"),
    ("an older lad is asking Year 8 girls for nudes on Snapchat", "grooming_or_exploitation"),
    ("a boy said he is bringing a knife into school tomorrow", "weapon_or_threat"),
    ("I'm going to stab the teacher who excluded me", "weapon_or_threat"),
    ("my daughter has not come home from school and her phone is off", "missing_child"),
    ("Why is a teacher following my 13 year old on Instagram?", "staff_pupil_contact"),
    ("miss added me on snap lol is that even allowed", "staff_pupil_contact"),
    ("Mr Davies keeps messaging my daughter on WhatsApp late at night", "staff_pupil_contact"),
    ("Year 11s are selling vapes to the year 7s in the toilets", "peer_supply"),
    ("older lads at the gates flogging weed to the kids", "peer_supply"),
    ("the science teacher plays xbox with some year 9 lads most evenings", "staff_pupil_contact"),
    ("a TA gave my son her personal number and said not to tell his mum", "staff_pupil_contact"),
    ("my 12 year old was given nitrous by a sixth former at the bus stop", "peer_supply"),
    ("year 10s are making the little ones hold their weed in their bags", "peer_supply"),
    ("the kids next door get left on their own for days, the eldest is 8", "neglect"),
    ("he's left by himself most nights while his mum works", "neglect"),
    ("my son says someone phoned in a bomb threat to the school", "weapon_or_threat"),
    ("there is a bomb at the school, get the kids out", "weapon_or_threat"),
    ("my son's football coach keeps DMing him and said don't tell your mum", "staff_pupil_contact"),
    ("year 8s getting paid to carry parcels for lads in a car", "grooming_or_exploitation"),
    ("an account is asking girls at the school to send it pictures", "grooming_or_exploitation"),
    # KCSIE harms with rules since C13.
    ("my daughter was groped on the school bus by two year 11s", "sexual_harm"),
    ("a lad in her form is threatening to post her pictures if she tells", "sexual_harm"),
    ("our 15 year old has a 22 year old boyfriend and we don't know what to do", "sexual_harm"),
    (
        "she's worried she'll be forced to marry when they go back this summer",
        "forced_marriage_fgm_or_radicalisation",
    ),
    (
        "I think my nephew is being radicalised by videos his older cousin sends",
        "forced_marriage_fgm_or_radicalisation",
    ),
    (
        "gangs are recruiting year 8s outside the chicken shop after school",
        "forced_marriage_fgm_or_radicalisation",
    ),
    ("noticed fresh scars on her wrists in PE today", "self_harm"),
    ("he keeps making himself sick after lunch", "self_harm"),
    ("she says everyone would be better off without me", "self_harm"),
    ("he's terrified of his stepdad and won't say why", "abuse_at_home"),
    ("his dad is always drunk when he picks him up", "abuse_at_home"),
    ("a boy in year 10 was kicked out of home and is sofa surfing", "abuse_at_home"),
    ("one of the year 9s has been carrying a knife on the way home", "weapon_or_threat"),
    ("my friend hasn't been home since friday and isn't answering", "missing_child"),
]

ORDINARY = [
    "Thank you for a lovely sports day",
    "My coat has been missing since Monday, has anyone seen it?",
    "Dog grooming stall at the PTA fair on Saturday!",
    "The parking at drop-off is a nightmare again",
    "Can someone tell me when the Christmas concert starts?",
    "Mr Jones is a useless fat idiot",
    "Our team will kill it at the netball final",
    "Mr Jones is following up with my son about his homework",
    "Follow us on Instagram for updates from the PE department!",
    "Please message the office on WhatsApp if your child is absent",
    "The tuck shop is selling cakes for Children in Need",
    "The school is dealing with the drugs issue, letter to parents tomorrow",
    "Mr Shah posted the match photos on the school Facebook page, the kids look great",
    "Can I buy a second-hand blazer from the PTA sale for my daughter?",
    "The school disco last night was the bomb!",
    "Year 6 were left on their own for ten minutes to finish the quiz",
    "",
]


@pytest.mark.parametrize(("text", "category"), DISCLOSURES)
def test_each_kind_of_disclosure_is_matched(text: str, category: str) -> None:
    assert category in categories_matched(text)


# Everyday posts close to the patterns broadened from the school-world fold (C12): the
# rules must not take them (the model may score them on its own).
NEAR_MISSES = [
    "Can I drop the PE bags at reception for the kids?",
    "Mr Smith said dont tell anyone about the surprise assembly for the kids",
    "Year 9 helped carry parcels to the hall for the food bank",
    "Our account is asking parents to share their sports day photos!",
    # The topics of the C13 rules, talked about rather than disclosed.
    "Sixth form debate tonight: should sexual harassment law cover online abuse?",
    "The new RSE policy on consent and sexual assault is on the website",
    "Great talk from the police on knife crime and why carrying one makes you less safe",
    "Brought a knife to a gun fight with that netball team, well played all",
    "The teacher kicked him out of the lesson for talking",
    "Mr Patel would be better off without the year 11 set, honestly",
    "Form tutors: the radicalisation and Prevent training is on Monday",
    "Our Year 9 drama piece follows a boy who gets drawn into a gang",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_of_the_broadened_rules_are_not_matched(text: str) -> None:
    assert rule_hits([text], PATTERNS, educational_context()).tolist() == [False]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_school_talk_is_not_matched(text: str) -> None:
    assert categories_matched(text) == []


def test_rule_hits_is_one_boolean_per_text_in_order() -> None:
    texts = [ORDINARY[0], DISCLOSURES[0][0], ORDINARY[1], DISCLOSURES[2][0]]
    assert rule_hits(texts).tolist() == [False, True, False, True]


@pytest.mark.slow
def test_model_scores_disclosures_above_the_safeguarding_threshold(model) -> None:
    texts = [text for text, _ in DISCLOSURES]
    scores = model.predict_proba(texts)["safeguarding"]
    assert (scores >= model.thresholds["safeguarding"]).all()
    assert (scores >= RULE_SCORE).all()
    # the rule only raises a score: ordinary text keeps the network's own (low) score
    ordinary = model.predict_proba(ORDINARY)["safeguarding"]
    assert (ordinary < model.thresholds["safeguarding"]).all()


def test_rules_are_part_of_the_committed_artefact_and_its_version(tmp_path: Path) -> None:
    committed = ARTEFACTS_DIR / DEFAULT_ARTEFACT
    stored = read_config(committed)["safeguarding_rules"]
    assert stored["score"] == RULE_SCORE
    assert stored["patterns"] == {k: list(v) for k, v in PATTERNS.items()}
    copy = tmp_path / "artefact"
    shutil.copytree(committed, copy)
    before = artefact_version(copy)
    config = json.loads((copy / "config.json").read_text())
    config["safeguarding_rules"]["patterns"]["self_harm"].append(r"\bsad\b")
    (copy / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    assert artefact_version(copy) != before


# Issue 20: a lesson, assembly or campaign about a topic is not a disclosure of it.
EDUCATIONAL = [
    "Thoughtful PSHE lesson this morning on suicide prevention and who to talk to",
    "Year 10 drama are staging a play about self-harm and recovery next week",
    "Assembly on county lines and spotting exploitation, thanks to the police schools team",
    "Mental health week: our wellbeing team will talk about overdose risks and where to get help",
]
DISCLOSED_IN_EDUCATIONAL_FRAME = [
    "After the suicide prevention assembly my son told me he wants to die",
    "I've been self harming since the anti-bullying week session and nobody knows",
    "During the PSHE lesson a girl said her stepdad hits her",
]


@pytest.mark.parametrize("text", EDUCATIONAL)
def test_an_educational_mention_is_not_a_disclosure(text: str) -> None:
    assert categories_matched(text), "the topic words alone do match a rule"
    assert rule_hits([text], PATTERNS, educational_context()).tolist() == [False]


@pytest.mark.parametrize("text", DISCLOSED_IN_EDUCATIONAL_FRAME + [t for t, _ in DISCLOSURES])
def test_a_disclosure_is_raised_even_inside_an_educational_frame(text: str) -> None:
    assert rule_hits([text], PATTERNS, educational_context()).tolist() == [True]


def test_artefacts_without_the_context_keep_their_rules() -> None:
    """Artefacts written before the context existed behave exactly as before."""
    legacy = {k: v for k, v in artefact_rules().items() if k != "educational_context"}
    assert rule_hits([EDUCATIONAL[0]], legacy["patterns"], legacy.get("educational_context"))[0]


def test_the_committed_artefact_carries_the_educational_context() -> None:
    """Since a28f6405 the committed model's stored rules are the current ones (issue 20)."""
    rules = read_config(ARTEFACTS_DIR / DEFAULT_ARTEFACT)["safeguarding_rules"]
    assert rules == artefact_rules()
    assert not rule_hits(EDUCATIONAL, rules["patterns"], rules["educational_context"]).any()


@pytest.mark.slow
def test_the_model_leaves_educational_mentions_to_the_network(model) -> None:
    scores = model.predict_proba(EDUCATIONAL + DISCLOSED_IN_EDUCATIONAL_FRAME)["safeguarding"]
    assert (scores[: len(EDUCATIONAL)] < RULE_SCORE).all()
    assert (scores[len(EDUCATIONAL) :] >= RULE_SCORE).all()


# C26: harms said in code, in the served rules since C26 was adopted.
CODED_DISCLOSURES = [
    ("kys nobody in this form can stand you", "urged_to_self_harm"),
    ("honestly just kill urself mate", "urged_to_self_harm"),
    ("do us all a favour and jump kayden", "urged_to_self_harm"),
    ("no one would care if u died tbh", "urged_to_self_harm"),
    ("she says she's a boy now 🙄 go on, join the 41 percent", "urged_to_self_harm"),
    ("Maisie in 8B ➡️ ⚰️ nobody likes her", "urged_to_self_harm"),
    ("them two in year 10 🤮🔪", "weapon_or_threat"),
    ("her pics are going round the whole year on snap", "sexual_harm"),
    ("someone leaked his videos on the group chat", "sexual_harm"),
    ("he keeps asking girls for snaps then screenshotting them", "sexual_harm"),
    ("she's 13 and a 19 year old picks her up from school every day", "grooming_or_exploitation"),
    ("an older lad keeps buying him trainers and phones", "grooming_or_exploitation"),
]
CODED_NEAR_MISSES = [
    "sent pics of the trip to the parents group, has everyone got them?",
    "41% off school shoes this weekend only",
    "me after maths ➡️ ⚰️",
    "do everyone a favour and read the newsletter before asking",
    "he's 14 and made the year 11 football team, so proud",
    "the year 11 prom photos are going round the parents page, they look amazing",
    "nobody will miss the old canteen menu",
    "kill it at the exams tomorrow you lot",
    "the older kids bought him a birthday cake",
]


@pytest.mark.parametrize(("text", "category"), CODED_DISCLOSURES)
def test_harms_said_in_code_are_matched(text: str, category: str) -> None:
    assert category in categories_matched(text)


@pytest.mark.parametrize("text", CODED_NEAR_MISSES)
def test_everyday_uses_of_the_coded_cues_are_not_matched(text: str) -> None:
    assert rule_hits([text], PATTERNS, educational_context()).tolist() == [False]


def test_coded_patterns_close_their_categories_in_the_order_c26_was_judged_with() -> None:
    """The artefact's version hashes the pattern lists, order included: C26 was judged as
    the earlier rules with each coded pattern appended to its category."""
    stored = artefact_rules()["patterns"]
    for category, extra in CODED_PATTERNS.items():
        assert stored[category][-len(extra) :] == list(extra)
    assert stored["urged_to_self_harm"] == list(CODED_PATTERNS["urged_to_self_harm"])


def test_rules_match_whatever_the_case_the_post_is_written_in() -> None:
    """The rules run on the lower-cased text (half the cost of IGNORECASE); a shouted
    disclosure must still match, and a pattern that spells a capital keeps IGNORECASE."""
    assert "abuse_at_home" in categories_matched("MY STEPDAD HITS ME AND IM SCARED TO GO HOME")
    assert rule_hits(["Join The 41% Mate", "KYS"]).tolist() == [True, True]
    spelled = {"code": (r"\bZOG\b",)}
    assert categories_matched("zog", spelled) == categories_matched("ZOG", spelled) == ["code"]


# C27: more slang for the same harms, kept apart from the served rules until judged.
SLANG_DISCLOSURES = [
    ("there's an expose page on insta posting year 9 girls", "sexual_harm"),
    ("some lad in year 10 keeps sending d pics to the girls in her form", "sexual_harm"),
    ("someone filmed him in the showers after PE and it's been shared everywhere", "sexual_harm"),
    ("he said send him £50 or he'll post the pics", "sexual_harm"),
    ("my cousin in year 10 keeps going country for some older lads", "peer_supply"),
    ("heard the plug for half of year 9 is a sixth former", "peer_supply"),
    ("kids are vaping thc carts behind the sports hall", "peer_supply"),
    ("she keeps saying she wants to unalive herself", "self_harm"),
    ("i honestly dont want to wake up tomorrow", "self_harm"),
    ("she follows all these thinspo accounts and barely eats", "self_harm"),
    ("go neck yourself nobody rates you", "urged_to_self_harm"),
    ("hope u die tbh you snake", "urged_to_self_harm"),
]
SLANG_NEAR_MISSES = [
    "someone should make an expose page about the school dinners honestly",
    "the trip photos were posted to the parents group, lovely to see",
    "shameless plug for the PTA bake sale on friday!",
    "trap music at the year 11 disco was a bit much",
    "we're going to the country park for the geography trip",
    "no phones in the changing rooms is a sensible rule",
    "i could sleep forever after that mock exam",
]


@pytest.mark.parametrize(("text", "category"), SLANG_DISCLOSURES)
def test_slang_patterns_match_harms_said_in_slang(text: str, category: str) -> None:
    assert category in categories_matched(text, with_slang(PATTERNS))
    assert categories_matched(text) == [], "the served rules miss it: what C27 is for"


@pytest.mark.parametrize("text", SLANG_NEAR_MISSES)
def test_slang_patterns_leave_everyday_uses_of_their_cues(text: str) -> None:
    assert rule_hits([text], with_slang(PATTERNS), educational_context()).tolist() == [False]


def test_slang_rules_are_written_only_when_asked_for() -> None:
    served, candidate = artefact_rules(), artefact_rules(slang=True)
    assert served["patterns"] == {k: list(v) for k, v in PATTERNS.items()}
    for category, extra in SLANG_PATTERNS.items():
        assert candidate["patterns"][category][-len(extra) :] == list(extra)
