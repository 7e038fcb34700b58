"""Options shared by the report and notify commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click


class IsoMoment(click.ParamType):
    """An ISO 8601 date-time; without an offset it is read as UTC."""

    name = "ISO-datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        else:
            try:
                moment = dt.datetime.fromisoformat(str(value))
            except ValueError:
                self.fail(
                    f"{value!r} is not an ISO date-time such as 2026-11-30T07:00:00+00:00",
                    param,
                    ctx,
                )
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


now_option = click.option(
    "--now",
    type=IsoMoment(),
    default=None,
    help="Run as if it were this moment (ISO 8601; UTC if no offset). Default: the clock.",
)


def resolve_now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)
