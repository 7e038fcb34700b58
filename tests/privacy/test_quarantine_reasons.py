"""A quarantine reason says what was wrong, never what the record said."""

from __future__ import annotations

from connectors.base import Page
from tests.faults import fuzz
from tests.faults.test_parser_fuzz import build_stream
from trustwatch.registry import Registry


def test_validation_reasons_do_not_echo_the_input(registry: Registry) -> None:
    stream = build_stream(registry, "x.mentions")
    record = fuzz.x_record()
    handle = "Year6ChildFullName" * 20  # longer than the 200-character column
    record["includes"]["users"][0]["username"] = handle
    items, rejected, _ = stream.parse_page(Page([record]))
    assert items == [] and len(rejected) == 1
    reason = rejected[0].reason
    assert reason.startswith("ValidationError: author_handle: String should have at most 200")
    assert "Year6ChildFullName" not in reason
