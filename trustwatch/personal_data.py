"""Where staff free text lives: notes can quote a child, so they follow the text rules.

Retention nulls these notes once they are older than the text period and erasure
removes a person's handle from them. Tables are looked up in the model metadata by
name, so a table added by a later revision is covered as soon as it exists; listing a
new free-text column here is all it takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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
