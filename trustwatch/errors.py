"""Errors a person can act on.

Every error a user can fix by editing a file or setting a variable is a `UserError`.
The CLI prints its one-paragraph message and exits with code 2, with no traceback:
the message itself must name the file, the field and the fix.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input (configuration, arguments, environment)."""

    exit_code = 2


class ConfigError(UserError):
    """The trust registry or the settings are invalid."""


class CredentialsError(UserError):
    """A platform credential is missing or refused; the message never contains the secret."""
