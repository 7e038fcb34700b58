"""Run one ingest of a fake platform and SIGKILL this process at the N-th commit.

`python -m tests.faults.kill_driver WAREHOUSE_URL PLATFORM N`: used by the fault tests
and `benchmarks/faults.py` to kill a real process between fetch and commit.
"""

from __future__ import annotations

import sys

from tests.faults.harness import at_commit, run_once, sigkill
from tests.faults.platforms import PLATFORMS, RUN_AT, SENTINELS, make_posts
from trustwatch.db.engine import make_engine
from trustwatch.registry import load_registry
from trustwatch.settings import EXAMPLE_CONFIG


def main(url: str, platform: str, kill_at: int) -> int:
    import os

    for name, value in SENTINELS.items():
        os.environ.setdefault(name, value)
    engine = make_engine(url)
    registry = load_registry(EXAMPLE_CONFIG)
    fake = PLATFORMS[platform](make_posts(10))
    with at_commit(kill_at, sigkill):
        run_once(engine, registry, fake, now=RUN_AT)
    return 0  # only reached if the run had fewer commits than kill_at


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
