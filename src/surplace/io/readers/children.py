"""Joining repeat-group rows kept in a table of their own (a sheet, a file) to their parents.

KoBoToolbox's XLSX export puts each repeat group on its own sheet, joined by ``_parent_index``
to the main sheet's ``_index``; ODK Central's CSV export puts it in a file of its own, joined by
``PARENT_KEY`` to the main file's ``KEY``. A child table no larger than ``INDEX_LIMIT`` is read
into a dictionary by parent key, so any order works; a larger one is streamed beside the main
table and must list its rows in the order of their parents (exports do). A child row whose
parent never comes is not dropped: it is yielded at the end with a problem, to be rejected.

Repeat groups nest (household → members → documents): a table whose ``parent`` names another
group is joined to that group's rows, which are then joined to theirs, to any depth; ODK
Central's nested file joins its ``PARENT_KEY`` to the enclosing group file's ``KEY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from surplace.io.readers.base import Problem, Row

#: Child tables up to this size (bytes of the file or sheet) are indexed in memory.
INDEX_LIMIT = 64 * 1024 * 1024


@dataclass
class ChildTable:
    """One repeat group's rows: ``parent_column`` in the parent, ``key_column`` in the child."""

    group: str
    rows: Iterator[Row]
    parent_column: str
    key_column: str
    size: int
    #: The group whose rows this table's rows belong to; None for the main table.
    parent: str | None = None


def attach_children(parents: Iterator[Row], tables: list[ChildTable]) -> Iterator[Row]:
    """The parents with their children (and theirs, to any depth) attached, then any children
    left without a parent."""
    orphans: list[Row] = []
    yield from _attach(parents, None, tables, orphans, "the main table")
    yield from orphans


def _attach(parents: Iterator[Row], group: str | None, tables: list[ChildTable],
            orphans: list[Row], parent_name: str) -> Iterator[Row]:
    """``parents`` (rows of ``group``) with the tables below ``group`` attached, then the
    main table's orphans; the orphans of a nested table go to ``orphans`` (with the problem),
    since its rows are read while its parents' are."""
    below = [t for t in tables if t.parent == group]
    for table in below:  # the rows of a nested table come with their own children attached
        table.rows = _attach(table.rows, table.group, tables, orphans,
                             f"group {table.group!r}")
    joiners = [_Indexed(t) if t.size <= INDEX_LIMIT else _Streamed(t) for t in below]
    for parent in parents:
        for joiner in joiners:
            key = parent.values.get(joiner.table.parent_column, "")
            found = joiner.take(key) if key else []
            if found:
                parent.children[joiner.table.group] = found
        yield parent
    for joiner in joiners:
        for orphan in joiner.left_over():
            orphan.problems.append(Problem(
                joiner.table.key_column,
                f"no row of {parent_name} has this {joiner.table.parent_column} (or the "
                "repeat rows are not in the order of their parents)"))
            if group is None:
                yield orphan  # as it comes: a large misordered file is not held
            else:
                orphans.append(orphan)


class _Indexed:
    def __init__(self, table: ChildTable) -> None:
        self.table = table
        self.by_parent: dict[str, list[Row]] = {}
        for row in table.rows:
            self.by_parent.setdefault(row.values.get(table.key_column, ""), []).append(row)

    def take(self, key: str) -> list[Row]:
        return self.by_parent.pop(key, [])

    def left_over(self) -> Iterator[Row]:
        for rows in self.by_parent.values():
            yield from rows


class _Streamed:
    def __init__(self, table: ChildTable) -> None:
        self.table = table
        self.peeked: Row | None = next(table.rows, None)

    def take(self, key: str) -> list[Row]:
        found: list[Row] = []
        while self.peeked is not None and self.peeked.values.get(self.table.key_column) == key:
            found.append(self.peeked)
            self.peeked = next(self.table.rows, None)
        return found

    def left_over(self) -> Iterator[Row]:
        if self.peeked is not None:
            yield self.peeked
        yield from self.table.rows
