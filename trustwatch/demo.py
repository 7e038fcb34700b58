"""`make demo`: run the main job on the embedded default and summarise from the warehouse.

Each stage that exists runs for real; nothing printed here is anything but a figure read
back from the warehouse after the stages ran.
"""

from __future__ import annotations

import sys

from sqlalchemy import func, select

from trustwatch.cli import main as cli_main
from trustwatch.db.engine import get_engine, session_scope
from trustwatch.db.models import Account, School


def _summary() -> None:
    with session_scope(get_engine()) as session:
        schools = session.scalar(select(func.count()).select_from(School))
        accounts = session.scalar(select(func.count()).select_from(Account))
    print(f"warehouse: {schools} schools, {accounts} accounts")


def run() -> int:
    for args in (["registry", "check"], ["init"]):
        print(f"$ trustwatch {' '.join(args)}", flush=True)
        code = cli_main(args)
        if code != 0:
            return code
    _summary()
    return 0


if __name__ == "__main__":
    sys.exit(run())
