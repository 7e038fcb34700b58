"""`trustwatch retention`, `trustwatch erase` and `trustwatch export`: data protection."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path

import click

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.db.engine import session_scope
from trustwatch.db.models import utcnow
from trustwatch.errors import UserError
from trustwatch.settings import get_settings


def _parse_now(value: str | None) -> dt.datetime:
    if value is None:
        return utcnow()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--now '{value}' is not an ISO 8601 time. Fix: write e.g. 2026-11-28T02:00:00Z."
        ) from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


_person_options = [
    click.option(
        "--platform",
        help="x, reddit, facebook or instagram; needed with --author-id, or when the handle "
        "is used on more than one platform.",
    ),
    click.option("--author", "handle", help="The person's handle (with or without @)."),
    click.option(
        "--author-id",
        "author_id",
        help="The platform's account id: works even after the handle was purged.",
    ),
    click.option(
        "--actor",
        default=_default_actor,
        show_default="cli:$USER",
        help="Who made or handled the request, for the audit log.",
    ),
]


def person_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(_person_options):
        func = option(func)
    return func


@click.command()
@click.option("--now", "now_text", help="Pretend it is this time (ISO 8601; naive means UTC).")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@pass_app
def retention(app: AppContext, now_text: str | None, dry_run: bool) -> None:
    """Purge raw payloads, text and handles past the registry's retention periods."""
    from trustwatch.personal_data.retention import enforce

    registry = app.registry
    now = _parse_now(now_text)
    with session_scope(app.engine) as session:
        summary = enforce(session, registry, now=now, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    click.echo(
        f"retention {verb} at {summary.now.isoformat()}: "
        f"{summary.texts_purged} item texts (posted before {summary.text_cutoff.date()}), "
        f"{summary.raw_payloads_purged} raw payloads (before {summary.raw_cutoff.date()}), "
        f"{summary.authors_purged} author identities, "
        f"{summary.notes_purged} staff notes, "
        f"{summary.verdicts_purged} label verdicts, "
        f"{summary.quarantine_payloads_purged} quarantined payloads, "
        f"{summary.inbound_processed_purged + summary.inbound_unprocessed_purged} webhook events "
        f"({summary.inbound_unprocessed_purged} never processed), "
        f"{summary.inbound_rejections_purged} refused deliveries"
    )


@click.command()
@person_options
@click.option("--reason", help="Why (e.g. 'erasure request 2026-041'); never the person's name.")
@pass_app
def erase(
    app: AppContext,
    platform: str | None,
    handle: str | None,
    author_id: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """Erase one person's text, handle and raw payloads everywhere; keep anonymous counts."""
    from trustwatch.personal_data.erasure import erase as erase_person

    secret = get_settings().pseudonym_key()
    with session_scope(app.engine) as session:
        summary = erase_person(
            session,
            platform=platform,
            handle=handle,
            platform_author_id=author_id,
            actor=actor,
            reason=reason,
            secret=secret,
            now=utcnow(),
        )
    click.echo(
        f"erased author {summary.author_key[:12]}… on {summary.platform}: "
        f"{summary.items_erased} of their items, "
        f"{summary.other_items_text_redacted} mentions in other items' text, "
        f"{summary.other_items_raw_purged} other raw payloads, "
        f"{summary.quarantine_rows_erased} quarantine rows, "
        f"{summary.notes_redacted} notes, {summary.audit_rows_redacted} audit details, "
        f"{summary.verdicts_deleted} label verdicts; "
        "recorded in audit_log"
    )


@click.command("export")
@person_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON here (created readable by you only); default: standard output.",
)
@pass_app
def export(
    app: AppContext,
    platform: str | None,
    handle: str | None,
    author_id: str | None,
    actor: str,
    out: Path | None,
) -> None:
    """Export everything held about one person (subject access request) as JSON."""
    from trustwatch.personal_data.subject_access import export_subject

    secret = get_settings().pseudonym_key()
    with session_scope(app.engine) as session:
        document = export_subject(
            session,
            platform=platform,
            handle=handle,
            platform_author_id=author_id,
            actor=actor,
            secret=secret,
            now=utcnow(),
        )
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)
    if out is None:
        click.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    click.echo(f"wrote {len(document['items'])} items about the person to {out}", err=True)


COMMANDS = [retention, erase, export]
