"""A record the warehouse itself refuses (a value too long for a column on PostgreSQL, a
constraint) fails alone: the page is retried record by record, the refused one goes to
quarantine with the database's reason, the rest load and the cursor moves. A lost
connection is not a record's fault and still fails the run, to be retried whole."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, event, select
from sqlalchemy import exc as sa_exc

from tests.faults import poison
from tests.faults.streams import SPECS, Server, page_body, tweet
from trustwatch.db.engine import session_scope
from trustwatch.db.models import IngestState, Item, Quarantine
from trustwatch.registry import Registry

MARK = "REFUSED-BY-THE-WAREHOUSE"


def refuse(engine: Engine, error: type[sa_exc.DBAPIError]) -> Callable[..., None]:
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        rows = parameters if isinstance(parameters, list | tuple) else [parameters]
        if statement.lstrip().upper().startswith("INSERT INTO ITEMS") and MARK in repr(rows):
            raise error(statement, {}, Exception("value too long for type character varying"))

    event.listen(engine, "before_cursor_execute", before)
    return before


def page_with_refused_record() -> Server:
    spec = SPECS["x.mentions"]
    records = [tweet(n) for n in (1, 2, 3, 4)]
    records[2]["text"] = f"{MARK} but valid JSON"
    server = Server()
    server.set(spec.url, page_body(spec, records))
    return server


def test_a_refused_record_is_quarantined_and_the_rest_load(
    fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    engine = fresh_sqlite("refusal")
    refuse(engine, sa_exc.DataError)
    errors = poison._run(engine, registry, ["x:oakfield:mentions"], page_with_refused_record())
    assert errors == []
    with session_scope(engine) as session:
        loaded = set(session.scalars(select(Item.external_id)))
        [(check, reason)] = session.execute(select(Quarantine.check_name, Quarantine.reason))
        cursor = session.scalar(select(IngestState).where(IngestState.stream == "x.mentions"))
    spec = SPECS["x.mentions"]
    assert loaded == {spec.external_id(n) for n in (1, 2, 4)}
    assert check == "warehouse_write"
    assert reason.startswith("the warehouse refused the record: Exception: value too long")
    assert MARK not in reason  # the database's words, never the record's
    assert cursor is not None and cursor.cursor["bookmark"] and cursor.last_error is None


def test_a_lost_connection_fails_the_run_instead(
    fresh_sqlite: Callable[[str], Engine], registry: Registry
) -> None:
    engine = fresh_sqlite("lost")
    refuse(engine, sa_exc.OperationalError)
    errors = poison._run(engine, registry, ["x:oakfield:mentions"], page_with_refused_record())
    assert len(errors) == 1 and "OperationalError" in errors[0]
    with session_scope(engine) as session:
        assert session.scalar(select(Quarantine.quarantine_id)) is None  # nothing blamed
        assert session.scalar(select(Item.item_id)) is None  # the page rolled back whole
