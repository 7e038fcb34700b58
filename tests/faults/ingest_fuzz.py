"""Fuzz the ingest end to end: random records in each platform's wire shape, through the
real page conversion, parser, pre-load gate and warehouse load, timing every record.

Records are drawn from a seeded `random.Random` (fast enough for 10,000+ per platform,
unlike hypothesis): a third valid, the rest broken the ways real payloads break (a field
missing, null, of another type or nested wrongly), poisoned (lone surrogates, NaN and
Infinity, 600-deep nesting, 150,000-character fields, `null` list entries) or arbitrary
JSON. Every record must end loaded, skipped or quarantined; an exception escaping the
stream is counted as unhandled. Used by `tests/faults/test_ingest_fuzz.py` (small) and
`benchmarks/fuzz_ingest.py` (>= 10,000 records per platform).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from connectors.base import Page, Parent, Stream, StreamContext
from connectors.reddit import RedditStream
from connectors.x import XStream
from tests.faults.harness import PSEUDONYM_SECRET
from tests.faults.platforms import RUN_AT
from tests.faults.poison import nested
from tests.faults.streams import FACEBOOK_POST, REDDIT_POST, SPECS, Spec, page_body
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Item, Quarantine, School
from trustwatch.ingest import make_committer, plan_partitions
from trustwatch.quality.gate import make_gate
from trustwatch.registry import Registry

PLATFORM_STREAMS = {
    platform: [s for s in sorted(SPECS) if SPECS[s].platform == platform]
    for platform in ("x", "reddit", "facebook")
}
PARENTS = {"reddit.comments": REDDIT_POST, "facebook.comments": FACEBOOK_POST}

NASTY: list[Any] = [
    None,
    "",
    "abc",
    "12abc",
    "-5",
    0,
    -1,
    2**64,
    -(2**70),
    1e300,
    True,
    [],
    {},
    "2026-13-45T99:00:00Z",
    "2099-01-01T00:00:00Z",
    "1e400",
    "t3_",
    "[deleted]",
    "\x00",
    "\ud800",
    "text with a lone surrogate \udfff",
    float("nan"),
    float("inf"),
    float("-inf"),
]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice([*NASTY, "x" * rng.randint(0, 40), rng.randint(-1000, 1000)])
    if roll < 0.75:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        rng.choice(["id", "data", "kind", "text", "name", "created_at", "from", "k"]): random_json(
            rng, depth + 1
        )
        for _ in range(rng.randint(0, 5))
    }


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        out.append((*prefix, key))
        if isinstance(child, dict | list):
            out.extend(_paths(child, (*prefix, key)))
    return out


def broken(rng: random.Random, record: Any) -> Any:
    for _ in range(rng.randint(1, 3)):
        paths = _paths(record) if isinstance(record, dict | list) else []
        if not paths:
            return random_json(rng)
        path = rng.choice(paths)
        holder = record
        for key in path[:-1]:
            holder = holder[key]
        action = rng.random()
        if action < 0.3 and isinstance(holder, dict):
            del holder[path[-1]]
        elif action < 0.8:
            holder[path[-1]] = rng.choice(NASTY)
        else:
            holder[path[-1]] = random_json(rng)
    return record


def poisoned(rng: random.Random, spec: Spec, record: Any) -> Any:
    kind = rng.randrange(6)
    target = record["data"] if spec.platform == "reddit" else record
    if kind == 0:
        return None
    if kind == 1:
        target["note"] = "half an emoji \ud83d"
    elif kind == 2:
        target["public_metrics"] = {"like_count": rng.choice([float("nan"), float("inf")])}
    elif kind == 3:
        target["nested"] = nested(600)
    elif kind == 4:
        target["note"] = "a" * 150_000
    else:
        return {"kind": record.get("kind", "t1")} if spec.platform == "reddit" else {}
    return record


def draw(rng: random.Random, spec: Spec, n: int) -> tuple[Any, bool]:
    """Record n of a stream, and whether it was left valid."""
    record = spec.record(n)
    roll = rng.random()
    if roll < 0.34:
        return record, True
    if roll < 0.74:
        return broken(rng, copy.deepcopy(record)), False
    if roll < 0.86:
        return poisoned(rng, spec, copy.deepcopy(record)), False
    return random_json(rng), False


def stream_for(registry: Registry, name: str, parents: Mapping[str, str] | None = None) -> Stream:
    """The real stream class on its real planned partition; the page comes from here.

    `parents` names the parent post a child stream walks (default: the poison pages').
    """
    parents = PARENTS if parents is None else parents
    plan = next(p for p in plan_partitions(registry) if p.stream_cls.name == name)
    accounts = [a for _, a in registry.accounts() if a.platform is plan.partition.platform]
    context = StreamContext(
        partition=plan.partition,
        run_started_at=RUN_AT,
        school_account_ids=frozenset(a.account_id for a in accounts),
        school_handles={a.handle.lower(): a.account_id for a in accounts},
    )
    stream = plan.stream_cls(None, context)
    if name in parents:
        stream.parent = Parent(external_id=parents[name], school_key="oakfield")
    return stream


def wire_page(stream: Stream, spec: Spec, records: list[Any]) -> Page:
    """The page as `fetch_page` turns the platform's response into records."""
    body = page_body(spec, records)
    if isinstance(stream, XStream):
        return XStream.page_from(body)
    if isinstance(stream, RedditStream):
        listing = body[1] if spec.stream == "reddit.comments" else body
        return RedditStream.listing_page(listing)
    return Page(list(body["data"]), None)


@dataclass
class FuzzResult:
    platform: str
    records: int = 0
    valid: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    unhandled: list[str] = field(default_factory=list)
    valid_lost: int = 0
    max_parse_seconds: float = 0.0
    max_load_seconds: float = 0.0  # one page's load (gate + write), so a bound per record
    max_load_page: int = 0
    max_gate_seconds: float = 0.0  # the data checks alone, in any one page's load
    max_gate_cpu_seconds: float = 0.0  # the same in CPU time: what load on the machine hides
    # The slowest record: its own parse plus the whole load (gate + write) of its page,
    # since a record is not stored before its page is.
    max_record_seconds: float = 0.0
    seconds: float = 0.0


def fuzz_platform(
    engine: Engine,
    registry: Registry,
    platform: str,
    *,
    records: int,
    seed: int,
    page_size: int = 50,
    gate: bool = True,
) -> FuzzResult:
    rng = random.Random(f"{seed}:{platform}")
    result = FuzzResult(platform)
    streams = {name: stream_for(registry, name) for name in PLATFORM_STREAMS[platform]}
    with session_scope(engine) as session:
        school_ids = dict(
            session.execute(select(School.school_key, School.school_id)).tuples().all()
        )
    outcomes: list[Any] = []
    real_gate = make_gate(registry, RUN_AT, outcomes, engine=engine)

    def timed_gate(stream: Stream, items: list[Any]) -> Any:
        """The real gate, timed: what of a page's load is the data checks (CPU)."""
        t0, cpu0 = time.perf_counter(), time.process_time()
        try:
            return real_gate(stream, items)
        finally:
            result.max_gate_seconds = max(result.max_gate_seconds, time.perf_counter() - t0)
            cpu = time.process_time() - cpu0
            result.max_gate_cpu_seconds = max(result.max_gate_cpu_seconds, cpu)

    commit = make_committer(
        pseudonym_secret=PSEUDONYM_SECRET,
        school_ids=school_ids,
        run_started_at=RUN_AT,
        gate=timed_gate if gate else None,
    )
    if gate:
        # Great Expectations imports and builds its context, suite and (on the first
        # failing row) its failure paths once per process: a worker's start-up, not a
        # record's cost. Warm it with a page of one good record and one dated 2099.
        warm = streams[PLATFORM_STREAMS[platform][0]]
        spec = SPECS[warm.name]
        future = spec.created_value(dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
        late = copy.deepcopy(spec.record(1))
        holder = late
        for key in spec.created_path[:-1]:
            holder = holder[key]
        holder[spec.created_path[-1]] = future
        items = warm.parse_page(wire_page(warm, spec, [spec.record(0), late]))[0]
        make_gate(registry, RUN_AT, [], engine=engine)(warm, items)
    started = time.perf_counter()
    n = 1
    while result.records < records:
        name = rng.choice(PLATFORM_STREAMS[platform])
        stream, spec = streams[name], SPECS[name]
        drawn = [draw(rng, spec, n + i) for i in range(page_size)]
        n += page_size
        wanted = {spec.external_id(n - page_size + i) for i, (_, ok) in enumerate(drawn) if ok}
        result.records += len(drawn)
        result.valid += len(wanted)
        try:
            page = wire_page(stream, spec, [r for r, _ in drawn])
            items, rejected, skipped, page_parse = [], [], 0, 0.0
            for record in page.records:
                t0 = time.perf_counter()
                got, bad, skip = stream.parse_page(Page([record]))
                page_parse = max(page_parse, time.perf_counter() - t0)
                items += got
                rejected += bad
                skipped += skip
            stream.refused = 0
            t0 = time.perf_counter()
            stream.commit_page(engine, commit, items, rejected, None)
            took = time.perf_counter() - t0
            result.max_parse_seconds = max(result.max_parse_seconds, page_parse)
            result.max_record_seconds = max(result.max_record_seconds, page_parse + took)
            if took > result.max_load_seconds:
                result.max_load_seconds, result.max_load_page = took, len(page.records)
        except Exception as exc:  # the finding this fuzzer exists to make
            result.unhandled.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        result.skipped += skipped
        with session_scope(engine) as session:
            stored = set(
                session.scalars(
                    select(Item.external_id).where(
                        Item.platform == platform, Item.external_id.in_(wanted)
                    )
                )
            )
        result.valid_lost += len(wanted - stored) if name != "reddit.search" else 0
    result.seconds = time.perf_counter() - started
    with session_scope(engine) as session:
        result.loaded = int(
            session.scalar(select(func.count()).select_from(Item).where(Item.platform == platform))
            or 0
        )
        result.quarantined = int(
            session.scalar(
                select(func.count()).select_from(Quarantine).where(Quarantine.platform == platform)
            )
            or 0
        )
    return result
