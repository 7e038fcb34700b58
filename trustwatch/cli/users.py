"""`trustwatch users add` and `trustwatch users list`: staff accounts for the review app.

The first administrator can only be made here; after that, administrators manage users in
the app. Passwords are read from a hidden prompt or, for scripts, one line of stdin.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import inspect

from trustwatch.cli.context import AppContext, pass_app
from trustwatch.db.engine import session_scope
from trustwatch.errors import UserError
from trustwatch.web.roles import Role

CLI_ACTOR = "cli"


def _require_schema(app: AppContext) -> None:
    if "web_users" not in inspect(app.engine).get_table_names():
        raise UserError(
            "the warehouse has no web_users table: it is not migrated to the newest schema. "
            "Fix: run `trustwatch init` first."
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UserError("--password-stdin was given but stdin is empty; pipe one line.")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@click.group()
def users() -> None:
    """Manage who can sign in to the review web app."""


@users.command("add")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help=(
        "lead (safeguarding lead), data (data staff), admin, or account_admin (a named "
        "administrator of school accounts: the registry lists their email)."
    ),
)
@click.option("--school", default=None, help="School key for a one-school user; omit: trust-wide.")
@click.option("--name", "display_name", default=None, help="Name shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@pass_app
def add(
    app: AppContext,
    email: str,
    role: str,
    school: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create a user (the first administrator, typically)."""
    from trustwatch.web.services.users import create_user

    _require_schema(app)
    password = _read_password(password_stdin)
    with session_scope(app.engine) as session:
        user = create_user(
            session,
            email=email,
            role=Role(role),
            password=password,
            actor=CLI_ACTOR,
            school_key=school,
            display_name=display_name,
        )
        scope = school or "the whole trust"
        click.echo(f"created {user.role} {user.email} for {scope}")


@users.command("list")
@pass_app
def list_users(app: AppContext) -> None:
    """List users with their role, school and state (never passwords)."""
    from trustwatch.web.services.users import list_users as all_users

    _require_schema(app)
    with session_scope(app.engine) as session:
        rows = all_users(session)
        if not rows:
            click.echo("no users yet: create the first admin with `trustwatch users add`")
        for user in rows:
            state = "active" if user.is_active else "inactive"
            school = user.school.school_key if user.school else "trust-wide"
            click.echo(f"{user.email}\t{user.role}\t{school}\t{state}")


COMMANDS = [users]
