"""CSV exports that a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any


def safe_cell(value: Any) -> Any:
    """Keep a spreadsheet from reading user text as a formula (a leading minus on a number is left alone)."""
    if isinstance(value, str) and value and (value[0] in "=+@\t\r" or (value[0] == "-" and not value[1:2].isdigit())):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    """CSV text of a header and rows, every text cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
