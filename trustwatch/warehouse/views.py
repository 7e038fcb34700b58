"""Create the `sql/` models as views, and run the tests their YAML files declare.

The SQL is plain and portable (SQLite and PostgreSQL), one statement per file; this module
only wraps each in CREATE VIEW, in dependency order. Views are recreated on every call, so
an edited model takes effect on the next `trustwatch init`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, text

from trustwatch.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"

# Dependency order: every model only reads tables or models listed before it.
MODELS: tuple[str, ...] = (
    "staging/stg_schools",
    "staging/stg_accounts",
    "staging/stg_items",
    "staging/stg_classifications",
    "staging/stg_response_sla",
    "staging/stg_alerts",
    "staging/stg_alert_events",
    "marts/mentions",
    "marts/responses",
    "marts/sla_breaches",
    "marts/alert_lifecycle",
    "marts/sla_weekly",
)


def model_name(model: str) -> str:
    return model.rsplit("/", 1)[-1]


def model_sql(model: str, sql_dir: Path = SQL_DIR) -> str:
    body = (sql_dir / f"{model}.sql").read_text(encoding="utf-8").strip().rstrip(";")
    if ";" in re.sub(r"--[^\n]*", "", body):
        raise ValueError(f"{sql_dir / model}.sql: one statement per file (found ';' inside)")
    return body


def drop_views(connection: Connection) -> None:
    """Drop every model view (they depend on the tables; recovery drops them first)."""
    _drop_all(connection)


def _drop_all(connection: Connection) -> None:
    cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
    for model in reversed(MODELS):
        connection.execute(text(f"DROP VIEW IF EXISTS {model_name(model)}{cascade}"))


def create_views(engine: Engine, sql_dir: Path = SQL_DIR) -> list[str]:
    """Drop and recreate every model view in one transaction; return their names."""
    bodies = [(model_name(m), model_sql(m, sql_dir)) for m in MODELS]
    with engine.begin() as connection:
        _drop_all(connection)
        for name, body in bodies:
            connection.execute(text(f"CREATE VIEW {name} AS\n{body}"))
    return [name for name, _ in bodies]


# --- the YAML tests ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckFailure:
    model: str
    test: str
    column: str | None
    failing_rows: int

    def __str__(self) -> str:
        where = f"{self.model}.{self.column}" if self.column else self.model
        return f"{where}: {self.test} failed for {self.failing_rows} row(s)"


def model_spec(model: str, sql_dir: Path = SQL_DIR) -> dict[str, Any]:
    data = yaml.safe_load((sql_dir / f"{model}.yml").read_text(encoding="utf-8"))
    (spec,) = [m for m in data["models"] if m["name"] == model_name(model)]
    return spec


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _failing_rows_sql(view: str, column: str | None, test: str | dict[str, Any]) -> str:
    name, args = (test, {}) if isinstance(test, str) else next(iter(test.items()))
    if name == "not_null":
        return f"select count(*) from {view} where {column} is null"
    if name == "unique":
        return (
            f"select coalesce(sum(n), 0) from (select count(*) as n from {view} "
            f"where {column} is not null group by {column} having count(*) > 1) dupes"
        )
    if name == "accepted_values":
        values = ", ".join(_quote(v) for v in args["values"])
        return (
            f"select count(*) from {view} where {column} is not null and {column} not in ({values})"
        )
    if name == "relationships":
        return (
            f"select count(*) from {view} child where child.{column} is not null and not exists "
            f"(select 1 from {args['to']} parent where parent.{args['field']} = child.{column})"
        )
    if name == "unique_combination":
        cols = ", ".join(args["columns"])
        return (
            f"select coalesce(sum(n), 0) from (select count(*) as n from {view} "
            f"group by {cols} having count(*) > 1) dupes"
        )
    raise ValueError(f"{view}: unknown test {name!r}")


def check_views(engine: Engine, sql_dir: Path = SQL_DIR) -> list[CheckFailure]:
    """Run every test declared in the models' YAML; return the failures (empty: all pass)."""
    failures: list[CheckFailure] = []
    with engine.connect() as connection:
        for model in MODELS:
            spec = model_spec(model, sql_dir)
            view = model_name(model)
            checks: list[tuple[str | None, str | dict[str, Any]]] = [
                (None, t) for t in spec.get("tests", [])
            ]
            for column in spec.get("columns", []):
                checks += [(column["name"], t) for t in column.get("tests", [])]
            for column_name, test in checks:
                count = connection.execute(text(_failing_rows_sql(view, column_name, test)))
                failing = int(count.scalar_one() or 0)
                if failing:
                    label = test if isinstance(test, str) else next(iter(test))
                    failures.append(CheckFailure(view, label, column_name, failing))
    return failures
