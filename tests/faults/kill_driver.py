"""Run one ingest and SIGKILL this process at the N-th commit.

`python -m tests.faults.kill_driver WAREHOUSE_URL TARGET N`, where TARGET is a fake
platform (x, reddit, facebook: one live-connector partition) or `replay` (the whole
`trustwatch ingest --source replay`). Used by the fault tests and `benchmarks/faults.py`.
"""

from __future__ import annotations

import os
import sys

from tests.faults.harness import at_commit, replay_ingest_cli, run_once, sigkill
from tests.faults.platforms import PLATFORMS, RUN_AT, SENTINELS, make_posts
from trustwatch.db.engine import make_engine
from trustwatch.registry import load_registry
from trustwatch.settings import EXAMPLE_CONFIG


def main(url: str, target: str, kill_at: int) -> int:
    for name, value in SENTINELS.items():
        os.environ.setdefault(name, value)
    with at_commit(kill_at, sigkill):
        if target == "replay":
            return replay_ingest_cli(url)
        run_once(
            make_engine(url),
            load_registry(EXAMPLE_CONFIG),
            PLATFORMS[target](make_posts(10)),
            now=RUN_AT,
        )
    return 0  # only reached if the run had fewer commits than kill_at


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
