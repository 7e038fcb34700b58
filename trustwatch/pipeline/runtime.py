"""What every step needs: the registry, the warehouse engine, and the run's clock."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from trustwatch.db.engine import get_engine
from trustwatch.logging_setup import install_secret_filter
from trustwatch.registry import Registry, load_registry
from trustwatch.settings import get_settings


@dataclass(frozen=True)
class Window:
    """The data interval a run covers; `end` doubles as the run's "now"."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value.tzinfo is None:
                raise ValueError("window bounds must be aware UTC datetimes")
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")

    def as_xcom(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Window:
        """The run's interval; runs without one (asset-triggered) use their own instant.

        An asset-triggered run's `run_after` is when its first event was queued: a run
        that waited behind a failed or slow one would judge the world as of then, and
        miss what was raised while it waited (alerts raised at 12:26 went out at 13:00).
        So such a run's clock is the later of `run_after` and the moment it started.
        Airflow hands pendulum datetimes; they are converted to plain UTC datetimes so
        nothing Airflow-specific reaches the warehouse.
        """
        start = context.get("data_interval_start")
        end = context.get("data_interval_end")
        if start is None or end is None:
            instant = _own_instant(context)
            start = end = instant
        return cls(start=_plain_utc(start), end=_plain_utc(end))


def _own_instant(context: Mapping[str, Any]) -> dt.datetime:
    dag_run = context.get("dag_run")
    instant = getattr(dag_run, "run_after", None) or context.get("logical_date")
    if instant is None:
        return dt.datetime.now(dt.UTC)
    started = getattr(dag_run, "start_date", None)
    run_type = getattr(dag_run, "run_type", None)
    if getattr(run_type, "value", run_type) == "asset_triggered" and started is not None:
        return max(_plain_utc(instant), _plain_utc(started))
    return instant


def _plain_utc(value: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(value.timestamp(), tz=dt.UTC)


def registry() -> Registry:
    """The registry, parsed once per file version per process.

    A worker (or the demo) runs many tasks in one interpreter, and parsing the YAML was
    most of a quiet partition's cost; an edited file is read again.
    """
    path = Path(get_settings().config)
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (0, 0)  # load_registry reports the missing file in its own words
    loaded = _registry(str(path), version)
    install_secret_filter(loaded)  # the tokens the registry names stay out of task logs
    return loaded


@lru_cache(maxsize=4)
def _registry(path: str, version: tuple[int, int]) -> Registry:
    return load_registry(path)


def engine() -> Engine:
    install_secret_filter()  # every task opens the warehouse first: redact from here on
    settle_heap()
    return get_engine(get_settings().resolved_warehouse_url)


def settle_heap() -> None:
    """Take what the task has built so far (modules, the GX context) out of the collector.

    A task imports pandas, SQLAlchemy and Great Expectations: millions of objects that live
    as long as the process. Left in the collected generations, every full collection the
    step's own allocations trigger walks all of them (0.1-1 s each, several per hourly
    cycle, whatever the warehouse holds). `gc.freeze()` moves them to the permanent
    generation in constant time; cycles the step itself creates are still collected.
    Called whenever a task opens the warehouse, so it is cheap and idempotent.
    """
    gc.freeze()
