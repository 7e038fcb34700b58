"""Is a new password one an attacker would try early? Length alone does not say.

NCSC and NIST SP 800-63B both ask for a deny list instead of composition rules. There is
no network here to query a breach service, so the check is local: a short list of
common cores (`data/common_passwords.txt`) plus the rules that generate most of what
breach corpora hold from such cores: case, spaces, letter swaps (`p@ssw0rd`), digits or
symbols before and after, a core repeated, keyboard walks and alphabet runs, and the
person's own email. Each refusal says what to do instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["common_cores", "weakness"]

LIST_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_SWAPS_L = str.maketrans({"1": "l", "$": "s", "!": "i", "|": "l", "+": "t"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1234567890", "qazwsxedcrfv")
MIN_DISTINCT = 5


@lru_cache(maxsize=1)
def common_cores() -> frozenset[str]:
    lines = LIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _cores(password: str) -> set[str]:
    """The password's spellings once case, spaces, padding and letter swaps are taken away."""
    flat = re.sub(r"[\s._-]+", "", password.lower())
    out: set[str] = set()
    for base in (flat, _EDGES.sub("", flat)):
        for swapped in (
            base,
            base.translate(_SWAPS),
            base.translate(_SWAPS_L),
            base.translate(_SWAPS_L).translate(_SWAPS),
        ):
            out.add(swapped)
            out.add(_EDGES.sub("", swapped))
    return out


def _is_repeat(core: str) -> bool:
    """`abcabcabc`, `passwordpassword`: a short unit said again and again."""
    n = len(core)
    return any(n % size == 0 and core == core[:size] * (n // size) for size in range(1, n // 2 + 1))


def _is_run(core: str) -> bool:
    for run in _RUNS:
        for seq in (run, run[::-1]):
            if core in seq or core in seq * 2:
                return True
    return False


def _email_parts(email: str | None) -> list[str]:
    if not email or "@" not in email:
        return []
    local, domain = email.lower().rsplit("@", 1)
    parts = [email.lower(), local, local.replace(".", ""), domain.split(".")[0]]
    parts += [p for p in re.split(r"[._+-]", local) if len(p) >= 4]
    return [p for p in parts if len(p) >= 3]


def weakness(password: str, *, email: str | None = None) -> str | None:
    """Why the password would fall to an early guess, or None if it would not."""
    lowered = password.lower()
    flat = re.sub(r"[\s._-]+", "", lowered)
    for part in _email_parts(email):
        if part in lowered or part.replace(".", "") in flat:
            return "do not use your email address or a part of it"
    if len(set(lowered)) < MIN_DISTINCT:
        return f"use at least {MIN_DISTINCT} different characters"
    cores = _cores(password)
    common = common_cores()
    for core in cores:
        if not core:
            return "use words, not only digits and symbols"
        if core in common:
            return "that password is on lists attackers try first; choose something less common"
        if _is_repeat(core) or _is_run(core):
            return "avoid repeated or keyboard patterns such as 'abcabc' or 'qwerty'"
    return None
