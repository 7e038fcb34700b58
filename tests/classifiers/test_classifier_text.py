"""Normalisation: real handles and links become the placeholders the datasets use."""

from __future__ import annotations

from classifiers.text import LINK_TOKEN, MENTION_TOKEN, normalise


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
