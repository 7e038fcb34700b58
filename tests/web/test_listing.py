"""The list pages' shared pieces: post snippets (and paging, below)."""

from __future__ import annotations

from sqlalchemy import create_engine, literal, select

from trustwatch.web.services.listing import snippet, snippet_source


def test_a_short_text_is_one_line_with_its_spaces_folded():
    assert snippet("Sports day\n\nis  on   Friday", 40) == "Sports day is on Friday"


def test_a_long_text_is_cut_at_a_word_and_marked():
    assert snippet("the quick brown fox jumps", 12) == "the quick…"
    assert snippet("the quick brown", 15) == "the quick brown"  # exactly fits: not cut


def test_no_text_is_no_snippet():
    assert snippet(None, 10) is None
    assert snippet("", 10) is None


def test_the_source_column_holds_one_character_more_than_the_snippet():
    with create_engine("sqlite://").connect() as conn:
        got = conn.scalar(select(snippet_source(literal("abcdefghij"), 4)))
    assert got == "abcde"
    # ...so a text that ran on is still marked as cut.
    assert snippet("abc defgh", 4) == "abc…"
