"""Fuzz the ingest with >= 10,000 random records per platform; print what survived.

Each record (a third valid, the rest broken, poisoned or arbitrary JSON, in the
platform's wire shape) goes through the real page conversion, the stream's parser, the
pre-load Great Expectations gate and the warehouse load (`tests/faults/ingest_fuzz.py`).
Prints, per platform: records, valid records, loaded, skipped, quarantined, unhandled
exceptions (must be 0), valid records lost (must be 0), the slowest record's parse, the
slowest page's load (gate + write, for a page of --page-size records), the slowest gate
alone (the data checks, in wall and in CPU seconds: CPU time does not grow with other
processes' load; the rest of a page's load is the database's write) and the slowest
record end to end (its parse plus its page's load: it is not stored before its page).
The last lines give the maximum per-record time over every platform and database, and
the load average before and after the run.

    .venv/bin/python benchmarks/fuzz_ingest.py [--records 10000] [--seed 1]
        [--page-size 50] [--no-gate] [--postgres URL] [--db-prefix trustwatch_]

`--page-size 1` bounds a record on its own (the gate's fixed cost per page is all its
own); the default 50 is a full page.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("TRUSTWATCH_PSEUDONYM_SECRET", "fuzz-benchmark-pseudonym-secret")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    from tests.faults.ingest_fuzz import fuzz_platform
    from tests.faults.warehouses import migrated_sqlite, scratch_postgres
    from trustwatch.db.engine import make_engine
    from trustwatch.registry import load_registry
    from trustwatch.settings import EXAMPLE_CONFIG

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="per platform")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--no-gate", action="store_true", help="skip the data-check gate")
    parser.add_argument("--platforms", default="x,reddit,facebook")
    parser.add_argument("--postgres", default=None, help="a server URL: fuzz PostgreSQL too")
    parser.add_argument(
        "--db-prefix", default="trustwatch_", help="prefix of the scratch PostgreSQL databases"
    )
    args = parser.parse_args()
    print(f"load average before: {load_average()}", flush=True)
    registry = load_registry(EXAMPLE_CONFIG)
    folder = Path(tempfile.mkdtemp(prefix="fuzz-ingest-"))
    print(
        f"{'database':<10} {'platform':<9} {'records':>8} {'valid':>6} {'loaded':>7} "
        f"{'skipped':>7} {'quarant.':>8} {'unhandled':>9} {'lost':>5} "
        f"{'max parse s':>11} {'max gate s':>10} {'gate cpu s':>10} {'max page load s':>15} "
        f"{'max record s':>12} "
        f"{'total s':>8}"
    )
    failures = 0
    worst = 0.0
    for platform in args.platforms.split(","):
        targets = [("sqlite", None)]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        for database, server in targets:
            with contextlib.ExitStack() as stack:
                if server is None:
                    url = migrated_sqlite(folder / f"{platform}.sqlite", registry)
                    engine = make_engine(url)
                    stack.callback(engine.dispose)
                else:
                    prefix = f"{args.db_prefix}fuzz_{platform}"
                    engine = stack.enter_context(scratch_postgres(server, registry, prefix=prefix))
                r = fuzz_platform(
                    engine,
                    registry,
                    platform,
                    records=args.records,
                    seed=args.seed,
                    page_size=args.page_size,
                    gate=not args.no_gate,
                )
            failures += len(r.unhandled) + r.valid_lost
            worst = max(worst, r.max_record_seconds)
            print(
                f"{database:<10} {platform:<9} {r.records:>8} {r.valid:>6} {r.loaded:>7} "
                f"{r.skipped:>7} {r.quarantined:>8} {len(r.unhandled):>9} {r.valid_lost:>5} "
                f"{r.max_parse_seconds:>11.4f} {r.max_gate_seconds:>10.3f} "
                f"{r.max_gate_cpu_seconds:>10.3f} "
                f"{r.max_load_seconds:>15.3f} "
                f"{r.max_record_seconds:>12.3f} {r.seconds:>8.1f}",
                flush=True,
            )
            for line in r.unhandled[:5]:
                print(f"    unhandled: {line}")
    print(f"page load = gate + write for a page of {args.page_size} records")
    print(
        f"MAX PER-RECORD SECONDS: {worst:.3f} (parse + its page's gate and write; "
        f"page size {args.page_size}; bound 1 s: {'met' if worst < 1 else 'NOT met'})"
    )
    print(f"load average after: {load_average()}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
