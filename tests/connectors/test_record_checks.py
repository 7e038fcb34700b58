"""What makes a raw record unstorable is found before parsing, named with its field, and
never by recursion (a record nested 100,000 deep is judged, not a RecursionError)."""

from __future__ import annotations

import json

import pytest

from connectors.record_checks import MAX_DEPTH, MAX_FIELD_CHARS, record_problem
from trustwatch.warehouse.quarantine import MAX_PAYLOAD_CHARS, storable


def deep(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"k": [value]}
    return value


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"data": {"text": "fine", "n": 1.5}}, None),
        ({"data": {"text": "half an emoji \ud83d"}}, "field data.text holds a lone UTF-16"),
        ({"data": {"bad\udc00key": 1}}, "key data.bad\\udc00key holds a lone UTF-16"),
        ({"data": {"m": [1, float("nan")]}}, "field data.m[1] is nan"),
        ({"data": {"m": float("-inf")}}, "NaN or Infinity"),
        ({"text": "a" * (MAX_FIELD_CHARS + 1)}, "oversized field: field text is 100,001"),
        (deep(MAX_DEPTH), "too deeply nested"),
        (deep(100_000), "too deeply nested"),
        ({"list": list(range(60_000))}, "oversized record: more than 50,000 values"),
        ({"t": ["a" * 90_000] * 12}, "oversized record: more than 1,000,000 characters"),
    ],
)
def test_record_problem(record: object, expected: str | None) -> None:
    problem = record_problem(record)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem, problem


def test_a_problem_names_the_field_never_the_value() -> None:
    problem = record_problem({"data": {"text": "Jane Pupil said \ud83d"}})
    assert problem is not None and "Jane" not in problem


def test_quarantine_keeps_a_bounded_storable_copy() -> None:
    hostile = {
        "text": "x" * 1_000_000,
        "nan": float("nan"),
        "surrogate": "a\ud800b",
        "nul": "a\x00b",
        "deep": deep(5_000),
        "many": list(range(20_000)),
    }
    kept = storable(hostile)
    encoded = json.dumps(kept, allow_nan=False, ensure_ascii=False)  # valid strict JSON
    encoded.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in encoded
    assert len(encoded) <= MAX_PAYLOAD_CHARS


def test_a_small_payload_is_kept_as_it_was() -> None:
    record = {"data": {"id": "1", "text": "hello", "n": [1, 2.5, None, True]}}
    assert storable(record) == record
