"""Normalisation: real handles and links become the placeholders the datasets use."""

from __future__ import annotations

import pytest

from classifiers.text import (
    CHARACTERS,
    CHARACTERS_2,
    CHARACTERS_3,
    CHARACTERS_4,
    CHARACTERS_5,
    CHARACTERS_6,
    LINK_TOKEN,
    MENTION_TOKEN,
    deobfuscate,
    model_reading,
    normalise,
    normalise_for,
)


def test_handles_and_links_become_placeholders() -> None:
    text = "@OakfieldHead see https://t.co/abc123 and www.example.co.uk/page now"
    assert normalise(text) == f"{MENTION_TOKEN} see {LINK_TOKEN} and {LINK_TOKEN} now"


def test_email_addresses_are_not_mentions() -> None:
    assert normalise("write to office@oakfield.sch.uk") == "write to office@oakfield.sch.uk"


def test_mojibake_apostrophes_are_repaired() -> None:
    assert normalise("We\u00e2\u0080\u0099ve had enough") == "We\u2019ve had enough"


def test_html_entities_and_spacing_are_tidied() -> None:
    assert normalise("  fish &amp; chips\n\n  today ") == "fish & chips today"


def test_non_strings_do_not_crash() -> None:
    assert normalise(None) == ""
    assert normalise(42) == "42"


# Character-aware normalisation (issue 20): what a reader sees through, the model should too.


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        ("stop being a b1tch", "stop being a bitch"),
        ("she's a wh0re", "she's a whore"),
        ("n1gg3rs out", "niggers out"),
        ("too many p4k1s", "too many pakis"),
        ("the f@gs in year 10", "the fags in year 10"),
        ("no more tr*nnies", "no more trannies"),
        ("what a sl*g", "what a slag"),
        ("f*ck off", "fuck off"),
        ("soooooo annoying", "soo annoying"),
        ("you're a looooser", "you're a looser"),
    ],
)
def test_slang_spellings_are_read_through(raw: str, read: str) -> None:
    assert deobfuscate(raw) == read


@pytest.mark.parametrize(
    "text",
    [
        "Year 7 trip leaves at 3pm from 10R",
        "Dinner money is £2.60 a day",
        "email office@oakfield.sch.uk by 5th May",
        "a b*d day",  # a mask that fits no known word is left as it is
        "14/88",
        "Good luck to the U13s",
    ],
)
def test_ordinary_numbers_emails_and_unknown_masks_are_left_alone(text: str) -> None:
    assert deobfuscate(text) == text


def test_only_artefacts_that_ask_get_character_normalisation() -> None:
    raw = "@Someone stop being a b1tch"
    assert normalise_for(raw, None) == normalise(raw)
    assert normalise_for(raw, CHARACTERS) == deobfuscate(normalise(raw))


# characters-2: what the disguised-spelling measurement found `characters` misses.


@pytest.mark.parametrize(
    ("raw", "first", "second"),
    [
        ("these b*tches again", "these b*tches again", "these bitches again"),
        ("what a sk*nk", "what a sk*nk", "what a skank"),
        ("you b i t c h", "you b i t c h", "you bitch"),
        ("s.l.u.t", "s.l.u.t", "slut"),
        ("f u c k i n g hell", "f u c k i n g hell", "fucking hell"),
        ("stop being a b1tch", "stop being a bitch", "stop being a bitch"),
    ],
)
def test_the_second_mode_reads_more_disguises_and_the_first_is_unchanged(
    raw: str, first: str, second: str
) -> None:
    assert deobfuscate(raw) == first
    assert deobfuscate(raw, CHARACTERS_2) == second


@pytest.mark.parametrize(
    "text",
    [
        "a b c d e, easy as 1 2 3",  # spaced letters that spell no listed word
        "Sorting the P E kit for Y 7",
        "I a m so proud of our choir",
        "Mr J. R. Smith and Mrs A. B. Jones",
    ],
)
def test_spaced_letters_are_joined_only_into_a_listed_word(text: str) -> None:
    assert deobfuscate(text, CHARACTERS_2) == text


def test_an_artefact_on_the_second_mode_gets_it() -> None:
    raw = "@Someone you b i t c h"
    assert normalise_for(raw, CHARACTERS_2) == deobfuscate(normalise(raw), CHARACTERS_2)
    assert normalise_for(raw, CHARACTERS) == normalise(raw)


# characters-3 (C15): slurs aimed at pupils the earlier lists lacked, and doubled digits.


@pytest.mark.parametrize(
    ("raw", "second", "third"),
    [
        ("another k*ke on the board", "another k*ke on the board", "another kike on the board"),
        ("y*ds everywhere", "y*ds everywhere", "yids everywhere"),
        ("he's such a p00f", "he's such a p00f", "he's such a poof"),
        ("what a fa66ot", "what a fa66ot", "what a faggot"),
        ("sp*z in 9B", "sp*z in 9B", "spaz in 9B"),
        ("shut up you w a n k e r", "shut up you w a n k e r", "shut up you wanker"),
        ("ch*nky eyes", "ch*nky eyes", "chinky eyes"),
        ("stop being a b1tch", "stop being a bitch", "stop being a bitch"),
    ],
)
def test_the_third_mode_reads_more_slurs_and_the_second_is_unchanged(
    raw: str, second: str, third: str
) -> None:
    assert deobfuscate(raw, CHARACTERS_2) == second
    assert deobfuscate(raw, CHARACTERS_3) == third


@pytest.mark.parametrize(
    "text",
    [
        "Y6B and Y5A swap rooms on Friday",  # a single 6 between letters is a class name
        "SO PROUD!!WELL DONE",  # doubled emphasis is not a letter
        "ring 0800 600 1234 or email office@school00.org",
        "Mr J*nes said no, Year 66 is not a thing",  # a masked word not on the list stays masked
    ],
)
def test_the_third_mode_leaves_class_names_emphasis_and_numbers_alone(text: str) -> None:
    assert deobfuscate(text, CHARACTERS_3) == deobfuscate(text, CHARACTERS_2)


# characters-4 (C16): slang respellings that keep an insult's sound.


@pytest.mark.parametrize(
    ("raw", "third", "fourth"),
    [
        ("ur a fukin biatch", "ur a fukin biatch", "ur a fucking bitch"),
        ("FUK this school", "FUK this school", "fuck this school"),
        ("shut up you wanka!", "shut up you wanka!", "shut up you wanker!"),
        ("kunts, the lot of them", "kunts, the lot of them", "cunts, the lot of them"),
        ("what a b1atch", "what a biatch", "what a bitch"),  # the digit first, then the word
        ("stoopid tard", "stoopid tard", "stupid retard"),
    ],
)
def test_the_fourth_mode_restores_slang_respellings_and_the_third_is_unchanged(
    raw: str, third: str, fourth: str
) -> None:
    assert deobfuscate(raw, CHARACTERS_3) == third
    assert deobfuscate(raw, CHARACTERS_4) == fourth


@pytest.mark.parametrize(
    "text",
    [
        "i cnt make parents evening, can we rearrange",  # text-speak for can't
        "the dike at the bottom of the field has flooded",
        "Ho ho ho! Santa's grotto opens at 3pm",
        "shite weather for sports day",  # an ordinary British word, left to the model
        "email fuk@school.org or see bytcheston.com",  # part of an address, not a word
        "fukushima project in Year 9 geography",
    ],
)
def test_the_fourth_mode_leaves_ordinary_words_and_addresses_alone(text: str) -> None:
    assert deobfuscate(text, CHARACTERS_4) == deobfuscate(text, CHARACTERS_3)


# characters-5 (C18): emoji used as insults, and two dog whistles, read as words.


@pytest.mark.parametrize(
    ("raw", "fifth"),
    [
        ("you look like a 🐷 lol", "you look like a pig lol"),
        ("🐒🐒🐒 go home", "monkey go home"),  # a run of one emoji is one word
        ("🐒 🐒🐒 go home", "monkey go home"),
        ("🤡🤡 ur such a fuk", "clown ur such a fuck"),  # then the fourth mode's respellings
        ("🖕🏻 mr hughes", "fuck you mr hughes"),  # skin tone
        ("🤦\u200d♀️ again", "facepalm again"),  # a person emoji with a gender sign
        ("pride month 🏳️\u200d🌈🤮", "pride month pride flag disgusting"),  # a joined flag
        ("14/88 lads", "nazi lads"),
        ("see u all there 1488", "see u all there nazi"),
        ("(((they))) run this school", "jewish they run this school"),
        ("new timetable 🙄 great", "new timetable rolls eyes great"),
    ],
)
def test_the_fifth_mode_reads_insulting_emoji_and_dog_whistles(raw: str, fifth: str) -> None:
    assert deobfuscate(raw, CHARACTERS_5) == fifth
    assert deobfuscate(raw, CHARACTERS_4) != fifth


@pytest.mark.parametrize(
    "text",
    [
        "1488 pupils on roll this year",  # a count
        "£1,488 raised for the hospice",
        "call 01488 555 000",
        "room 14, 88 chairs",
        "(((hugs))) to everyone at the fair",
        "well done team ❤️😂🎉",  # emoji without a listed reading stay as written
    ],
)
def test_the_fifth_mode_leaves_counts_hugs_and_other_emoji_alone(text: str) -> None:
    assert deobfuscate(text, CHARACTERS_5) == deobfuscate(text.replace("\ufe0f", ""), CHARACTERS_4)


# characters-6 (C21): the emoji and codes that name a hate post's target, read as words.


@pytest.mark.parametrize(
    ("raw", "sixth"),
    [
        ("🧕💣 go back", "headscarf bomb go back"),
        ("no more 🕌 in our town 🚫", "no more mosque in our town no"),
        ("ur such a 🥥🥥", "ur such a coconut"),  # a run of one emoji is one word
        ("✡️ lot run the PTA", "star of david lot run the PTA"),  # presentation selector
        ("🏳️\u200d🌈🌈 pride week", "pride flag rainbow pride week"),  # the fifth mode's flag first
        ("卐卐 on the year 9 toilet door", "swastika on the year 9 toilet door"),
        ("ϟϟ lads", "nazi ss lads"),
        ("6mwe tbh", "six million was not enough tbh"),
        ("ZOG runs the council", "jewish occupied government runs the council"),
        ("rapefugees outside the gates", "rapist refugees outside the gates"),
        ("kung-flu kid in 8R", "chinese virus kid in 8R"),
        ("the speds in 7C again", "the retards in 7C again"),
        ("window lickers on the trip", "retards on the trip"),
        ("troons in the girls toilets", "trannies in the girls toilets"),
        ("🐷🧕 14/88 ur a fuk", "pig headscarf nazi ur a fuck"),  # and all the fifth reads
    ],
)
def test_the_sixth_mode_reads_target_emoji_and_codes(raw: str, sixth: str) -> None:
    assert deobfuscate(raw, CHARACTERS_6) == sixth
    assert deobfuscate(raw, CHARACTERS_5) != sixth


@pytest.mark.parametrize(
    "text",
    [
        "we read Zog in Reception today",  # the dragon, not the code
        "she sped off before the bell",
        "scored 13/50 on the mock, gutted",
        "room 88 is the new SEN base",
        "well done team ❤️😂🎉",  # emoji without a listed reading stay as written
        "1488 pupils on roll this year",
    ],
)
def test_the_sixth_mode_leaves_books_scores_and_other_emoji_alone(text: str) -> None:
    assert deobfuscate(text, CHARACTERS_6) == deobfuscate(text, CHARACTERS_5)


def test_the_sixth_mode_reads_every_emoji_the_fifth_reads_the_same_way() -> None:
    from classifiers.text import EMOJI_WORDS, EMOJI_WORDS_6

    assert {e: EMOJI_WORDS_6[e] for e in EMOJI_WORDS} == EMOJI_WORDS
    for emoji, word in EMOJI_WORDS_6.items():
        assert deobfuscate(f"look {emoji} now", CHARACTERS_6) == f"look {word} now"


@pytest.mark.parametrize(
    ("written", "mode", "reading"),
    [
        ("@kayla_x 🐍🐍 everyone knows", CHARACTERS_5, "@kayla_x snake everyone knows"),
        ("ur a fkn joke", CHARACTERS_4, "ur a fucking joke"),
        ("ur a fkn joke", CHARACTERS_3, None),  # the third mode reads it as written
        ("soooo proud of Year 6 ❤️", CHARACTERS_5, None),  # held letters alone are no news
        ("Thank you for a lovely sports day", CHARACTERS_5, None),
        ("🤡🤡", None, None),  # a model with no character mode reads text as written
        ("", CHARACTERS_5, None),
    ],
)
def test_the_model_reading_is_shown_only_where_it_differs(
    written: str, mode: str | None, reading: str | None
) -> None:
    assert model_reading(written, mode) == reading
