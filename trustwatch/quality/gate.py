"""The pre-load gate the ingest runs on every page, in the DAG and in the CLI alike.

`make_gate` returns a `trustwatch.ingest.Gate`: each page's new or changed items go
through the Great Expectations batch suite (`trustwatch.quality.batch`); records that
break a check (a post dated 2099, text longer than any platform allows, an account not in
the registry) go to quarantine with the check's name and reason, the rest load. Suite
outcomes are collected so the caller can store them for `trustwatch checks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select, tuple_

from trustwatch.quality.batch import SUITE, gate_batch
from trustwatch.quality.runner import SuiteOutcome
from trustwatch.registry import Registry


def stored_unchanged(engine: Engine, items: Sequence[Any]) -> set[tuple[str, str]]:
    """Keys of items the warehouse already holds with exactly this content.

    Connectors deliver at least once, so most pages repeat a record or two; such a record
    passed the gate when it first loaded and re-loading it writes nothing, so it is not
    validated again.
    """
    from trustwatch.db.engine import session_scope
    from trustwatch.db.models import Item

    if not items:
        return set()
    hashes = {(i.platform.value, i.external_id): i.content_hash() for i in items}
    found: set[tuple[str, str]] = set()
    keys = list(hashes)
    with session_scope(engine) as session:
        for start in range(0, len(keys), 500):
            rows = session.execute(
                select(Item.platform, Item.external_id, Item.content_hash).where(
                    tuple_(Item.platform, Item.external_id).in_(keys[start : start + 500])
                )
            ).all()
            found |= {(r[0], r[1]) for r in rows if hashes.get((r[0], r[1])) == r[2]}
    return found


def make_gate(
    reg: Registry,
    now: dt.datetime,
    outcomes: list[SuiteOutcome],
    *,
    engine: Engine,
    platform: str | None = None,
):  # type: ignore[no-untyped-def]
    """The gate for one run at clock `now`; `platform` None takes each stream's own."""
    from connectors.base import Rejected

    def gate(stream: Any, items: list[Any]) -> tuple[list[Any], list[Rejected]]:
        known = stored_unchanged(engine, items)
        repeats = [i for i in items if (i.platform.value, i.external_id) in known]
        fresh = [i for i in items if (i.platform.value, i.external_id) not in known]
        if not fresh:
            return repeats, []
        name = platform or stream.platform.value
        result = gate_batch(fresh, reg, platform=name, now=now)
        outcomes.append(result.outcome)
        rejected = [
            Rejected(
                raw=r.item.model_dump(mode="json"),
                reason=r.reason,
                external_id=r.item.external_id,
                check_name=f"{SUITE}:{r.check}",
            )
            for r in result.rejected
        ]
        return [*repeats, *result.accepted], rejected

    return gate
