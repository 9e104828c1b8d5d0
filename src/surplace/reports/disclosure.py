"""A thin adapter from the report's count tables to the exports' disclosure control.

The rules are the exports' (:mod:`surplace.io.export.disclosure`: primary suppression below
the threshold, secondary suppression by the hypercube method so that no small cell can be
worked out from the margins, zero cells kept), so a figure in a report and the same figure in
an export hide the same cells. This module only turns a pandas Series (one dimension) or
DataFrame (rows × columns) into that module's input and its cells back into a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from surplace.io.export import disclosure

TOTAL = disclosure.TOTAL


@dataclass(frozen=True)
class Published:
    """A table as it may be published: every cell and margin, ``None`` where suppressed.

    Keys are ``(row,)`` for one dimension and ``(row, column)`` for two, with ``TOTAL`` for a
    margin: ``table[(TOTAL,)]`` is the grand total of a one-dimensional table.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[tuple[str, ...], int | None]
    suppressed: int

    def get(self, *key: str) -> int | None:
        return self.cells.get(tuple(key))


def suppress(table: pd.Series | pd.DataFrame, threshold: int) -> Published:
    """The table (labels as text, counts as integers) with small cells suppressed."""
    if isinstance(table, pd.Series):
        rows = tuple(str(label) for label in table.index)
        counts: dict[tuple[str, ...], int] = {(str(label),): int(value)
                                              for label, value in table.items()}
        if not rows:
            return Published((), (), {(TOTAL,): 0}, 0)
        protected = disclosure.protect(counts, dimensions=("row",), categories=(rows,),
                                       threshold=threshold)
        columns: tuple[str, ...] = ()
    else:
        rows = tuple(str(label) for label in table.index)
        columns = tuple(str(label) for label in table.columns)
        if not rows or not columns:
            return Published(rows, columns, {(TOTAL, TOTAL): 0}, 0)
        counts = {(str(row), str(column)): int(value)
                  for row, values in table.iterrows() for column, value in values.items()}
        protected = disclosure.protect(counts, dimensions=("row", "column"),
                                       categories=(rows, columns), threshold=threshold)
    return Published(rows, columns, {cell.key: cell.count for cell in protected.cells()},
                     protected.suppressed_count)
