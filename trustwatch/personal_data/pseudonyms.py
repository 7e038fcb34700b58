"""Author pseudonyms: a keyed hash, so the warehouse cannot reverse them without the key."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path


def author_key(platform: str, platform_author_id: str, secret: bytes) -> str:
    """HMAC-SHA256 of platform and author id, hex.

    Keyed rather than a plain hash: author ids are guessable, and a plain hash of a
    guessable value is no pseudonym.
    """
    message = f"{platform}:{platform_author_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def read_or_create_key_file(path: Path) -> bytes:
    """The development key in `path`, created once, atomically, if it does not exist.

    Several processes start at once on a new installation (the DAGs, the CLI, the web
    app). The key is written in full to a private temporary file and then hard-linked to
    its name, which fails if another process got there first: every process ends up
    reading the one complete key, never an empty or half-written file and never a
    FileExistsError.
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_text().strip()
    if not key:
        from trustwatch.errors import ConfigError

        raise ConfigError(
            f"{path} is empty. Fix: delete it so trustwatch creates a new development key "
            "(only if no warehouse uses the old one), or set TRUSTWATCH_PSEUDONYM_SECRET."
        )
    return key.encode()
