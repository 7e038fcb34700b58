"""The ingest job as a library: plan partitions from the registry, run each one, summarise.

Used by `trustwatch ingest` and by the Airflow ingest DAG (which maps one task over
`plan_partitions(...)` labels); nothing here imports Airflow.

One partition run is: fetch a page -> parse -> quarantine what does not parse -> load the
items and commit -> next page. The cursor is written **in the same transaction as the last
batch it covers** (see `connectors.base.Stream.sync`): the cursor and the items live in the
same database, so one transaction makes "data committed" and "cursor moved" a single
event. The cursor can then never be ahead of the data (a crash before that commit loses
both, and the next run re-fetches), and there is no window where the data is in but the
cursor lags. Earlier pages of a long walk are committed as they come; until the walk
finishes the cursor stays where it was, so a crash re-fetches them, and the upsert on
(platform, external_id) with its content hash makes that re-fetch change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import connectors
from connectors import reddit
from connectors.base import (
    Budget,
    Connector,
    Parent,
    Partition,
    PlannedPartition,
    Rejected,
    RetryPolicy,
    Stream,
    StreamContext,
    StreamResult,
)
from connectors.secrets import redact
from trustwatch.db.engine import session_scope
from trustwatch.db.models import Account as AccountRow
from trustwatch.db.models import Item, School
from trustwatch.domain import CanonicalItem
from trustwatch.errors import ConfigError, CredentialsError, UserError
from trustwatch.registry import Platform, Registry, Retention
from trustwatch.warehouse import ingest_state
from trustwatch.warehouse.items import LoadResult, load_items
from trustwatch.warehouse.quarantine import QuarantineRecord, quarantine

log = logging.getLogger(__name__)

DEFAULT_PARENT_LOOKBACK = dt.timedelta(days=14)


# --- planning -----------------------------------------------------------------------------


def _matches(partition: Partition, key: str | None) -> bool:
    """`--account KEY`: a school key, an account handle or a subreddit."""
    if key is None:
        return True
    names = {partition.school_key, partition.handle, partition.options.get("subreddit")}
    names |= set((partition.options.get("keywords") or {}).values())
    return key.lower() in {n.lower() for n in names if n}


def plan_partitions(
    registry: Registry, *, platform: str | None = None, account: str | None = None
) -> list[PlannedPartition]:
    """Every partition the registry implies, each platform's parents before children.

    One per account and stream, plus keyword searches (per school on X, per subreddit on
    Reddit); `account` filters by school key, account handle or subreddit name.
    """
    planned: list[PlannedPartition] = []
    for connector in connectors.registered():
        if platform is None or connector.platform.value == platform:
            planned += connector.partitions(registry)
    planned = [p for p in planned if _matches(p.partition, account)]
    return [p for p in planned if not p.stream_cls.is_child] + [
        p for p in planned if p.stream_cls.is_child
    ]


def connector_for(partition: Partition) -> Connector:
    return next(c for c in connectors.registered() if c.platform is partition.platform)


# --- sources ------------------------------------------------------------------------------


class Source(Protocol):
    """Where API objects come from: the live clients, or the replay corpus."""

    name: str
    as_of: dt.datetime | None
    parent_lookback: dt.timedelta | None

    def api_for(self, partition: Partition, registry: Registry) -> Any: ...


class LiveSource:
    """The real platforms; credentials are resolved on first use, per platform or page."""

    name = "live"
    as_of = None
    parent_lookback: dt.timedelta | None = DEFAULT_PARENT_LOOKBACK

    def __init__(self, credentials_source: Any = None) -> None:
        self._apis: dict[Any, Any] = {}
        self._credentials_source = credentials_source

    def api_for(self, partition: Partition, registry: Registry) -> Any:
        connector = connector_for(partition)
        key = (partition.platform, partition.account_id if connector.api_per_account else None)
        if key not in self._apis:
            self._apis[key] = connector.live_api(partition, registry, self._credentials_source)
        return self._apis[key]


class ReplaySource:
    """The bundled corpus, as the platforms would have shown it at `as_of`."""

    name = "replay"
    parent_lookback = None  # a closed corpus: every post's comments are replayed

    def __init__(self, as_of: dt.datetime | None = None, corpus: Any = None) -> None:
        from connectors.replay import ReplayCorpus

        self.corpus = corpus or ReplayCorpus()
        if as_of is not None and as_of.tzinfo is None:
            raise UserError("--as-of needs a time zone, e.g. 2026-11-09T14:00:00+00:00")
        self.as_of = as_of or self.corpus.ends_at

    def api_for(self, partition: Partition, registry: Registry) -> Any:
        return connector_for(partition).replay_api(self.corpus, self.as_of)


# --- running ------------------------------------------------------------------------------


@dataclass
class IngestSummary:
    source: str
    run_started_at: dt.datetime
    results: list[StreamResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def total(self, attribute: str) -> int:
        return sum(int(getattr(r, attribute)) for r in self.results)


def _school_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(School.school_key, School.school_id)).tuples().all())


def _parents(
    engine: Engine, partition: Partition, *, since: dt.datetime | None, until: dt.datetime
) -> list[Parent]:
    """Posts whose comments a child stream walks: recent ones already in the warehouse."""
    with session_scope(engine) as session:
        keys = {v: k for k, v in _school_ids(session).items()}
        query = select(Item.external_id, Item.school_id).where(
            Item.platform == partition.platform.value, Item.created_at <= until
        )
        if since is not None:
            query = query.where(Item.created_at >= since)
        if partition.platform is Platform.FACEBOOK:
            query = query.join(AccountRow, AccountRow.account_id == Item.account_id).where(
                AccountRow.platform_account_id == partition.account_id,
                Item.kind.in_(["post", "visitor_post"]),
            )
        else:
            sub = partition.options["subreddit"]
            query = query.where(
                Item.stream == reddit.RedditSearch.name,
                Item.kind == "post",
                Item.url.like(f"%/r/{sub}/comments/%"),
            )
        rows = session.execute(query.order_by(Item.created_at.desc())).all()
    return [Parent(external_id=row[0], school_key=keys.get(row[1])) for row in rows]


def _keep_evidence(session: Session, items: Sequence[CanonicalItem]) -> list[CanonicalItem]:
    """A deletion must not erase what was said: a deleted item keeps the text we stored
    (a removed Reddit submission, say, still shows its title but no longer its body)."""
    deleted = [i for i in items if i.is_deleted]
    if not deleted:
        return list(items)
    known = dict(
        session.execute(
            select(Item.external_id, Item.text).where(
                Item.platform == deleted[0].platform.value,
                Item.external_id.in_([i.external_id for i in deleted]),
            )
        )
        .tuples()
        .all()
    )
    return [
        i.model_copy(update={"text": known[i.external_id]})
        if i.is_deleted and known.get(i.external_id)
        else i
        for i in items
    ]


# A pre-load gate (the data-check suite): splits a batch into items that may load and
# rejected records (which go to quarantine with the check's name and reason).
Gate = Callable[[Stream, list[CanonicalItem]], tuple[list[CanonicalItem], list[Rejected]]]


def make_committer(
    *,
    pseudonym_secret: bytes,
    school_ids: dict[str, int],
    run_started_at: dt.datetime,
    gate: Gate | None = None,
    retention: Retention | None = None,
) -> Callable[..., LoadResult]:
    def commit(
        session: Session,
        stream: Stream,
        items: list[CanonicalItem],
        rejected: list[Rejected],
        state: dict[str, Any] | None,
    ) -> LoadResult:
        partition = stream.partition
        if gate is not None and items:
            items, failed = gate(stream, items)
            rejected = [*rejected, *failed]
        quarantine(
            session,
            [
                QuarantineRecord(
                    platform=partition.platform.value,
                    stream=stream.name,
                    partition=partition.label,
                    external_id=r.external_id,
                    reason=r.reason,
                    check_name=r.check_name,
                    payload=r.raw,
                )
                for r in rejected
            ],
        )
        items = _keep_evidence(session, items)
        hints = {}
        for item in items:
            key = stream.school_key_for(item)
            if key in school_ids:
                hints[(item.platform.value, item.external_id)] = school_ids[key]
        result = load_items(
            session,
            items,
            pseudonym_secret=pseudonym_secret,
            school_ids_by_item=hints,
            retention=retention,
            now=run_started_at,
        )
        if state is not None:
            ingest_state.save_cursor(
                session,
                stream.name,
                partition.label,
                state,
                run_started_at=run_started_at,
                loaded=result.inserted + result.updated,
            )
        return result

    return commit


def _record_error(session: Session, stream: Stream, message: str, body: Any) -> None:
    ingest_state.record_error(session, stream.name, stream.partition.label, message)
    if body:
        quarantine(
            session,
            [
                QuarantineRecord(
                    platform=stream.platform.value,
                    stream=stream.name,
                    partition=stream.partition.label,
                    reason=message,
                    check_name="response_json",
                    payload={"body": redact(body)[:20000]},
                )
            ],
        )


def default_read_caps() -> dict[str, int | None]:
    """Records read per run and platform; X's reads are paid, so they are capped."""
    name = "TRUSTWATCH_X_MAX_READS_PER_RUN"
    cap = os.environ.get(name, "2000").strip()
    try:
        limit = int(cap) if cap else None
    except ValueError:
        limit = -1
    if limit is not None and limit < 0:
        raise ConfigError(
            f"the environment variable {name}={cap[:40]!r} is not a number of posts. "
            f"Fix: set {name} to a whole number of 0 or more (the default is 2000), or "
            "unset it."
        )
    return {"x": limit, "reddit": None, "facebook": None}


def run_ingest(
    engine: Engine,
    registry: Registry,
    *,
    source: Source,
    pseudonym_secret: bytes,
    platform: str | None = None,
    account: str | None = None,
    partitions: Iterable[PlannedPartition] | None = None,
    read_caps: dict[str, int | None] | None = None,
    retry: RetryPolicy | None = None,
    now: dt.datetime | None = None,
    gate: Gate | None = None,
    on_partition_start: Callable[[PlannedPartition], None] | None = None,
    on_page: Callable[[StreamResult], None] | None = None,
    on_partition_done: Callable[[StreamResult], None] | None = None,
) -> IngestSummary:
    """Run every planned partition; a failing partition is reported, the rest go on.

    A credentials problem stops the remaining partitions of that platform (each would
    fail the same way) and is reported once per partition.
    """
    run_started_at = source.as_of or now or dt.datetime.now(dt.UTC)
    planned = (
        list(partitions)
        if partitions is not None
        else plan_partitions(registry, platform=platform, account=account)
    )
    caps = read_caps if read_caps is not None else default_read_caps()
    budgets = {p.value: Budget(limit=caps.get(p.value)) for p in Platform}
    retry = retry or RetryPolicy()
    with session_scope(engine) as session:
        school_ids = _school_ids(session)
    commit = make_committer(
        pseudonym_secret=pseudonym_secret,
        school_ids=school_ids,
        run_started_at=run_started_at,
        gate=gate,
        retention=registry.retention,
    )
    summary = IngestSummary(source=source.name, run_started_at=run_started_at)
    broken: dict[str, str] = {}
    for plan in planned:
        partition = plan.partition
        if on_partition_start:
            on_partition_start(plan)
        result = StreamResult(stream=plan.stream_cls.name, partition=partition.label)
        if partition.platform.value in broken:
            result.error = broken[partition.platform.value]
            result.needs_fix = True
        else:
            try:
                result = _run_one(
                    engine, registry, plan, source, commit, budgets, retry, run_started_at, on_page
                )
            except CredentialsError as exc:
                broken[partition.platform.value] = str(exc)
                result.error = str(exc)
                result.needs_fix = True
        summary.results.append(result)
        if on_partition_done:
            on_partition_done(result)
    return summary


def _run_one(
    engine: Engine,
    registry: Registry,
    plan: PlannedPartition,
    source: Source,
    commit: Callable[..., LoadResult],
    budgets: dict[str, Budget],
    retry: RetryPolicy,
    run_started_at: dt.datetime,
    on_page: Callable[[StreamResult], None] | None,
) -> StreamResult:
    partition = plan.partition
    accounts = [a for _, a in registry.accounts() if a.platform is partition.platform]
    parents: list[Parent] = []
    if plan.stream_cls.is_child:
        lookback = source.parent_lookback
        since = run_started_at - lookback if lookback is not None else None
        parents = _parents(engine, partition, since=since, until=run_started_at)
    context = StreamContext(
        partition=partition,
        run_started_at=run_started_at,
        school_account_ids=frozenset(a.account_id for a in accounts),
        school_handles={a.handle.lower(): a.account_id for a in accounts},
        parents=parents,
    )
    api = source.api_for(partition, registry)
    stream = plan.stream_cls(api, context)
    return stream.sync(
        engine,
        commit=commit,
        read_state=ingest_state.read_cursor,
        record_error=_record_error,
        budget=budgets[partition.platform.value],
        retry=retry,
        on_page=on_page,
    )
