"""The list pages' shared pieces: post snippets, paging and date filters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, literal, select, union_all

from trustwatch.web.services.listing import Window, filter_date, snippet, snippet_source


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


def test_a_window_pages_and_counts_the_rows_it_shows():
    window = Window.at(total=120, requested=3, size=50)
    assert (window.page, window.pages, window.first) == (3, 3, 101)
    assert window.counts(20) == {"total": 120, "page": 3, "pages": 3, "first": 101, "last": 120}


def test_a_page_out_of_range_lands_on_rows():
    assert Window.at(total=120, requested=9, size=50).page == 3
    assert Window.at(total=120, requested=0, size=50).page == 1


def test_no_rows_is_one_empty_page():
    window = Window.at(total=0, requested=4, size=50)
    assert window.counts(0) == {"total": 0, "page": 1, "pages": 1, "first": 0, "last": 0}


def test_the_window_limits_a_query_to_its_page():
    numbers = union_all(*(select(literal(n).label("n")) for n in range(1, 8)))
    window = Window.at(total=7, requested=2, size=3)
    with create_engine("sqlite://").connect() as conn:
        sub = numbers.subquery()
        got = conn.scalars(window.rows(select(sub.c.n).order_by(sub.c.n))).all()
    assert got == [4, 5, 6]


def test_a_date_filter_that_is_not_a_date_is_off():
    assert filter_date("2026-11-17") == dt.date(2026, 11, 17)
    assert filter_date("17/11/2026") is None
    assert filter_date("") is None
    assert filter_date(None) is None
