"""The 24-hour rule and clock statuses for 1,000,000 synthetic items, vectorised.

Prints the seconds each stage takes; the target for the rule and statuses is at most 10 s
on 2 CPU cores. A random sample is checked against the scalar `due_at` so a fast wrong
answer cannot pass. A second figure times `find_clocks` (threads, branches, runs and
answers) over the same number of items arranged in five-item threads.

    .venv/bin/python benchmarks/sla.py [--items N] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from trustwatch.registry import load_registry
from trustwatch.settings import EXAMPLE_CONFIG
from trustwatch.sla.clocks import ITEM_COLUMNS, find_clocks
from trustwatch.sla.rule import WorkingCalendar, due_at, due_at_many, statuses_many

TARGET_SECONDS = 10.0


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Receipts spread over 2026-2027 (both DST changes, Christmas, Easter), 70 % answered."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-01T00:00:00", "us").astype(np.int64)
    span = 2 * 365 * 86_400 * 1_000_000
    received = (start + rng.integers(0, span, n)).astype("datetime64[us]")
    delay = rng.exponential(18 * 3600, n).astype(np.int64) * 1_000_000
    responded = (received.astype(np.int64) + delay).astype("datetime64[us]")
    responded[rng.random(n) < 0.3] = np.datetime64("NaT")
    return received, responded


def synthetic_threads(n: int, seed: int) -> pd.DataFrame:
    """Five-item threads: half rooted in a school post, most closed by a school reply."""
    rng = np.random.default_rng(seed)
    per = 5
    threads = n // per
    n = threads * per
    start = np.datetime64("2026-01-01T00:00:00", "us").astype(np.int64)
    first = start + rng.integers(0, 365 * 86_400 * 1_000_000, threads)
    thread = np.repeat(np.arange(threads), per)
    pos = np.tile(np.arange(per), threads)
    created = first[thread] + pos * rng.integers(60, 6 * 3600, n) * 1_000_000
    school_rooted = rng.random(threads) < 0.5
    is_school = ((pos == 0) & school_rooted[thread]) | ((pos == per - 1) & (rng.random(n) < 0.7))
    ext = np.char.add("e", np.arange(n).astype(str)).astype(object)
    root = ext[thread * per]
    parent = np.where(pos == 0, None, np.where(pos == per - 1, ext[thread * per + 1], root))
    author = np.char.add("a", rng.integers(0, n // 3, n).astype(str)).astype(object)
    frame = pd.DataFrame(
        {
            "item_id": np.arange(1, n + 1),
            "platform": "facebook",
            "external_id": ext,
            "parent_external_id": parent.astype(object),
            "thread_root_external_id": root,
            "account_id": 1,
            "school_id": 1,
            "author_key": np.where(is_school, None, author),
            "is_from_school": is_school,
            "is_deleted": False,
            "created_at": pd.to_datetime(created.astype("datetime64[us]"), utc=True),
        }
    )
    return frame[ITEM_COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    registry = load_registry(EXAMPLE_CONFIG)
    calendar = WorkingCalendar.from_registry(registry, "oakfield")
    received, responded = synthetic(args.items, args.seed)
    now = dt.datetime(2027, 12, 31, 9, tzinfo=dt.UTC)

    due_at_many(received[:10], calendar)  # warm the bank-holiday cache; not what we measure
    t0 = time.perf_counter()
    due = due_at_many(received, calendar)
    t1 = time.perf_counter()
    statuses = statuses_many(due, responded, now, lead_hours=registry.alerting.at_risk_lead_hours)
    t2 = time.perf_counter()

    rng = np.random.default_rng(args.seed + 1)
    sample = rng.choice(args.items, size=min(2_000, args.items), replace=False)
    for i in sample:
        instant = pd.Timestamp(received[i], tz="UTC").to_pydatetime()
        if due_at(instant, calendar) != due[i].to_pydatetime():
            raise SystemExit(f"mismatch at {instant}: vectorised {due[i]} != scalar")

    total = t2 - t0
    counts = pd.Series(statuses).value_counts().to_dict()
    print(f"items:            {args.items:,}")
    print(f"due_at_many:      {t1 - t0:.3f} s")
    print(f"statuses_many:    {t2 - t1:.3f} s")
    print(f"total:            {total:.3f} s (target <= {TARGET_SECONDS:.0f} s)")
    print(f"scalar agreement: {len(sample):,} random items identical")
    print("statuses:         " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))

    items = synthetic_threads(args.items, args.seed)
    t3 = time.perf_counter()
    clocks = find_clocks(items, school_author_keys={})
    t4 = time.perf_counter()
    print(
        f"find_clocks:      {t4 - t3:.3f} s for {len(items):,} items in threads "
        f"({len(clocks):,} need a response, {clocks['clock_item_id'].nunique():,} clocks)"
    )


if __name__ == "__main__":
    main()
