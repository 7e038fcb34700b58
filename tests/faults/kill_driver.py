"""Run one ingest (or a whole first run) and SIGKILL this process part way through.

`python -m tests.faults.kill_driver WAREHOUSE_URL TARGET N`, where TARGET is a fake
platform (x, reddit, facebook: one live-connector partition) or `replay` (the whole
`trustwatch ingest --source replay`), killed at the N-th session commit; or
`first_run` (`trustwatch init`, then one X partition ingest), killed just before its
N-th SQL statement, so the kill lands inside the migration's DDL as well as inside
ingest transactions. N = 0 runs to the end and prints the count of commits or
statements. Used by the fault tests and `benchmarks/first_run_kills.py`.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import Engine, event

from tests.faults.harness import at_commit, replay_ingest_cli, run_once, sigkill
from tests.faults.platforms import PLATFORMS, RUN_AT, SENTINELS, make_posts
from trustwatch.db.engine import make_engine
from trustwatch.registry import load_registry
from trustwatch.settings import EXAMPLE_CONFIG

FIRST_RUN_POSTS = 10


def first_run(url: str) -> int:
    """`trustwatch init` then an X ingest: what a new installation's first hour does."""
    from trustwatch.cli import main
    from trustwatch.db.engine import get_engine
    from trustwatch.settings import get_settings

    os.environ["TRUSTWATCH_WAREHOUSE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()
    code = main(["init"])
    if code != 0:
        return code
    engine = make_engine(url)
    summary = run_once(
        engine, load_registry(EXAMPLE_CONFIG), PLATFORMS["x"](make_posts(FIRST_RUN_POSTS)),
        now=RUN_AT,
    )  # fmt: skip
    engine.dispose()
    return 0 if summary.ok else 1


def _at_statement(kill_at: int) -> list[int]:
    seen = [0]

    def before(*_args: Any) -> None:
        seen[0] += 1
        if seen[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "before_cursor_execute", before)
    return seen


def main(url: str, target: str, kill_at: int) -> int:
    for name, value in SENTINELS.items():
        os.environ.setdefault(name, value)
    if target == "first_run":
        seen = _at_statement(kill_at)
        code = first_run(url)
        print(f"statements={seen[0]}")
        return code
    with at_commit(kill_at or None, sigkill) as commits:
        if target == "replay":
            code = replay_ingest_cli(url)
        else:
            run_once(
                make_engine(url),
                load_registry(EXAMPLE_CONFIG),
                PLATFORMS[target](make_posts(10)),
                now=RUN_AT,
            )
            code = 0
    print(f"commits={commits[0]}")
    return code  # only reached if the run had fewer commits than kill_at


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
