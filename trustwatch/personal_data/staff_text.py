"""Where staff free text lives: notes can quote a child, so they follow the text rules.

Retention nulls these notes once they are older than the text period and erasure
removes a person's handle from them. Tables are looked up in the model metadata by
name, so a table added by a later revision is covered as soon as it exists; listing a
new free-text column here is all it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table

from trustwatch.db.models import Base


@dataclass(frozen=True)
class NoteColumn:
    table: str
    text: str
    at: str


NOTE_COLUMNS: tuple[NoteColumn, ...] = (
    NoteColumn("alert_events", "note", "at"),
    NoteColumn("response_sla", "responded_manually_note", "received_at"),
    NoteColumn("manual_responses", "note", "marked_at"),
)


def note_columns() -> Iterator[tuple[Table, Column, Column]]:
    """(table, text column, timestamp column) for each note table the schema has."""
    for note in NOTE_COLUMNS:
        table = Base.metadata.tables.get(note.table)
        if table is not None and note.text in table.c and note.at in table.c:
            yield table, table.c[note.text], table.c[note.at]


# Error texts can quote a value from a record (a handle in a failed parse): erasure
# redacts them like notes. Retention leaves them: they are overwritten by the next run.
ERROR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ingest_state", "last_error"),
    ("notifications", "last_error"),
    ("quarantine", "reason"),
)


def error_columns() -> Iterator[tuple[Table, Column]]:
    """(table, text column) for each error-text column the schema has."""
    for name, column in ERROR_COLUMNS:
        table = Base.metadata.tables.get(name)
        if table is not None and column in table.c:
            yield table, table.c[column]


# Data-check results keep a few failing values as a sample; for a check on `text` those
# are posts. Samples are diagnostics: they follow the raw-payload clock, and erasure
# removes any that quote the person.
SAMPLE_TABLE = "validation_results"
SAMPLE_COLUMN = "failures"
SAMPLE_AT = "run_at"


def sample_table() -> tuple[Table, Column, Column, Column] | None:
    """(table, primary key, failures column, timestamp column), if the schema has it."""
    table = Base.metadata.tables.get(SAMPLE_TABLE)
    if table is None or SAMPLE_COLUMN not in table.c or SAMPLE_AT not in table.c:
        return None
    key = next(iter(table.primary_key.columns))
    return table, key, table.c[SAMPLE_COLUMN], table.c[SAMPLE_AT]


def without_samples(failures: Any, keep: Callable[[str], bool] = lambda _v: False) -> Any:
    """The failures list with sample values dropped unless `keep(value)` says otherwise."""
    if not isinstance(failures, list):
        return failures
    out = []
    for failure in failures:
        if isinstance(failure, dict) and isinstance(failure.get("sample"), list):
            failure = {**failure, "sample": [v for v in failure["sample"] if keep(str(v))]}
        out.append(failure)
    return out
