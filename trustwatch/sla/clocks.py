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
            "group": frame["platform"] + "\x1f" + frame["author_key"] + "\x1f" + normalised,
            "root": root,
        }
    )
    threads = keyed.groupby("group")["root"].transform("nunique")
    return set(keyed.loc[threads >= SPAM_MIN_THREADS, "item_id"].astype(int))


def is_school_authored(items: pd.DataFrame, school_author_keys: Mapping[str, int]) -> pd.Series:
    return items["is_from_school"].astype(bool) | items["author_key"].isin(school_author_keys)


def _thread_keys(items: pd.DataFrame, school_authored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of each item's thread and branch (see the module docstring).

    Keys encode (platform, external id) as integers so that joins, grouping and sorting
    never touch the id strings again.
    """
    n = len(items)
    ext = items["external_id"].to_numpy(dtype=object)
    parent = items["parent_external_id"].to_numpy(dtype=object)
    root = items["thread_root_external_id"].fillna(items["external_id"]).to_numpy(dtype=object)
    platform_codes = pd.factorize(items["platform"].to_numpy(dtype=object))[0].astype(np.int64)
    text_codes, uniques = pd.factorize(np.concatenate([ext, parent, root]))
    width = len(uniques) + 1

    def key(codes: np.ndarray) -> np.ndarray:
        return np.where(codes >= 0, platform_codes * width + codes, -1)

    own_key, parent_key, root_key = (
        key(text_codes[:n]),
        key(text_codes[n : 2 * n]),
        key(text_codes[2 * n :]),
    )
    index = pd.Index(own_key)
    parent_idx = np.where(parent_key >= 0, index.get_indexer(parent_key), -1)
    root_idx = index.get_indexer(root_key)
    school_rooted = (root_idx >= 0) & school_authored[np.maximum(root_idx, 0)]

    cur = np.arange(n)
    for _ in range(n + 1):  # a parent cycle in bad data cannot loop forever
        step_to = parent_idx[cur]
        step = school_rooted & (step_to >= 0) & (step_to != root_idx) & (cur != root_idx)
        if not step.any():
            break
        cur = np.where(step, step_to, cur)
    return root_key, np.where(school_rooted, own_key[cur], root_key)


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
    thread, branch = _thread_keys(items, school_authored)
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

    school = items["school_id"].to_numpy(dtype=float)
    author = pd.factorize(items["author_key"].to_numpy(dtype=object))[0]
    author = np.where(author >= 0, author, -1 - items["item_id"].to_numpy())  # anonymous: alone

    # An answer matches an item when both sit in the same branch and the answer's author
    # speaks for the item's school; integer codes keep the matching and sorting cheap.
    answered_by = author_school.to_numpy(dtype=float)
    match = _codes(
        np.concatenate([branch[needs], branch[school_authored]]),
        np.concatenate([school[needs], answered_by[school_authored]]),
    )
    need = items.loc[needs, ["item_id", "platform", "school_id", "account_id", "created_at"]]
    need = need.assign(
        match_key=match[: needs.sum()],
        run_group=_codes(thread[needs], school[needs], author[needs]),
    )
    answers = pd.DataFrame(
        {
            "match_key": match[needs.sum() :],
            "response_at": items.loc[school_authored, "created_at"],
            "response_item_id": items.loc[school_authored, "item_id"],
        }
    )
    need = pd.merge_asof(
        need.sort_values("created_at", kind="stable"),
        # Two replies in the same second: the lower item id answers, whatever order the
        # rows came in, so a rerun or a reload never moves a clock's answer.
        answers.sort_values(["response_at", "response_item_id"], kind="stable"),
        left_on="created_at",
        right_on="response_at",
        by="match_key",
        direction="forward",
        allow_exact_matches=False,
    )
    need = _with_manual_candidates(need, manual_marks)
    order = np.lexsort(
        (
            need["item_id"].to_numpy(),
            need["created_at"].dt.as_unit("us").astype("int64").to_numpy(),
            need["run_group"].to_numpy(),
        )
    )
    need = _assign_runs(need.iloc[order].reset_index(drop=True))
    out = need[CLOCK_COLUMNS].sort_values("item_id", kind="stable").reset_index(drop=True)
    out["response_item_id"] = out["response_item_id"].astype("Int64")
    return out


def _codes(*columns: np.ndarray) -> np.ndarray:
    """One int64 code per distinct combination of the columns' values (missing values too)."""
    frame = pd.DataFrame({str(i): col for i, col in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


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
    or a manual mark). Rows arrive sorted by (run_group, created_at).
    """
    never = np.iinfo(np.int64).max
    created = need["created_at"].dt.as_unit("us").astype("int64").to_numpy()
    platform_at = need["response_at"].dt.as_unit("us").astype("int64").to_numpy()
    platform_at = np.where(need["response_at"].isna().to_numpy(), never, platform_at)
    manual_at = pd.to_datetime(need["manual_at"], utc=True).dt.as_unit("us")
    manual_ns = np.where(manual_at.isna().to_numpy(), never, manual_at.astype("int64").to_numpy())
    candidate = np.minimum(platform_at, manual_ns)
    rows = np.arange(len(need))
    groups = need["run_group"].to_numpy()
    starts = np.r_[True, groups[1:] != groups[:-1]]
    # A lone item is its own run; only groups of several items need the sequential pass.
    first_rows = rows.copy()
    answer_rows = np.where(candidate != never, rows, -1)
    shared = np.flatnonzero(~starts | np.r_[~starts[1:], False])

    run_of: list[int] = []
    run_first: list[int] = []  # row of the run's first item
    run_answer: list[int] = []  # row whose candidate closed the run, -1 while open
    created_l, candidate_l, starts_l = created.tolist(), candidate.tolist(), starts.tolist()
    end = never
    for row in shared.tolist():
        if starts_l[row] or created_l[row] >= end:
            run_first.append(row)
            run_answer.append(row if candidate_l[row] != never else -1)
            end = candidate_l[row]
        elif candidate_l[row] < end:
            end = candidate_l[row]
            run_answer[-1] = row
        run_of.append(len(run_first) - 1)
    if run_of:
        first_rows[shared] = np.asarray(run_first)[run_of]
        answer_rows[shared] = np.asarray(run_answer)[run_of]
    answered = answer_rows >= 0
    src = np.where(answered, answer_rows, 0)
    by_manual = answered & (manual_ns[src] < platform_at[src])
    by_platform = answered & ~by_manual

    out = need.assign(
        clock_item_id=need["item_id"].to_numpy()[first_rows],
        received_at=pd.to_datetime(created[first_rows].astype("datetime64[us]"), utc=True),
    )
    out["responded_at"] = pd.to_datetime(
        np.where(answered, candidate[src], 0).astype("datetime64[us]"), utc=True
    ).where(answered)
    response_ids = need["response_item_id"].to_numpy(dtype=float)[src]
    out["response_item_id"] = np.where(by_platform, response_ids, np.nan)
    for column, source in (
        ("responded_manually_by", "marked_by"),
        ("responded_manually_note", "note"),
    ):
        values = np.where(by_manual, need[source].to_numpy(dtype=object)[src], None)
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return out
