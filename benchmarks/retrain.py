"""Retraining cost: the shipped adapter plus N verdicts, end to end, on this machine.

Seeds a fresh SQLite warehouse under a temporary var dir with N verdict-labelled items
(texts from the hand-written school training rows, each with one lead verdict spread over
ten weeks), then runs `trustwatch.model_versions.retrain` with its default settings (150
steps, the hand-written school rows, no public datasets unless --data is given) and prints
wall and CPU time for the whole run: building the challenger, judging champion and
challenger on the frozen check sets and held-out verdicts, and, if promoted, rescoring.
The aim (issue 20) is <= 15 minutes for 500 verdicts.

    .venv/bin/python benchmarks/retrain.py [--verdicts 500] [--threads 1] [--data PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _seed(engine, n: int) -> None:
    import pandas as pd

    from classifiers.labels import LABELS
    from trustwatch.db.engine import session_scope
    from trustwatch.db.models import Item, LabelVerdict

    school = ROOT / "classifiers" / "school"
    rows = pd.concat(
        [pd.read_csv(school / "train.csv"), pd.read_csv(school / "world_train.csv")],
        ignore_index=True,
    )
    rng = random.Random(13)
    start = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    with session_scope(engine) as session:
        for i in range(n):
            row = rows.iloc[i % len(rows)]
            text = row["text"] if i < len(rows) else f"{row['text']} ({i // len(rows)})"
            item = Item(
                platform="facebook",
                external_id=f"bench-{i}",
                kind="comment",
                stream="facebook:comments",
                text=text,
                created_at=start,
                content_hash=f"h{i}",
            )
            session.add(item)
            session.flush()
            label = rng.choice(LABELS)
            verdict = "confirmed" if row[label] == 1 else "dismissed"
            session.add(
                LabelVerdict(
                    item_id=item.item_id,
                    label=label,
                    verdict=verdict,
                    decided_at=start + dt.timedelta(minutes=200 * i),
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--heads-only", action="store_true", help="fit the heads only (S7)")
    parser.add_argument(
        "--heads-only-fallback",
        action="store_true",
        help="if the whole model is refused, fit and judge the heads alone too (S14)",
    )
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="trustwatch-retrain-bench-"))
    os.environ["TRUSTWATCH_VAR_DIR"] = str(var)
    from dataclasses import replace

    from classifiers.training.retrain import RetrainSettings
    from trustwatch.db.engine import make_engine, session_scope
    from trustwatch.db.migrate import upgrade
    from trustwatch.model_versions import retrain

    engine = make_engine(f"sqlite:///{var / 'warehouse.sqlite'}")
    upgrade(engine)
    _seed(engine, args.verdicts)
    settings = replace(
        RetrainSettings(),
        threads=args.threads,
        heads_only=args.heads_only,
        heads_only_fallback=args.heads_only_fallback,
    )
    if args.steps:
        settings = replace(settings, steps=args.steps)
    wall, cpu = time.monotonic(), time.process_time()
    with session_scope(engine) as session:
        outcome = retrain(
            session, now=dt.datetime.now(dt.UTC), settings=settings, data_dir=args.data
        )
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    print(
        f"verdicts {args.verdicts}, steps {settings.steps}, threads {args.threads}, "
        f"heads only {settings.heads_only}, heads-only fallback {settings.heads_only_fallback}"
    )
    print(f"outcome {outcome.status} version {outcome.version}")
    for reason in outcome.reasons:
        print(f"  {reason}")
    print(f"wall {wall / 60:.1f} min, CPU {cpu / 60:.1f} min (all threads)")


if __name__ == "__main__":
    main()
