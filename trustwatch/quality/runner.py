"""Run one Great Expectations 1.x suite on one pandas frame, in an ephemeral context.

The context lives in memory and is built once per process: nothing is written to a
`gx/` folder, so workers need no shared GX project and a rerun sees no stale state.
Each expectation carries a check name and a sentence a person can act on; the outcome
maps every failing row back to those sentences so records can be quarantined with them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

ROW = "row"
SAMPLE_CHARS = 120
VERDICT = {"result_format": "BOOLEAN_ONLY"}
DETAILED = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "partial_unexpected_count": 5,
}


@dataclass(frozen=True)
class Check:
    """One expectation plus the name and reason recorded when a row breaks it."""

    name: str
    reason: str
    expectation: Any  # a gx.expectations.Expectation


@dataclass(frozen=True)
class Failure:
    check: str
    reason: str
    unexpected_count: int
    rows: tuple[Any, ...]
    sample: tuple[Any, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "reason": self.reason,
            "unexpected_count": self.unexpected_count,
            # A few failing values help diagnosis; they can be post text, so keep them short
            # (retention empties them on the raw-payload clock).
            "sample": [str(v)[:SAMPLE_CHARS] for v in self.sample],
        }


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    rows_checked: int
    failures: tuple[Failure, ...] = field(default_factory=tuple)
    failed_rows: int | None = None  # set when merged: row positions restart on each page

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def table_level_failures(self) -> tuple[Failure, ...]:
        """Failures that name no row (schema, table shape): the whole batch is suspect."""
        return tuple(f for f in self.failures if not f.rows)

    def reasons_by_row(self) -> dict[Any, list[tuple[str, str]]]:
        out: dict[Any, list[tuple[str, str]]] = {}
        for failure in self.failures:
            for row in failure.rows:
                out.setdefault(row, []).append((failure.check, failure.reason))
        return out

    @property
    def rows_failed(self) -> int:
        if self.failed_rows is not None:
            return self.failed_rows
        return len(self.reasons_by_row())

    def result_hash(self) -> str:
        body = {
            "suite": self.suite,
            "success": self.success,
            "evaluated": self.evaluated,
            "rows": self.rows_checked,
            "failures": [f.as_dict() for f in self.failures],
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=1)
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@lru_cache(maxsize=1)
def _batch_definition() -> Any:
    """One whole-frame batch definition for every suite: the frame is a batch parameter.

    Each datasource, asset and batch definition added re-serialises the context's config
    (about 0.1 s apiece); one shared set costs that once per process, not once per suite.
    """
    source = _context().data_sources.add_or_update_pandas("trustwatch_frames")
    asset = source.add_dataframe_asset(name="frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _rows(result: Any) -> tuple[Any, ...]:
    index = result.result.get("unexpected_index_list") or []
    return tuple(dict.fromkeys(entry[ROW] for entry in index if ROW in entry))


_SUITES: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], Any] = OrderedDict()
_SUITES_KEPT = 32


def _suite(suite: str, checks: Sequence[Check]) -> Any:
    """The GX suite for these checks, built once per process and reused.

    Keyed by each check's name and expectation (as JSON), so a new clock or registry makes
    a new suite while the same checks on the next page reuse the one already built.
    """
    import great_expectations as gx

    from trustwatch.quality.expectations import memoised

    key = (
        suite,
        tuple((c.name, type(c.expectation).__name__ + c.expectation.json()) for c in checks),
    )
    built = _SUITES.get(key)
    if built is not None:
        _SUITES.move_to_end(key)
        return built
    built = gx.ExpectationSuite(name=suite)
    for check in checks:
        expectation = memoised(copy.deepcopy(check.expectation))
        expectation.meta = {"check": check.name}
        built.add_expectation(expectation)
    _SUITES[key] = built
    while len(_SUITES) > _SUITES_KEPT:
        _SUITES.popitem(last=False)
    return built


def run_suite(suite: str, frame: pd.DataFrame, checks: Sequence[Check]) -> SuiteOutcome:
    """Validate `frame` (which must have a `row` column naming each record) against checks.

    An empty frame is vacuously valid and is not sent to GX (it cannot infer column types
    from nothing).
    """
    if frame.empty:
        return SuiteOutcome(suite=suite, success=True, evaluated=len(checks), rows_checked=0)
    by_name = {check.name: check for check in checks}
    if len(by_name) != len(checks):
        raise ValueError(f"suite {suite}: check names must be unique")
    _context()
    gx_suite = _suite(suite, checks)
    # GX's own validator on the batch definition built once per process: `get_batch(...)
    # .validate(...)` would build the batch (and hash the frame) again for each pass.
    from great_expectations.validator.v1_validator import Validator

    validator = Validator(
        batch_definition=_batch_definition(),
        batch_parameters={"dataframe": frame},
        result_format=VERDICT,
    )
    # Pass or fail first: most runs pass, and the rows and samples a failure is reported
    # with cost GX about as much again as the verdict. Only a failing suite is validated a
    # second time, in full, for them (the outcome is the same as one detailed pass).
    result = validator.validate_expectation_suite(gx_suite)
    if not result.success:
        validator.result_format = DETAILED
        result = validator.validate_expectation_suite(gx_suite)
    failures: list[Failure] = []
    for expectation_result in result.results:
        if expectation_result.success:
            continue
        check = by_name[expectation_result.expectation_config.meta["check"]]
        exception = expectation_result.exception_info or {}
        if exception.get("raised_exception"):
            message = str(exception.get("exception_message", "")).splitlines()[0]
            raise RuntimeError(f"data check {suite}/{check.name} could not run: {message}")
        details = expectation_result.result or {}
        failures.append(
            Failure(
                check=check.name,
                reason=check.reason,
                unexpected_count=int(details.get("unexpected_count") or 0),
                rows=_rows(expectation_result),
                sample=tuple(details.get("partial_unexpected_list") or [])[:5],
            )
        )
    return SuiteOutcome(
        suite=suite,
        success=not failures,
        evaluated=len(checks),
        rows_checked=len(frame),
        failures=tuple(failures),
    )


def merge_outcomes(suite: str, outcomes: Sequence[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a run that validated several pages: rows add up, failures merge."""
    merged: dict[str, Failure] = {}
    for outcome in outcomes:
        for failure in outcome.failures:
            previous = merged.get(failure.check)
            if previous is None:
                merged[failure.check] = failure
                continue
            merged[failure.check] = Failure(
                check=failure.check,
                reason=failure.reason,
                unexpected_count=previous.unexpected_count + failure.unexpected_count,
                rows=(),
                sample=(*previous.sample, *failure.sample)[:5],
            )
    return SuiteOutcome(
        suite=suite,
        success=all(o.success for o in outcomes),
        evaluated=max((o.evaluated for o in outcomes), default=0),
        rows_checked=sum(o.rows_checked for o in outcomes),
        failures=tuple(merged.values()),
        failed_rows=sum(o.rows_failed for o in outcomes),
    )
