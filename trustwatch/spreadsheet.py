"""Cells written to a CSV that a person will open in a spreadsheet.

Post text comes from the public: "=HYPERLINK(...)" in a comment must stay text when data
staff open an export in Excel or LibreOffice, never run as a formula.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value with a leading quote where a spreadsheet would read a formula; None as ""."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value
