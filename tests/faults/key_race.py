"""Race processes creating the development pseudonym key in a new var/ folder.

Each trial starts `processes` processes that wait at a barrier and then all call
`Settings().pseudonym_key()` against the same empty folder. A trial fails if any process
raised; processes disagree if they got different keys. Both must stay 0.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path
from typing import Any


def _worker(var_dir: str, barrier: Any, out: Any) -> None:
    os.environ["TRUSTWATCH_VAR_DIR"] = var_dir
    os.environ.pop("TRUSTWATCH_PSEUDONYM_SECRET", None)
    os.environ["TRUSTWATCH_ENVIRONMENT"] = "development"
    from trustwatch.settings import Settings

    settings = Settings()
    barrier.wait()
    try:
        out.put(("ok", settings.pseudonym_key().decode()))
    except Exception as exc:  # the failure is the measurement
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def race(root: Path, *, processes: int = 4, trials: int = 40) -> tuple[int, int]:
    """(trials with an exception, trials where processes got different keys)."""
    context = mp.get_context("spawn")
    failures = disagreements = 0
    for number in range(trials):
        var_dir = root / f"trial-{number}"
        barrier = context.Barrier(processes)
        out = context.Queue()
        workers = [
            context.Process(target=_worker, args=(str(var_dir), barrier, out))
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        results = [out.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        failures += any(kind == "error" for kind, _ in results)
        disagreements += len({value for kind, value in results if kind == "ok"}) > 1
    return failures, disagreements
