"""Statistical disclosure control for count tables: small cells suppressed, and enough other
cells suppressed that no small cell can be worked out from what is published.

A table of counts by one or more dimensions is published with all its margins (every row,
column and layer total, and the grand total). The rules:

- **Primary suppression.** A cell (margins included) whose count is at least 1 and below the
  threshold (default 5) is not published. **Zero cells are not sensitive and stay 0**: that no
  one is counted in a cell discloses nobody, and the categories of each dimension are a fixed
  list (the vocabulary, a span of years), so a published zero tells nothing a reader could not
  see in the empty list either. A zero cell is never suppressed, not even as a secondary.
- **Secondary suppression.** Whoever holds the published cells and margins can solve the
  table's equations (each total is the sum of its cells) for a suppressed cell, under the
  constraint that counts are not negative. For every primary cell that attack must leave an
  interval at least ``protection`` wide (default: the threshold). Because counts are not
  negative, such an interval always reaches the threshold: the reader cannot tell the cell is
  small, let alone pin it.

The method is the hypercube method (Giessing and Repsilber's GHMITER, as in τ-ARGUS): for a
primary cell ``p`` each choice of a partner category ``q_k ≠ p_k`` in every dimension spans a
hypercube of ``2^N`` cells; moving ``p`` by ``+δ`` and every corner by ``±δ`` (the signs
alternate, and a corner's sign follows its partner's when the partner is the total) leaves every
published total unchanged. If every corner is suppressed, ``p`` can move down by the smallest
corner on its own side and up by the smallest on the other, which is a feasible-interval width
the hypercube guarantees. For each unprotected primary the cheapest hypercube (least total count
newly suppressed, then fewest cells) whose guaranteed width reaches ``protection`` is suppressed
(in a large table, among a few partners per dimension first: the total, cells already
suppressed, the smallest cells large enough; every partner only if none of those will do).
Since moving a secondary cell inside such a hypercube is itself a feasible move, no secondary
cell can be pinned either.

This is written here because no well-kept Python library does secondary suppression: sdcMicro
and sdcTable are R packages and τ-ARGUS a Java/C++ application; the Python SDC packages on PyPI
do microdata or primary suppression only. The tests attack every table with a linear programme
(SciPy's ``linprog``), independently of this code, and check every suppressed cell's interval.

Cells, rows and columns of the output do not say why a cell is suppressed: marking primary and
secondary apart would tell a reader which cells are small.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TOTAL = "total"
DEFAULT_THRESHOLD = 5

Index = tuple[int, ...]


@dataclass(frozen=True)
class Cell:
    """One published cell: its category in each dimension (``total`` for a margin) and its
    count, ``None`` when suppressed."""

    key: tuple[str, ...]
    count: int | None

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class ProtectedTable:
    """A count table with its margins and the suppression pattern.

    ``values`` holds every count, margins at the last index of each axis; it is what the table
    was computed from and must not be written anywhere: :meth:`cells` is what is published.
    """

    dimensions: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    values: np.ndarray[Any, np.dtype[np.int64]]
    primary: np.ndarray[Any, np.dtype[np.bool_]]
    suppressed: np.ndarray[Any, np.dtype[np.bool_]]
    threshold: int
    protection: int

    def label(self, index: Index) -> tuple[str, ...]:
        return tuple(TOTAL if position == len(names) else names[position]
                     for position, names in zip(index, self.categories, strict=True))

    def cells(self) -> Iterator[Cell]:
        """Every cell and margin, in the order of the categories (each total after its
        categories)."""
        for index in np.ndindex(*self.values.shape):
            count = None if self.suppressed[index] else int(self.values[index])
            yield Cell(self.label(index), count)

    @property
    def suppressed_count(self) -> int:
        return int(self.suppressed.sum())


def with_margins(inner: np.ndarray[Any, np.dtype[np.int64]]
                 ) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The table with one more index on every axis holding the totals along it."""
    shape = inner.shape
    full = np.zeros(tuple(n + 1 for n in shape), dtype=np.int64)
    for mask in itertools.product((False, True), repeat=inner.ndim):
        axes = tuple(axis for axis, summed in enumerate(mask) if summed)
        part = inner.sum(axis=axes, keepdims=True) if axes else inner
        target = tuple(slice(n, n + 1) if summed else slice(0, n)
                       for n, summed in zip(shape, mask, strict=True))
        full[target] = part
    return full


def protect(counts: Mapping[tuple[str, ...], int], *, dimensions: Sequence[str],
            categories: Sequence[Sequence[str]], threshold: int = DEFAULT_THRESHOLD,
            protection: int | None = None) -> ProtectedTable:
    """Suppress the cells of a count table so that it may be published (module docstring).

    ``counts`` maps one category per dimension to a count (missing keys are zeros);
    ``categories`` lists each dimension's categories in order. ``threshold`` is the smallest
    count published as it is; ``protection`` the width a primary cell's feasible interval must
    reach (the threshold unless given).
    """
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    required = threshold if protection is None else protection
    if required < 1:
        raise ValueError("the protection must be at least 1")
    if len(dimensions) != len(categories) or not dimensions:
        raise ValueError("one list of categories per dimension, and at least one dimension")
    if any(not names for names in categories):
        raise ValueError("every dimension needs at least one category")
    positions = [{name: i for i, name in enumerate(names)} for names in categories]
    inner = np.zeros(tuple(len(names) for names in categories), dtype=np.int64)
    for key, value in counts.items():
        if value < 0:
            raise ValueError("counts cannot be negative")
        inner[tuple(lookup[name] for lookup, name in zip(positions, key, strict=True))] += value
    full = with_margins(inner)
    primary = (full > 0) & (full < threshold)
    suppressed = primary.copy()
    for index in sorted(zip(*np.nonzero(primary), strict=True)):
        for corner in best_hypercube(full, suppressed, tuple(int(i) for i in index), required):
            suppressed[corner] = True
    return ProtectedTable(tuple(dimensions), tuple(tuple(names) for names in categories), full,
                          primary, suppressed, threshold, required)


#: Above this many candidate hypercubes per primary cell, each dimension offers only a few
#: partners (:func:`_partners`); a table of four dimensions would otherwise take minutes.
SEARCH_LIMIT = 1024


def best_hypercube(full: np.ndarray[Any, np.dtype[np.int64]],
                   suppressed: np.ndarray[Any, np.dtype[np.bool_]], cell: Index,
                   required: int) -> list[Index]:
    """The corners of the cheapest hypercube through ``cell`` that guarantees it an interval
    at least ``required`` wide (all already suppressed when it is protected already).

    Every candidate (one partner index per axis) is scored at once with NumPy: the arrays have
    one entry per candidate, and each of the ``2^N`` corners adds its value to them. Large
    tables search a short list of partners per axis first, and every partner if that fails.
    """
    sizes = full.shape
    every = [np.array([i for i in range(size) if i != cell[axis]])
             for axis, size in enumerate(sizes)]
    if int(np.prod([len(choices) for choices in every])) > SEARCH_LIMIT:
        per_axis = max(2, int(SEARCH_LIMIT ** (1 / len(sizes))))
        short = [_partners(full, suppressed, cell, axis, required, per_axis)
                 for axis in range(len(sizes))]
        found = _search(full, suppressed, cell, required, short)
        if found is not None:
            return found
    found = _search(full, suppressed, cell, required, every)
    if found is None:  # pragma: no cover - the all-totals hypercube always qualifies
        raise AssertionError("no hypercube protects the cell")
    return found


def _partners(full: np.ndarray[Any, np.dtype[np.int64]],
              suppressed: np.ndarray[Any, np.dtype[np.bool_]], cell: Index, axis: int,
              required: int, limit: int) -> np.ndarray[Any, np.dtype[np.intp]]:
    """A few likely partners along one axis: the total, cells already suppressed (free), the
    smallest cells large enough to protect on their own, then the largest."""
    line = tuple(slice(None) if k == axis else i for k, i in enumerate(cell))
    values, hidden = full[line], suppressed[line]
    total = len(values) - 1
    order: list[int] = [] if cell[axis] == total else [total]
    inner = [i for i in range(total) if i != cell[axis] and values[i] > 0]
    order += sorted((i for i in inner if hidden[i]), key=lambda i: -values[i])
    order += sorted((i for i in inner if not hidden[i] and values[i] >= required),
                    key=lambda i: values[i])
    order += sorted((i for i in inner if not hidden[i] and values[i] < required),
                    key=lambda i: -values[i])
    chosen = list(dict.fromkeys(order))[:limit]
    return np.array(sorted(chosen) or [i for i in range(len(values)) if i != cell[axis]])


def _search(full: np.ndarray[Any, np.dtype[np.int64]],
            suppressed: np.ndarray[Any, np.dtype[np.bool_]], cell: Index, required: int,
            choices: list[np.ndarray[Any, np.dtype[np.intp]]]) -> list[Index] | None:
    ndim = len(choices)
    grid = tuple(len(options) for options in choices)
    axes = [options.reshape([len(options) if k == axis else 1 for k in range(ndim)])
            for axis, options in enumerate(choices)]
    factors = []
    for axis, options in enumerate(axes):
        total = full.shape[axis] - 1
        # Moving a category and its total together keeps the sign; two categories alternate.
        factors.append(np.where((options == total) | (cell[axis] == total), 1, -1))
    low_side = np.full(grid, np.inf)   # smallest corner moving with the cell
    high_side = np.full(grid, np.inf)  # smallest corner moving against it
    valid = np.ones(grid, dtype=bool)
    cost = np.zeros(grid)
    new = np.zeros(grid)
    for mask in itertools.product((False, True), repeat=ndim):
        index = tuple(axes[axis] if moved else cell[axis] for axis, moved in enumerate(mask))
        values = np.broadcast_to(full[index].astype(float), grid)
        fresh = np.broadcast_to(~suppressed[index], grid)
        sign = np.ones(grid, dtype=int)
        for axis, moved in enumerate(mask):
            if moved:
                sign = sign * factors[axis]
        low_side = np.where(sign > 0, np.minimum(low_side, values), low_side)
        high_side = np.where(sign < 0, np.minimum(high_side, values), high_side)
        valid &= values > 0  # a published zero cannot move
        cost += np.where(fresh, values, 0.0)
        new += fresh
    feasible = valid & (low_side + high_side >= required)
    if not feasible.any():
        return None
    order = np.lexsort((new.ravel(), np.where(feasible, cost, np.inf).ravel()))
    position = np.unravel_index(order[0], grid)
    partner = [int(choices[axis][position[axis]]) for axis in range(ndim)]
    return [tuple(partner[axis] if moved else cell[axis] for axis, moved in enumerate(mask))
            for mask in itertools.product((False, True), repeat=ndim)]
