"""Disclosure control, attacked: for every suppressed cell an intruder who knows every published
cell and margin, and that counts are not negative, solves two linear programmes (the cell's
minimum and maximum) with SciPy; the interval must be at least the protection wide for a small
cell, and not a single point for any other suppressed cell.

The attack is written here, apart from the suppression code: it sets up every cell of the table
(margins included) as a variable, fixes the published ones, and adds one equation per margin.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from surplace.io.export import disclosure
from surplace.io.export.disclosure import TOTAL, ProtectedTable, protect


def interval(table: ProtectedTable, cell: tuple[int, ...]) -> tuple[float, float]:
    """The feasible range of one suppressed cell given everything published."""
    shape = table.values.shape
    flat = {index: n for n, index in enumerate(np.ndindex(*shape))}
    equations = []
    for axis, size in enumerate(shape):
        others = [range(n) for k, n in enumerate(shape) if k != axis]
        for rest in itertools.product(*others):
            def at(position: int, rest: tuple[int, ...] = rest, axis: int = axis
                   ) -> tuple[int, ...]:
                return rest[:axis] + (position,) + rest[axis:]
            equations.append([(flat[at(size - 1)], 1.0)]
                             + [(flat[at(i)], -1.0) for i in range(size - 1)])
    matrix = lil_matrix((len(equations), len(flat)))
    for row, terms in enumerate(equations):
        for column, coefficient in terms:
            matrix[row, column] = coefficient
    bounds: list[tuple[float, float | None]] = []
    for index in np.ndindex(*shape):
        value = float(table.values[index])
        bounds.append((0.0, None) if table.suppressed[index] else (value, value))
    objective = np.zeros(len(flat))
    objective[flat[cell]] = 1.0
    rhs = np.zeros(len(equations))
    low = linprog(objective, A_eq=matrix.tocsr(), b_eq=rhs, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=matrix.tocsr(), b_eq=rhs, bounds=bounds, method="highs")
    assert low.status == 0, low.message
    assert high.status in (0, 3), high.message  # 3: unbounded above
    return float(low.fun), (np.inf if high.status == 3 else float(-high.fun))


def assert_protected(table: ProtectedTable) -> None:
    """No small cell published; every suppressed cell's interval wide enough; margins add up."""
    values = table.values
    for index in np.ndindex(*values.shape):
        value = int(values[index])
        if not table.suppressed[index]:
            assert value == 0 or value >= table.threshold, (index, value)
            continue
        assert value > 0, "a zero cell was suppressed"
        low, high = interval(table, index)
        assert low <= value + 1e-6 <= high + 2e-6
        if table.primary[index]:
            assert high - low >= table.protection - 1e-6, (index, value, low, high)
        else:
            assert high - low > 1e-6, f"secondary cell {index} is pinned to {value}"


def table_of(grid: list[list[int]], threshold: int = 5) -> ProtectedTable:
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))]
    counts = {(rows[i], columns[j]): value for i, line in enumerate(grid)
              for j, value in enumerate(line)}
    return protect(counts, dimensions=("row", "column"), categories=(rows, columns),
                   threshold=threshold)


def published(table: ProtectedTable) -> dict[tuple[str, ...], int | None]:
    return {cell.key: cell.count for cell in table.cells()}


def test_one_dimension_one_small_cell_takes_a_second_with_it() -> None:
    table = protect({("2001",): 2, ("2002",): 10, ("2003",): 7, ("2004",): 20},
                    dimensions=("year",), categories=(("2001", "2002", "2003", "2004"),))
    cells = published(table)
    assert cells[("2001",)] is None
    assert table.suppressed_count == 2, "one small cell needs exactly one partner"
    assert cells[(TOTAL,)] == 39, "the total is kept when a cell can be the partner"
    assert cells[("2003",)] is None, "the cheapest partner wide enough: 7"
    assert_protected(table)


def test_two_dimensions_a_lone_small_cell_forces_a_second_in_its_row_and_column() -> None:
    table = table_of([[3, 20, 30],
                      [25, 40, 35],
                      [30, 45, 50]])
    suppressed = table.suppressed[:3, :3]
    assert suppressed[0, 0]
    assert suppressed[0].sum() >= 2 and suppressed[:, 0].sum() >= 2
    assert suppressed.sum() == 4, "a rectangle of four cells"
    assert not table.suppressed[3].any() and not table.suppressed[:, 3].any(), "margins kept"
    assert_protected(table)


def test_a_small_margin_is_suppressed_and_cannot_be_recovered() -> None:
    table = table_of([[1, 2, 0],
                      [20, 30, 40],
                      [25, 35, 45]])
    cells = published(table)
    assert cells[("r0", TOTAL)] is None, "a row total of 3 is itself a small cell"
    assert cells[("r0", "c2")] == 0, "a zero stays 0"
    assert_protected(table)


def test_tables_of_large_cells_suppress_nothing() -> None:
    for grid in ([[5, 6], [7, 8]], [[50, 60, 70], [80, 90, 100]], [[5, 0], [0, 9]]):
        table = table_of(grid)
        assert table.suppressed_count == 0
        assert all(cell.count is not None for cell in table.cells())
    assert protect({("a",): 12}, dimensions=("x",), categories=(("a", "b"),)).suppressed_count == 0


def test_zero_cells_are_published_and_never_suppressed() -> None:
    table = table_of([[0, 2, 0, 40],
                      [0, 30, 0, 50],
                      [0, 45, 6, 0]])
    cells = published(table)
    for key in (("r0", "c0"), ("r1", "c0"), ("r2", "c0"), ("r0", "c2"), ("r2", "c3"),
                (TOTAL, "c0")):
        assert cells[key] == 0
    assert_protected(table)


def test_whole_table_below_threshold() -> None:
    table = table_of([[1, 1], [1, 1]])
    assert all(cell.count is None for cell in table.cells())
    assert_protected(table)


@pytest.mark.parametrize("search_limit", [None, 8])
def test_three_dimensions(search_limit: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also with the short list of partners large tables search first."""
    if search_limit is not None:
        monkeypatch.setattr(disclosure, "SEARCH_LIMIT", search_limit)
    rng = np.random.default_rng(3)
    inner = rng.integers(0, 30, size=(3, 4, 2))
    inner[0, 0, 0], inner[2, 3, 1], inner[1, 2, 0] = 1, 4, 2
    names = (("a", "b", "c"), ("w", "x", "y", "z"), ("F", "M"))
    counts = {tuple(names[k][i] for k, i in enumerate(index)): int(inner[index])
              for index in np.ndindex(*inner.shape)}
    table = protect(counts, dimensions=("p", "q", "r"), categories=names)
    assert table.primary.sum() >= 3
    assert_protected(table)


@pytest.mark.parametrize("seed", range(12))
def test_random_sparse_tables_are_protected(seed: int) -> None:
    rng = random.Random(seed)
    rows, columns = rng.randint(1, 6), rng.randint(2, 7)
    grid = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 8, 13, 30, 70]) for _ in range(columns)]
            for _ in range(rows)]
    table = table_of(grid, threshold=rng.choice([3, 5, 10]))
    assert_protected(table)


def test_margins_are_sums_and_the_output_names_no_reason() -> None:
    table = table_of([[3, 20], [25, 40]])
    assert int(table.values[2, 2]) == 88
    cell: Any = next(iter(table.cells()))
    assert set(vars(cell)) == {"key", "count"}, "a cell does not say why it is suppressed"


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="threshold"):
        protect({}, dimensions=("x",), categories=(("a",),), threshold=0)
    with pytest.raises(ValueError, match="negative"):
        protect({("a",): -1}, dimensions=("x",), categories=(("a",),))
