"""Which items start a response clock, and which later item (or manual mark) stops it.

Pure pandas over item rows, so the rules are testable without a database and run in bulk.

**Needs a response.** An item on, or addressed to, a school account (`account_id` set: a
comment, reply, mention, visitor post, DM or review) that is not written by a school
account, not deleted and not spam. Public mentions found by keyword search carry no
`account_id`: they are monitored, but have no clock.

**Written by a school account.** `is_from_school` as the connector set it, or an author
pseudonym equal to the pseudonym of one of the registry's official accounts (so a reply by
one school's account on another school's page is never a "parent comment").

**Spam.** An item is spam when the same author posted the same text containing a link
(`http://`, `https://` or `www.`) into three or more different threads: link cross-posting
is what spam bots do. Identical text *without* a link is never spam: a frustrated parent
pasting the same complaint under several posts is exactly what the rule must catch.

**Threads.** Items share a thread when they share `thread_root_external_id`. When the root
is written by the school itself (the school's own post or tweet), every top-level comment
under it starts its own branch, so the school answering one parent does not answer the
others; otherwise (a visitor post, a mention, a DM, or a root not in the warehouse) the
whole thread is one branch, which is the issue's rule read literally.

**Clock.** Items by the same author in one thread that arrive before the school answers
them form a run sharing one clock, started by the first (`clock_item_id`). The run is
answered by the earliest answer to any of its items: the first later item in that item's
branch written by *that* school's account, or a manual "responded outside the platform"
mark. An item arriving after that answer starts a new run.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["ITEM_COLUMNS", "find_clocks", "is_school_authored", "spam_item_ids"]

ITEM_COLUMNS = [
    "item_id",
    "platform",
    "external_id",
    "parent_external_id",
    "thread_root_external_id",
    "account_id",
    "school_id",
    "author_key",
    "is_from_school",
    "is_deleted",
    "created_at",
]

_SEP = "\x1f"
_LINK = r"https?://|www\."
SPAM_MIN_THREADS = 3

CLOCK_COLUMNS = [
    "item_id",
    "platform",
    "school_id",
    "account_id",
    "clock_item_id",
    "received_at",
    "responded_at",
    "response_item_id",
    "responded_manually_by",
    "responded_manually_note",
]


def spam_item_ids(texts: pd.DataFrame) -> set[int]:
    """Item ids caught by the link cross-posting rule.

    `texts` has item_id, platform, author_key, thread_root_external_id and text; callers may
    pass only rows whose text contains a link (the rest can never match).
    """
    if texts.empty:
        return set()
    frame = texts.dropna(subset=["author_key", "text"])
    frame = frame[frame["text"].str.contains(_LINK, case=False, regex=True)]
    if frame.empty:
        return set()
    normalised = frame["text"].str.lower().str.split().str.join(" ")
    root = frame["thread_root_external_id"].fillna(frame["item_id"].astype(str))
    keyed = pd.DataFrame(
        {
            "item_id": frame["item_id"],
            "group": frame["platform"] + _SEP + frame["author_key"] + _SEP + normalised,
            "root": root,
        }
    )
    threads = keyed.groupby("group")["root"].transform("nunique")
    return set(keyed.loc[threads >= SPAM_MIN_THREADS, "item_id"].astype(int))


def is_school_authored(items: pd.DataFrame, school_author_keys: Mapping[str, int]) -> pd.Series:
    return items["is_from_school"].astype(bool) | items["author_key"].isin(school_author_keys)


def _branches(items: pd.DataFrame, school_authored: np.ndarray) -> np.ndarray:
    """The branch each item belongs to (see the module docstring), as external ids."""
    ext = items["external_id"].to_numpy(dtype=object)
    root = items["thread_root_external_id"].fillna(items["external_id"]).to_numpy(dtype=object)
    platform = items["platform"].to_numpy(dtype=object)
    index = pd.Index(platform + _SEP + ext)
    parent_keys = platform + _SEP + items["parent_external_id"].fillna("").to_numpy(dtype=object)
    parent_idx = index.get_indexer(parent_keys)
    root_idx = index.get_indexer(platform + _SEP + root)
    school_rooted = (root_idx >= 0) & school_authored[np.maximum(root_idx, 0)]

    cur = np.arange(len(items))
    for _ in range(len(items) + 1):  # a parent cycle in bad data cannot loop forever
        step_to = parent_idx[cur]
        step = school_rooted & (step_to >= 0) & (step_to != root_idx) & (cur != root_idx)
        if not step.any():
            break
        cur = np.where(step, step_to, cur)
    return np.where(school_rooted, ext[cur], root)


def find_clocks(
    items: pd.DataFrame,
    *,
    school_author_keys: Mapping[str, int],
    spam_ids: set[int] | frozenset[int] = frozenset(),
    no_clock_ids: set[int] | frozenset[int] = frozenset(),
    manual_marks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per item that needs a response, with its clock and what answered it.

    `items` has `ITEM_COLUMNS` (created_at tz-aware UTC). `school_author_keys` maps the
    pseudonym of each official account to its school_id. `no_clock_ids` are items that must
    not get a clock for reasons decided by the caller. `manual_marks` has item_id,
    responded_at, marked_by and note. Returns `CLOCK_COLUMNS`.
    """
    if items.empty:
        return pd.DataFrame(columns=CLOCK_COLUMNS)
    items = items.reset_index(drop=True)
    school_authored = is_school_authored(items, school_author_keys).to_numpy()
    branch = _branches(items, school_authored)
    # Whose answer counts: the school that owns the authoring account, else the page's school.
    author_school = items["author_key"].map(school_author_keys).fillna(items["school_id"])

    excluded = items["item_id"].isin(spam_ids) | items["item_id"].isin(no_clock_ids)
    needs = (
        items["account_id"].notna()
        & items["school_id"].notna()
        & ~school_authored
        & ~items["is_deleted"].astype(bool)
        & ~excluded
    ).to_numpy()
    if not needs.any():
        return pd.DataFrame(columns=CLOCK_COLUMNS)

    platform = items["platform"].to_numpy(dtype=object)
    school_text = items["school_id"].astype("Int64").astype(str).to_numpy(dtype=object)
    author_school_text = author_school.astype("Int64").astype(str).to_numpy(dtype=object)
    root = items["thread_root_external_id"].fillna(items["external_id"]).to_numpy(dtype=object)
    branch_key = platform + _SEP + branch.astype(object)

    need = items.loc[needs, ["item_id", "platform", "school_id", "account_id", "created_at"]]
    author = items.loc[needs, "author_key"].fillna("item:" + need["item_id"].astype(str))
    need = need.assign(
        match_key=branch_key[needs] + _SEP + school_text[needs],
        run_group=platform[needs]
        + _SEP
        + root[needs]
        + _SEP
        + school_text[needs]
        + _SEP
        + author.to_numpy(dtype=object),
    )
    answers = pd.DataFrame(
        {
            "match_key": branch_key[school_authored] + _SEP + author_school_text[school_authored],
            "response_at": items.loc[school_authored, "created_at"],
            "response_item_id": items.loc[school_authored, "item_id"],
        }
    )
    # Same key dtype on both sides, even when one side is empty (pandas 3 string dtype).
    need["match_key"] = need["match_key"].astype("str")
    answers["match_key"] = answers["match_key"].astype("str")
    need = pd.merge_asof(
        need.sort_values("created_at", kind="stable"),
        answers.sort_values("response_at", kind="stable"),
        left_on="created_at",
        right_on="response_at",
        by="match_key",
        direction="forward",
        allow_exact_matches=False,
    )
    need = _with_manual_candidates(need, manual_marks)
    need = need.sort_values(["run_group", "created_at", "item_id"], kind="stable")
    need = _assign_runs(need.reset_index(drop=True))
    out = need[CLOCK_COLUMNS].sort_values("item_id", kind="stable").reset_index(drop=True)
    out["response_item_id"] = out["response_item_id"].astype("Int64")
    return out


def _with_manual_candidates(need: pd.DataFrame, marks: pd.DataFrame | None) -> pd.DataFrame:
    """Each item's own earliest manual mark, as an answer candidate beside the platform one."""
    if marks is None or marks.empty:
        return need.assign(manual_at=pd.NaT, marked_by=None, note=None)
    first = marks.sort_values("responded_at", kind="stable").groupby("item_id").head(1)
    first = first.rename(columns={"responded_at": "manual_at"})
    return need.merge(
        first[["item_id", "manual_at", "marked_by", "note"]], on="item_id", how="left"
    )


def _assign_runs(need: pd.DataFrame) -> pd.DataFrame:
    """Split each author's items in a thread into runs, and find what closed each run.

    An item joins the current run if it arrived before the run was answered; the run is
    answered by the earliest answer to any of its items (a reply in one of their branches,
    or a manual mark). One pass over the rows, sorted by (run_group, created_at).
    """
    never = np.iinfo(np.int64).max
    created = need["created_at"].dt.as_unit("us").astype("int64").to_numpy()
    platform_at = need["response_at"].dt.as_unit("us").astype("int64").to_numpy()
    platform_at = np.where(need["response_at"].isna().to_numpy(), never, platform_at)
    manual_at = pd.to_datetime(need["manual_at"], utc=True).dt.as_unit("us")
    manual_ns = np.where(manual_at.isna().to_numpy(), never, manual_at.astype("int64").to_numpy())
    candidate = np.minimum(platform_at, manual_ns)
    groups = need["run_group"].to_numpy(dtype=object)

    run_of = np.empty(len(need), dtype=np.int64)
    run_first: list[int] = []  # row of the run's first item
    run_answer: list[int] = []  # row whose candidate closed the run, -1 if open
    end = never
    for row in range(len(need)):
        if row == 0 or groups[row] != groups[row - 1] or created[row] >= end:
            run_first.append(row)
            run_answer.append(row if candidate[row] != never else -1)
            end = candidate[row]
        elif candidate[row] < end:
            end = candidate[row]
            run_answer[-1] = row
        run_of[row] = len(run_first) - 1

    first_rows = np.asarray(run_first)[run_of]
    answer_rows = np.asarray(run_answer)[run_of]
    answered = answer_rows >= 0
    src = np.where(answered, answer_rows, 0)
    by_manual = answered & (manual_ns[src] < platform_at[src])
    by_platform = answered & ~by_manual

    out = need.assign(
        clock_item_id=need["item_id"].to_numpy()[first_rows],
        received_at=need["created_at"].to_numpy()[first_rows],
    )
    out["received_at"] = pd.to_datetime(out["received_at"], utc=True)
    responded = np.where(answered, candidate[src], np.iinfo(np.int64).min)
    out["responded_at"] = pd.to_datetime(
        np.where(answered, responded, 0).astype("datetime64[us]"), utc=True
    ).where(answered)
    response_ids = need["response_item_id"].to_numpy(dtype=float)[src]
    out["response_item_id"] = np.where(by_platform, response_ids, np.nan)
    out["responded_manually_by"] = np.where(by_manual, need["marked_by"].to_numpy()[src], None)
    out["responded_manually_note"] = np.where(by_manual, need["note"].to_numpy()[src], None)
    return out
