"""The 24-hour rule and clock statuses for 1,000,000 synthetic items, vectorised.

Prints the seconds each stage takes; the target is at most 10 s on 2 CPU cores. A random
sample is checked against the scalar `due_at` so a fast wrong answer cannot pass.

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
from trustwatch.sla import WorkingCalendar, due_at, due_at_many, statuses_many

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


if __name__ == "__main__":
    main()
