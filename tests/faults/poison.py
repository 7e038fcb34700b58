"""Poison records: one bad record on an otherwise good page, on any stream.

Each shape is one that used to fail the whole page on every run (a wedged partition):
a lone UTF-16 surrogate in the text, NaN or Infinity anywhere, nesting deep enough for
RecursionError (in the record, or in the response itself: deeper than the JSON decoder
reads), a field far over any platform's limit, a `null` in the list, a record
missing a required field, a Reddit child without `data`, an X `includes.users` entry
without `id`, and (caught by the pre-load data checks) a post dated 2099. `run_case`
ingests the page twice through the real ingest (HTTP faked by `tests.faults.streams`)
with the same gate the CLI and the DAG use, and reports what survived.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import responses
from sqlalchemy import Engine, select

from tests.faults.harness import PSEUDONYM_SECRET, no_wait_retry
from tests.faults.platforms import RUN_AT
from tests.faults.streams import (
    DEEPER_THAN_DECODER,
    SPECS,
    Server,
    Spec,
    page_body,
    parent_body,
)
from trustwatch.db.engine import session_scope
from trustwatch.db.models import IngestState, Item, Quarantine
from trustwatch.ingest import LiveSource, plan_partitions, run_ingest
from trustwatch.quality.gate import make_gate
from trustwatch.registry import Registry

GOOD = [1, 2, 4, 5, 6]  # the bad record (n=3) sits between good ones
BAD = 3
LATER = 7  # a good record that arrives before the second run


def _set(record: Any, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = value


def _delete(record: Any, path: tuple[str, ...]) -> None:
    for key in path[:-1]:
        record = record[key]
    del record[path[-1]]


def _get(record: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        record = record[key]
    return record


def _extra(spec: Spec, record: Any, value: Any) -> Any:
    """`value` in a field the parser never reads (inside `data` for Reddit)."""
    holder = record["data"] if spec.platform == "reddit" else record
    holder["public_metrics"] = {"like_count": value}
    return record


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@dataclass(frozen=True)
class Shape:
    """How to break record n of a stream, and what quarantine should say about it."""

    name: str
    make: Callable[[Spec, Any], Any]  # the good record -> the bad one (None: unchanged)
    reason: str | None  # a substring of the quarantine reason (None: nothing quarantined)
    platforms: frozenset[str] = frozenset({"x", "reddit", "facebook"})
    extra_users: tuple[Any, ...] = ()


def _surrogate(spec: Spec, r: Any) -> Any:
    _set(r, spec.text_path, _get(r, spec.text_path) + " broken emoji \ud83d")
    return r


def _oversized(spec: Spec, r: Any) -> Any:
    _set(r, spec.text_path, "Oakfield Primary " + "a" * 150_000)
    return r


def _missing_created(spec: Spec, r: Any) -> Any:
    _delete(r, spec.created_path)
    return r


def _dated_2099(spec: Spec, r: Any) -> Any:
    _set(r, spec.created_path, spec.created_value(dt.datetime(2099, 1, 1, tzinfo=dt.UTC)))
    return r


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in [
        Shape("lone_surrogate", _surrogate, "lone UTF-16 surrogate"),
        Shape("nan", lambda spec, r: _extra(spec, r, float("nan")), "NaN or Infinity"),
        Shape("infinity", lambda spec, r: _extra(spec, r, float("inf")), "NaN or Infinity"),
        Shape("deeply_nested", lambda spec, r: _extra(spec, r, nested(600)), "too deeply nested"),
        Shape(
            "nested_past_decoder",  # the response itself is deeper than json.loads can read
            lambda spec, r: _extra(spec, r, DEEPER_THAN_DECODER),
            "nesting deeper than",
        ),
        Shape("oversized_field", _oversized, "oversized field"),
        Shape("null_record", lambda spec, r: None, "Error"),
        Shape("missing_created", _missing_created, "KeyError"),
        Shape(
            "child_without_data",
            lambda spec, r: {"kind": r["kind"]},
            "KeyError",
            frozenset({"reddit"}),
        ),
        Shape(
            "user_without_id",
            lambda spec, r: r,
            None,
            frozenset({"x"}),
            extra_users=({"username": "ghost", "name": "No Id"}, None, "junk"),
        ),
        Shape("dated_2099", _dated_2099, "created_at_not_future"),
    ]
}


def cases() -> list[tuple[str, str]]:
    """Every (stream, shape) pair that applies."""
    return [
        (stream, shape.name)
        for stream, spec in sorted(SPECS.items())
        for shape in SHAPES.values()
        if spec.platform in shape.platforms
    ]


@dataclass(frozen=True)
class Outcome:
    stream: str
    shape: str
    errors: list[str]  # partition errors over both runs (a wedged partition shows here)
    lost: set[str]  # good records that did not load
    quarantined: list[tuple[str, str]]  # (check_name, reason) for this stream
    cursor_error: str | None
    bookmark: str | None
    requests: int


def _page(spec: Spec, shape: Shape, numbers: list[int]) -> Any:
    records = []
    for n in numbers:
        record = spec.record(n)
        if n == BAD:
            record = shape.make(spec, copy.deepcopy(record))
        records.append(record)
    if spec.platform == "x":
        return page_body(spec, records, extra_users=list(shape.extra_users))
    return page_body(spec, records)


def _run(engine: Engine, registry: Registry, labels: list[str], server: Server) -> list[str]:
    plans = {p.label: p for p in plan_partitions(registry)}
    outcomes: list[Any] = []
    errors = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        server.register(mock)
        for label in labels:
            summary = run_ingest(
                engine,
                registry,
                source=LiveSource(),
                pseudonym_secret=PSEUDONYM_SECRET,
                partitions=[plans[label]],
                retry=no_wait_retry(),
                now=RUN_AT,
                read_caps={"x": None, "reddit": None, "facebook": None},
                gate=make_gate(registry, RUN_AT, outcomes, engine=engine),
            )
            errors += [f"{r.partition}: {r.error}" for r in summary.results if r.error]
    return errors


def run_case(engine: Engine, registry: Registry, stream: str, shape_name: str) -> Outcome:
    """Ingest a page with one poison record, then again with one more good record."""
    spec, shape = SPECS[stream], SHAPES[shape_name]
    server = Server()
    labels = [spec.label]
    if spec.parent:
        server.set(SPECS_BY_LABEL[spec.parent].url, parent_body(spec))
        labels = [spec.parent, spec.label]
    numbers = sorted([*GOOD, BAD])
    server.set(spec.url, _page(spec, shape, numbers))
    errors = _run(engine, registry, labels, server)
    server.set(spec.url, _page(spec, shape, [*numbers, LATER]))
    errors += _run(engine, registry, labels, server)
    expected = {spec.external_id(n) for n in [*GOOD, LATER]}
    with session_scope(engine) as session:
        loaded = set(
            session.scalars(
                select(Item.external_id).where(
                    Item.platform == spec.platform, Item.external_id.in_(expected)
                )
            )
        )
        rows = session.execute(
            select(Quarantine.check_name, Quarantine.reason).where(Quarantine.stream == stream)
        ).all()
        state = session.scalar(select(IngestState).where(IngestState.partition == spec.label))
    return Outcome(
        stream=stream,
        shape=shape_name,
        errors=errors,
        lost=expected - loaded,
        quarantined=[(r[0], r[1]) for r in rows],
        cursor_error=state.last_error if state is not None else "no cursor row",
        bookmark=(state.cursor or {}).get("bookmark") if state is not None else None,
        requests=server.requests,
    )


SPECS_BY_LABEL = {spec.label: spec for spec in SPECS.values()}
