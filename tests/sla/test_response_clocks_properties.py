"""Properties of `find_clocks` over random threads: consistent clocks, order never matters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from trustwatch.sla.clocks import ITEM_COLUMNS, find_clocks

START = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)
SCHOOL_KEY = "k-school"  # the pseudonym of the school's own account


@st.composite
def threads(draw: st.DrawFn) -> pd.DataFrame:
    """Up to four threads of up to eight items: parents, school replies, deleted items."""
    rows = []
    item_id = 0
    for t in range(draw(st.integers(1, 4))):
        root_ext = f"t{t}"
        school_root = draw(st.booleans())
        exts: list[str] = []
        for n in range(draw(st.integers(1, 8))):
            item_id += 1
            is_root = n == 0
            from_school = school_root if is_root else draw(st.booleans())
            ext = root_ext if is_root else f"t{t}-{n}"
            rows.append(
                {
                    "item_id": item_id,
                    "platform": draw(st.sampled_from(["x", "facebook"])) if is_root else None,
                    "external_id": ext,
                    "parent_external_id": None if is_root else draw(st.sampled_from(exts)),
                    "thread_root_external_id": root_ext,
                    "account_id": 1,
                    "school_id": 1,
                    "author_key": SCHOOL_KEY
                    if from_school and draw(st.booleans())
                    else (None if from_school else draw(st.sampled_from(["a", "b", "c"]))),
                    "is_from_school": from_school,
                    "is_deleted": draw(st.booleans()) if draw(st.integers(0, 9)) == 0 else False,
                    "created_at": START + dt.timedelta(minutes=draw(st.integers(0, 3000))),
                }
            )
            exts.append(ext)
    frame = pd.DataFrame(rows)
    frame["platform"] = frame.groupby("thread_root_external_id")["platform"].transform("first")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.as_unit("us")
    return frame[ITEM_COLUMNS]


def _clocks(items: pd.DataFrame) -> pd.DataFrame:
    return find_clocks(items, school_author_keys={SCHOOL_KEY: 1})


def test_two_replies_at_the_same_instant_answer_with_the_lower_id_in_any_order() -> None:
    """Found by the property below (seed 247): the answer followed the rows' input order."""
    minute = pd.Timedelta(minutes=1)
    rows = [
        (1, "t0", None, "a", False, START),
        (2, "t0-1", "t0", SCHOOL_KEY, True, START + minute),
        (3, "t0-2", "t0", SCHOOL_KEY, True, START + minute),
    ]
    items = pd.DataFrame(
        [
            {
                "item_id": item_id,
                "platform": "x",
                "external_id": ext,
                "parent_external_id": parent,
                "thread_root_external_id": "t0",
                "account_id": 1,
                "school_id": 1,
                "author_key": author,
                "is_from_school": from_school,
                "is_deleted": False,
                "created_at": created,
            }
            for item_id, ext, parent, author, from_school, created in rows
        ]
    )
    items["created_at"] = pd.to_datetime(items["created_at"], utc=True).dt.as_unit("us")
    items = items[ITEM_COLUMNS]
    for frame in (items, items.iloc[::-1].reset_index(drop=True)):
        clocks = _clocks(frame)
        assert clocks["item_id"].tolist() == [1]
        assert clocks["response_item_id"].tolist() == [2]


@settings(max_examples=40, deadline=None)
@given(items=threads(), seed=st.integers(0, 2**16))
def test_clocks_are_consistent_and_order_free(items: pd.DataFrame, seed: int) -> None:
    clocks = _clocks(items)
    by_id = items.set_index("item_id")
    school = by_id["is_from_school"] | (by_id["author_key"] == SCHOOL_KEY)

    expected = set(by_id.index[~school & ~by_id["is_deleted"]])
    assert set(clocks["item_id"]) == expected, "exactly the parents' live items need a reply"
    assert clocks["item_id"].is_unique

    rows = clocks.set_index("item_id")
    for item_id, row in rows.iterrows():
        clock = by_id.loc[row["clock_item_id"]]
        me = by_id.loc[item_id]
        assert rows.loc[row["clock_item_id"], "clock_item_id"] == row["clock_item_id"]
        assert clock["thread_root_external_id"] == me["thread_root_external_id"]
        assert clock["author_key"] == me["author_key"]
        assert row["received_at"] == clock["created_at"] <= me["created_at"]
        if pd.notna(row["response_item_id"]):
            answer = by_id.loc[int(row["response_item_id"])]
            assert school[int(row["response_item_id"])]
            assert answer["thread_root_external_id"] == me["thread_root_external_id"]
            assert answer["created_at"] == row["responded_at"] > row["received_at"]
        else:
            assert pd.isna(row["responded_at"])
    shared = clocks.groupby("clock_item_id")["responded_at"].nunique(dropna=False)
    assert (shared == 1).all(), "one clock, one answer"

    shuffled = items.sample(frac=1, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(_clocks(shuffled), clocks)
    pd.testing.assert_frame_equal(_clocks(items), clocks)


@settings(max_examples=40, deadline=None)
@given(items=threads(), minutes=st.integers(1, 4000))
def test_a_manual_mark_only_ever_answers_earlier(items: pd.DataFrame, minutes: int) -> None:
    before = _clocks(items)
    if before.empty:
        return
    target = before.iloc[0]
    mark_at = target["received_at"] + pd.Timedelta(minutes=minutes)
    marks = pd.DataFrame(
        {
            "item_id": [target["item_id"]],
            "responded_at": pd.to_datetime([mark_at], utc=True).as_unit("us"),
            "marked_by": ["DSL"],
            "note": ["phoned"],
        }
    )
    after = find_clocks(items, school_author_keys={SCHOOL_KEY: 1}, manual_marks=marks)
    was_run = (before["clock_item_id"] == target["clock_item_id"]).to_numpy()
    old = before.loc[was_run, "responded_at"].iloc[0]
    manual_wins = pd.isna(old) or mark_at < old
    new = mark_at if manual_wins else old
    created = items.set_index("item_id").loc[before["item_id"], "created_at"].to_numpy()
    kept = after.loc[was_run & (created < new)]
    still = after.loc[was_run & (after["clock_item_id"] == target["clock_item_id"]).to_numpy()]
    assert (still["responded_at"] == new).all() and len(still) >= 1
    assert set(kept["item_id"]) <= set(still["item_id"])
    assert (still["responded_manually_by"] == "DSL").all() == manual_wins
    pd.testing.assert_frame_equal(after.loc[~was_run], before.loc[~was_run])
