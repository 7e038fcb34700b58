"""The ingest fuzzer, small: random records on every platform through parse, gate and
load never raise out of the stream, and no valid record is lost. The >= 10,000-record
run per platform with timings is `benchmarks/fuzz_ingest.py`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from tests.faults.ingest_fuzz import PLATFORM_STREAMS, fuzz_platform
from trustwatch.registry import Registry


@pytest.mark.parametrize("platform", sorted(PLATFORM_STREAMS))
def test_fuzzed_records_are_loaded_skipped_or_quarantined(
    platform: str, fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    engine = fresh_sqlite(f"fuzz-{platform}")
    result = fuzz_platform(engine, registry, platform, records=300, seed=7, page_size=30)
    assert result.unhandled == []
    assert result.valid_lost == 0
    assert result.records == 300 and result.valid > 50
    assert result.quarantined > 50  # the broken ones were set aside, with reasons
    assert result.loaded >= result.valid
