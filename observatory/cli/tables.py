"""The one text-table printer of the command line."""

from __future__ import annotations

from collections.abc import Sequence


def _cell(value: object) -> str:
    """Large integers grouped by thousands (French style); years and small numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", " ")
    return str(value)


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    right: Sequence[int] | None = None,
) -> str:
    """A plain aligned text table. Columns in `right` are right-aligned; by default, those
    whose every value is an integer."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    if right is None:
        aligned = [
            bool(rows) and all(isinstance(row[i], int) for row in rows) for i in range(len(headers))
        ]
    else:
        aligned = [i in right for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if a else v.ljust(w) for v, w, a in zip(values, widths, aligned, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])
