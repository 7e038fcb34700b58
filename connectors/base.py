"""The shared stream base: paging, retries, budgets, bookmarks and quarantine.

Modelled on the Singer SDK's three layers, without the Singer protocol:

1. `Stream` (this module) owns the record loop: a `Paginator` that refuses to loop, one
   `RetryPolicy` (exponential backoff with jitter, rate-limit resets honoured, retriable
   versus fatal errors), a per-run `Budget` of records read, bookmarks in `ingest_state`,
   and quarantine of records that fail parsing.
2. A per-platform base (`connectors.x.XStream`, ...) knows its API client: how to call it
   and how to turn the client's exceptions into `RetriableError` or `FatalError`.
3. Concrete streams only declare `name`, `replication_key`, `is_sorted` and implement
   `fetch_page(token, ...)` and `parse_record(raw)`.

Delivery is at least once: the bookmark is written in the same transaction as the last
batch it covers, never before, so a crash anywhere means re-fetching, never losing, and
the idempotent upsert on (platform, external_id) makes the re-fetch harmless.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import json
import logging
import math
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import requests
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from connectors.record_checks import record_problem
from connectors.secrets import redact
from trustwatch.db.engine import session_scope
from trustwatch.domain import CanonicalItem
from trustwatch.errors import CredentialsError, UserError
from trustwatch.registry import Platform

log = logging.getLogger(__name__)

T = TypeVar("T")

# What malformed platform JSON makes a parser raise; such a record is quarantined and the
# batch goes on. LookupError covers a missing key or list index, ArithmeticError and
# OSError an epoch timestamp out of range (found by tests/faults/test_parser_fuzz.py).
BAD_RECORD_ERRORS = (
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
    OSError,
    ValidationError,
)

# What a database raises for one record's data (a value too long, text it cannot encode,
# a constraint), as opposed to the database being unreachable or busy (OperationalError,
# InterfaceError), which is no record's fault.
RECORD_WRITE_ERRORS = (sa_exc.StatementError, UnicodeError, ValueError, TypeError, RecursionError)
NOT_THE_RECORD = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)


def is_record_write_error(exc: BaseException) -> bool:
    return isinstance(exc, RECORD_WRITE_ERRORS) and not isinstance(exc, NOT_THE_RECORD)


def write_error_reason(exc: BaseException) -> str:
    """The database's complaint without the statement or its parameters (they hold the
    record's text): the driver's exception type and the first line of its message."""
    original = getattr(exc, "orig", None) or exc
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line[:300]}"


# HTTP statuses worth another try: timeouts, throttling, server trouble.
RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 522, 524})


# --- errors -------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A platform call failed; the message is already free of secrets."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(redact(message))
        self.status = status


class RetriableError(ConnectorError):
    """Worth another try: 429, 5xx, timeouts, connection resets, truncated JSON."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.body = body


class FatalError(ConnectorError):
    """Another try would fail the same way: other 4xx, a refused request."""


class PaginationLoopError(FatalError):
    """The API handed back a page token it had already given: stop rather than loop."""


class RetriesExhausted(ConnectorError):
    """A retriable failure that kept failing until the policy gave up."""

    def __init__(self, last: RetriableError, tries: int) -> None:
        super().__init__(f"{last} (gave up after {tries} tries)", status=last.status)
        self.last = last
        self.tries = tries


def _seconds(text: Any) -> float | None:
    """A finite number of seconds from a header value, or None if it is not one."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def retry_after_from_headers(headers: Any, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from `x-rate-limit-reset` (epoch seconds, X) or `Retry-After`.

    A value that is neither seconds nor an HTTP date (`Retry-After: abc`) is ignored: the
    response is still retried, with the policy's own backoff.
    """
    if not headers:
        return None
    reset = headers.get("x-rate-limit-reset") or headers.get("x-ratelimit-reset-at")
    if reset:
        at = _seconds(reset)
        if at is not None:
            return max(0.0, at - now()) + 1.0
    after = headers.get("retry-after") or headers.get("Retry-After")
    if after:
        wait = _seconds(after)
        if wait is not None:
            return max(0.0, wait)
        try:
            parsed = email.utils.parsedate_to_datetime(str(after))
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return max(0.0, parsed.timestamp() - now())
    reddit_reset = headers.get("x-ratelimit-reset")
    if reddit_reset:
        wait = _seconds(reddit_reset)
        return None if wait is None else max(0.0, wait)
    return None


def classify_http_error(exc: BaseException) -> ConnectorError | None:
    """The transport-level cases every platform shares (requests exceptions, bad JSON)."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, json.JSONDecodeError):
        return RetriableError(f"malformed JSON in the response ({exc.msg})", body=exc.doc)
    if isinstance(exc, RecursionError):  # JSON nested deeper than the decoder can follow
        return RetriableError("malformed JSON in the response (nested too deeply to decode)")
    if isinstance(exc, requests.exceptions.Timeout):
        return RetriableError(f"timed out ({type(exc).__name__})")
    if isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return RetriableError(f"connection failed ({type(exc).__name__})")
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        return error_for_status(exc.response.status_code, exc.response.headers, str(exc))
    return None


def error_for_status(status: int, headers: Any, detail: str) -> ConnectorError:
    """Retriable for 429/5xx (with any rate-limit wait), credentials for 401, else fatal."""
    if status in RETRIABLE_STATUSES:
        return RetriableError(
            f"HTTP {status}: {detail}", status=status, retry_after=retry_after_from_headers(headers)
        )
    return FatalError(f"HTTP {status}: {detail}", status=status)


# --- retries, budgets, paging -------------------------------------------------------------


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; a rate-limit reset from the server wins.

    `sleep` is injectable so tests never wait; `max_wait_seconds` bounds any single wait
    (a reset 15 minutes away is honoured, one a day away is not).
    """

    max_tries: int = 5
    base_seconds: float = 1.0
    factor: float = 2.0
    max_wait_seconds: float = 16 * 60.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    waits: list[float] = field(default_factory=list, repr=False)

    def wait_seconds(self, attempt: int, error: RetriableError) -> float:
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_wait_seconds)
        backoff = min(self.max_wait_seconds, self.base_seconds * self.factor ** (attempt - 1))
        return backoff * (1 - self.jitter) + backoff * self.jitter * self.rng.random()

    def call(
        self,
        fn: Callable[[], T],
        classify: Callable[[BaseException], ConnectorError | None],
        *,
        what: str = "request",
    ) -> T:
        """Run `fn`, retrying what `classify` calls retriable; re-raise the rest, redacted."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except CredentialsError:
                raise
            except Exception as exc:
                error = classify(exc)
                if error is None:
                    raise
                if not isinstance(error, RetriableError):
                    raise error from None
                if attempt >= self.max_tries:
                    raise RetriesExhausted(error, attempt) from None
                wait = self.wait_seconds(attempt, error)
                self.waits.append(wait)
                log.warning("%s failed (%s); try %d in %.1fs", what, error, attempt + 1, wait)
                self.sleep(wait)


@dataclass
class Budget:
    """A cap on records read in one run (X's reads are paid): None means no cap."""

    limit: int | None = None
    used: int = 0

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def clamp(self, page_size: int) -> int:
        remaining = self.remaining
        return page_size if remaining is None else max(0, min(page_size, remaining))

    def take(self, n: int) -> None:
        self.used += n


class Paginator:
    """Follows next-page tokens; raises if a token comes back twice (an API loop)."""

    def __init__(self, start: str | None = None) -> None:
        self.token = start
        self._seen: set[str] = {start} if start else set()
        self.finished = False
        self.pages = 0

    @property
    def has_more(self) -> bool:
        return not self.finished

    def advance(self, next_token: str | None) -> None:
        self.pages += 1
        if not next_token:
            self.finished = True
            return
        if next_token in self._seen:
            raise PaginationLoopError(
                f"the API returned page token {next_token[:24]!r} twice; stopping to avoid a loop"
            )
        self._seen.add(next_token)
        self.token = next_token


# --- streams ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One unit of ingestion with its own bookmark: an account+stream, or a search."""

    label: str
    platform: Platform
    stream: str
    school_key: str | None = None
    account_id: str | None = None
    handle: str | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class StreamContext:
    """What a stream knows about the world beyond its own API."""

    partition: Partition
    run_started_at: dt.datetime
    school_account_ids: frozenset[str] = frozenset()
    school_handles: dict[str, str] = field(default_factory=dict)  # lower handle -> account id
    parents: Sequence[Parent] = ()


@dataclass(frozen=True)
class Parent:
    """A parent record a child stream walks (a post whose comments we fetch)."""

    external_id: str
    school_key: str | None = None


@dataclass
class Page:
    records: list[dict[str, Any]]
    next_token: str | None = None


@dataclass
class Rejected:
    """A record that failed parsing: it goes to quarantine, the batch goes on."""

    raw: Any
    reason: str
    external_id: str | None
    check_name: str = "parse_record"


@dataclass
class StreamResult:
    stream: str
    partition: str
    pages: int = 0
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0
    bookmark: str | None = None
    budget_exhausted: bool = False
    error: str | None = None
    # The error is the user's to fix (a missing or refused credential): the CLI exits 2.
    needs_fix: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """Counts only (fit for XCom): never items, never secrets."""
        return {
            "stream": self.stream,
            "partition": self.partition,
            "pages": self.pages,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "skipped": self.skipped,
            "bookmark": self.bookmark,
            "budget_exhausted": self.budget_exhausted,
            "error": self.error,
        }


@dataclass(frozen=True)
class PlannedPartition:
    """A partition and the stream class that ingests it."""

    partition: Partition
    stream_cls: type[Stream]

    @property
    def label(self) -> str:
        return self.partition.label


class Connector(ABC):
    """One platform: which partitions the registry implies, and how to reach its API.

    A platform module defines its streams and one `Connector` subclass; registering an
    instance in `connectors.registered()` is all the ingest job, the CLI and the DAGs need.
    """

    platform: ClassVar[Platform]
    # True when each account has its own credentials (Facebook page tokens).
    api_per_account: ClassVar[bool] = False

    @abstractmethod
    def partitions(self, registry: Any) -> list[PlannedPartition]:
        """Every partition for this platform, parents before their child streams."""

    @abstractmethod
    def live_api(self, partition: Partition, registry: Any, credentials: Any) -> Any:
        """The live API object for a partition (credentials resolved here, lazily)."""

    def replay_api(self, corpus: Any, as_of: dt.datetime) -> Any:
        """The same API surface over the replay corpus; a platform may have no corpus."""
        raise UserError(
            f"the replay corpus has no {self.platform.value} data. Fix: use --source live "
            f"for {self.platform.value}, or add its pages to connectors/replay/corpus/."
        )

    @staticmethod
    def plan(cls: type[Stream], label: str, **fields: Any) -> PlannedPartition:
        partition = Partition(label=label, platform=cls.platform, stream=cls.name, **fields)
        return PlannedPartition(partition, cls)


# The loader the sync loop calls per page; ingest.py supplies it (warehouse writes).
Committer = Callable[..., Any]


class Stream(ABC):
    """A named stream of one platform for one partition.

    Subclasses declare:

    - `name`: unique across platforms, e.g. "x.mentions" (also `ingest_state.stream`);
    - `platform`; `primary_keys` (always the canonical natural key);
    - `replication_key`: "external_id" (numeric, time-ordered ids such as X snowflakes) or
      "created_at";
    - `is_sorted`: True if pages come oldest first (the bookmark may advance per page);
      False for newest-first APIs, whose bookmark is the maximum seen, capped at the run
      start (the signpost) and written only once pagination has finished;
    - `lookback`: how far before the bookmark to keep reading (search indexes lag).

    and implement `fetch_page` and `parse_record`. A child stream sets `is_child` and
    walks `context.parents`.
    """

    name: ClassVar[str]
    platform: ClassVar[Platform]
    primary_keys: ClassVar[tuple[str, ...]] = ("platform", "external_id")
    replication_key: ClassVar[str] = "created_at"
    is_sorted: ClassVar[bool] = False
    is_child: ClassVar[bool] = False
    lookback: ClassVar[dt.timedelta] = dt.timedelta(0)
    page_size: ClassVar[int] = 100
    min_page_size: ClassVar[int] = 1

    def __init__(self, api: Any, context: StreamContext) -> None:
        self.api = api
        self.context = context
        self.parent: Parent | None = None

    @property
    def partition(self) -> Partition:
        return self.context.partition

    # -- what subclasses implement -----------------------------------------------------

    @abstractmethod
    def fetch_page(self, token: str | None, *, bookmark: Any, limit: int) -> Page:
        """One page of raw records from the API (`self.parent` is set for child streams)."""

    @abstractmethod
    def parse_record(self, raw: dict[str, Any]) -> CanonicalItem | None:
        """The canonical item for one raw record; None drops it (not about the school)."""

    def post_process(self, item: CanonicalItem) -> CanonicalItem | None:
        """Keep, change or drop (None) a parsed item. A dropped item still counts as read:
        its replication value still ends a walk at the cursor and moves the bookmark."""
        return item

    def classify_error(self, exc: BaseException) -> ConnectorError | None:
        """Map the client's exception to retriable or fatal; per-platform bases extend it."""
        return classify_http_error(exc)

    def school_key_for(self, item: CanonicalItem) -> str | None:
        """The school a public mention is about (items on an account take its school)."""
        if self.parent is not None and self.parent.school_key:
            return self.parent.school_key
        return self.partition.school_key

    def external_id_of(self, raw: Any) -> str | None:
        if isinstance(raw, dict):
            for candidate in (raw, raw.get("data") if isinstance(raw.get("data"), dict) else {}):
                value = candidate.get("name") or candidate.get("id")
                if isinstance(value, str | int):
                    return str(value)
        return None

    # -- bookmarks ---------------------------------------------------------------------

    def replication_value(self, item: CanonicalItem) -> Any:
        if self.replication_key == "external_id":
            return int(item.external_id.rsplit("_", 1)[-1])
        return item.created_at

    def encode_bookmark(self, value: Any) -> str | None:
        if value is None:
            return None
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)

    def decode_bookmark(self, text: str | None) -> Any:
        if text is None:
            return None
        if self.replication_key == "external_id":
            return int(text)
        return dt.datetime.fromisoformat(text)

    def signpost(self) -> Any:
        """The most the bookmark may reach in this run: the run start (Singer's signpost)."""
        if self.replication_key == "created_at":
            return self.context.run_started_at
        return None

    def stop_bound(self, bookmark: Any) -> Any:
        """Records strictly older than this end the walk of a newest-first stream."""
        if bookmark is None:
            return None
        if isinstance(bookmark, dt.datetime):
            return bookmark - self.lookback
        return bookmark

    def contexts(self) -> list[Parent | None]:
        return list(self.context.parents) if self.is_child else [None]

    # -- the record loop -----------------------------------------------------------------

    def _id_for_quarantine(self, raw: Any) -> str | None:
        """The record's id if one can be found; a record too broken for that has none."""
        try:
            found = self.external_id_of(raw)
        except BAD_RECORD_ERRORS:
            return None
        return found[:128] if found else None

    def parse_page(self, page: Page) -> tuple[list[CanonicalItem], list[Rejected], int]:
        """Parse every record on its own: one that fails is rejected with its reason (to
        quarantine) and the rest of the page goes on, whatever the failure was."""
        items: list[CanonicalItem] = []
        rejected: list[Rejected] = []
        skipped = 0
        self.page_values: list[Any] = []
        for record in page.records:
            problem = record_problem(record)
            if problem is not None:
                found = self._id_for_quarantine(record)
                rejected.append(Rejected(record, problem, found, check_name="record_check"))
                continue
            raw = without_nul(record)
            try:
                item = self.parse_record(raw)
                value = None
                if item is not None:
                    # A bad id would fail the whole walk later: check it here.
                    value = self.replication_value(item)
                    item = self.post_process(item)
            except Exception as exc:  # any failure is this record's alone: quarantine it
                reason = rejection_reason(exc)
                reason = redact(reason[:4000])[:2000]
                rejected.append(Rejected(raw, reason, self._id_for_quarantine(raw)))
                continue
            if value is not None:
                self.page_values.append(value)
            if item is None:
                skipped += 1
                continue
            items.append(item)
        return items, rejected, skipped

    def commit_page(
        self,
        engine: Engine,
        commit: Committer,
        items: list[CanonicalItem],
        rejected: list[Rejected],
        state: dict[str, Any] | None,
    ) -> Any:
        """Commit one page; if the warehouse refuses it for its data, commit record by record.

        A record the warehouse refuses (a value too long for a column, text the driver
        cannot encode) used to fail the page on every run. Now the page is retried one
        record per transaction: the refused ones go to quarantine with the warehouse's
        reason, the others load, and the cursor moves with the last commit. A lost
        connection or a locked database is not a record's fault and is raised as before.
        """
        try:
            with session_scope(engine) as session:
                return commit(session, self, items, rejected, state)
        except Exception as exc:
            if not is_record_write_error(exc) or not (items or rejected):
                raise
            log.warning(
                "%s: the warehouse refused the page (%s); loading record by record",
                self.partition.label,
                type(exc).__name__,
            )
        totals = [0, 0, 0]
        refused: list[Rejected] = []
        singles: list[tuple[list[CanonicalItem], list[Rejected]]] = [
            *(([i], []) for i in items),
            *(([], [r]) for r in rejected),
        ]
        for one, bad in singles:
            try:
                with session_scope(engine) as session:
                    loaded = commit(session, self, one, bad, None)
            except Exception as exc:
                if not is_record_write_error(exc):
                    raise
                what = one[0].raw if one else bad[0].raw
                key = one[0].external_id if one else bad[0].external_id
                earlier = f" (first rejected: {bad[0].reason[:300]})" if bad else ""
                reason = f"the warehouse refused the record: {write_error_reason(exc)}{earlier}"
                refused.append(Rejected(what, reason, key, check_name="warehouse_write"))
                continue
            totals = [
                totals[0] + loaded.inserted,
                totals[1] + loaded.updated,
                totals[2] + loaded.unchanged,
            ]
        with session_scope(engine) as session:
            last = commit(session, self, [], refused, state)
        self.refused = len(refused)
        return dataclasses.replace(last, inserted=totals[0], updated=totals[1], unchanged=totals[2])

    def sync(
        self,
        engine: Engine,
        *,
        commit: Committer,
        read_state: Callable[..., dict[str, Any]],
        record_error: Callable[..., None],
        budget: Budget | None = None,
        retry: RetryPolicy | None = None,
        on_page: Callable[[StreamResult], None] | None = None,
    ) -> StreamResult:
        """Read every page past the bookmark, committing each page's batch as it comes.

        `commit(session, stream, items, rejected, state)` writes one batch (and, with a
        non-None `state`, the new cursor) in the caller's transaction. The cursor goes
        with the last batch it covers, in the same transaction, so it can never be ahead
        of the data; on any error it is left exactly as it was.
        """
        budget = budget or Budget()
        retry = retry or RetryPolicy()
        partition = self.partition
        result = StreamResult(stream=self.name, partition=partition.label)
        with session_scope(engine) as session:
            cursor = read_state(session, self.name, partition.label)
        bookmark = self.decode_bookmark(cursor.get("bookmark"))
        resume = cursor.get("resume") if not self.is_child else None
        high = self.decode_bookmark(resume.get("high")) if resume else None
        bound = self.stop_bound(bookmark)
        contexts = self.contexts()
        result.bookmark = self.encode_bookmark(bookmark)
        try:
            if not contexts:
                with session_scope(engine) as session:
                    commit(session, self, [], [], self._state(bookmark, None, None))
            for index, parent in enumerate(contexts):
                self.parent = parent
                paginator = Paginator(resume.get("token") if resume else None)
                while paginator.has_more:
                    limit = budget.clamp(self.page_size)
                    if limit < self.min_page_size:
                        result.budget_exhausted = True
                        break
                    try:
                        page = retry.call(
                            lambda p=paginator, lim=limit: self.fetch_page(
                                p.token, bookmark=bookmark, limit=lim
                            ),
                            self.classify_error,
                            what=f"{partition.label} {self.name}",
                        )
                    except FatalError:
                        if not (resume and paginator.pages == 0 and paginator.token):
                            raise
                        # A saved page token the API no longer accepts: walk again from
                        # the bookmark (re-reading is harmless; skipping is not).
                        log.warning("%s: resume token refused; restarting", partition.label)
                        paginator = Paginator(None)
                        continue
                    budget.take(len(page.records))
                    items, rejected, skipped = self.parse_page(page)
                    reached = False
                    for value in self.page_values:
                        if bound is not None and value < bound:
                            reached = True
                        high = value if high is None or value > high else high
                    paginator.advance(None if reached else page.next_token)
                    last_context = index == len(contexts) - 1
                    done = last_context and not paginator.has_more
                    out_of_budget = (
                        paginator.has_more and budget.clamp(self.page_size) < self.min_page_size
                    )
                    state = None
                    if done:
                        state = self._state(bookmark, high, None)
                    elif out_of_budget and len(contexts) == 1:
                        state = self._state(
                            bookmark, None, {"token": paginator.token, "high": high}
                        )
                    self.refused = 0
                    loaded = self.commit_page(engine, commit, items, rejected, state)
                    result.pages += 1
                    result.read += len(page.records)
                    result.skipped += skipped
                    result.quarantined += len(rejected) + self.refused
                    result.inserted += loaded.inserted
                    result.updated += loaded.updated
                    result.unchanged += loaded.unchanged
                    if state is not None:
                        result.bookmark = state.get("bookmark")
                    if on_page:
                        on_page(result)
                    if out_of_budget:
                        result.budget_exhausted = True
                        break
                resume = None
                if result.budget_exhausted:
                    break
        except Exception as exc:
            message = redact(f"{type(exc).__name__}: {exc}")
            result.error = message
            body = getattr(getattr(exc, "last", exc), "body", None)
            with session_scope(engine) as session:
                record_error(session, self, message, body)
            if isinstance(exc, CredentialsError):
                raise
        finally:
            self.parent = None
        return result

    def _state(self, bookmark: Any, high: Any, resume: dict[str, Any] | None) -> dict[str, Any]:
        """The cursor to store: the highest value seen, never past the signpost."""
        new = bookmark
        if high is not None:
            cap = self.signpost()
            if cap is not None and high > cap:
                high = cap
            new = high if new is None or high > new else new
        state: dict[str, Any] = {"bookmark": self.encode_bookmark(new)}
        if resume is not None:
            state["resume"] = {
                "token": resume["token"],
                "high": self.encode_bookmark(resume["high"]),
            }
        return state


def rejection_reason(exc: BaseException) -> str:
    """Why a record was quarantined, without echoing its values: pydantic's messages
    quote the offending input (a handle, a post's text), which is personal data."""
    if isinstance(exc, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        ]
        return f"ValidationError: {'; '.join(problems)}"
    return f"{type(exc).__name__}: {exc}"


def without_nul(value: Any) -> Any:
    """The record with NUL characters dropped from every string (keys included).

    PostgreSQL stores no NUL in text or JSONB: one such character in one post made the
    whole page's load fail, on every run (found by tests/faults/test_parser_fuzz.py).
    """
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def parse_time(value: str | float | int) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 (any offset, 'Z', '+0000') or epoch seconds."""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed.astimezone(dt.UTC)


def first(values: Iterable[T]) -> T | None:
    return next(iter(values), None)


def ident(value: Any) -> str:
    """A platform id as text; anything but a string or an integer is a bad record."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"expected an id, got {type(value).__name__}")
    text = str(value)
    if not text:
        raise ValueError("empty id")
    return text


def optional_ident(value: Any) -> str | None:
    return None if value is None or value == "" else ident(value)
