"""Capture histories: who was on which list, as counts by inclusion pattern.

A table arrives in one of two shapes, both common in the field:

* aggregated: one 0/1 column per list and a count column (the shape of every data set in the
  MSE literature, and what Rcapture's ``dfreq=TRUE`` and LCMCR's ``tabular=TRUE`` read);
* one row per individual: one 0/1 column per list and no count column.

Either may carry stratum columns (year, province, sex), and the analyst may declare structural
zeros: inclusion patterns that cannot happen (a list that only records people already on
another). Everything is validated here, once, so that the estimators can trust their input;
an error names the column and the line of the file (line 1 is the header).

Patterns are stored as 0/1 rows and as bit masks (bit ``j`` set when the person is on list
``j``), which index the full ``2**J`` contingency table; cell 0, the people on no list, is the
unknown every method estimates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from surplace.estimation.exceptions import (
    BadCount,
    BadStructuralZero,
    EmptyTable,
    HistoriesError,
    MissingColumn,
    NotBinary,
    TooFewLists,
    UnseenCell,
)

#: Names taken as the count column when none is named (LCMCR writes ``Freq``).
COUNT_COLUMN_NAMES = ("count", "Count", "Freq", "freq", "n")
FIRST_DATA_LINE = 2  # line 1 of a CSV file is its header


@dataclass(frozen=True)
class CaptureHistories:
    """Counts of people by list-inclusion pattern (observed patterns only, counts > 0).

    ``patterns`` is an ``(m, J)`` 0/1 array of distinct non-zero patterns sorted by bit mask,
    ``counts`` the number of people with each; ``structural_zeros`` holds the bit masks of
    patterns declared impossible. ``label`` names the stratum ("" when unstratified).
    """

    lists: tuple[str, ...]
    patterns: NDArray[np.int8]
    counts: NDArray[np.int64]
    structural_zeros: tuple[int, ...] = ()
    label: str = ""

    @classmethod
    def from_patterns(
        cls,
        lists: Sequence[str],
        patterns: NDArray[np.integer] | Sequence[Sequence[int]],
        counts: NDArray[np.integer] | Sequence[int],
        *,
        structural_zeros: Iterable[Iterable[str]] = (),
        label: str = "",
    ) -> CaptureHistories:
        """Build from already-clean arrays: repeated patterns are added, zero counts dropped.
        Used by the table readers and by simulations."""
        names = tuple(str(name) for name in lists)
        if len(names) < 2:
            raise TooFewLists(
                f"Capture–recapture needs at least two lists; got {len(names)} "
                f"({', '.join(names) or 'none'}).")
        if len(set(names)) != len(names):
            raise HistoriesError(f"List names repeat: {', '.join(names)}.")
        array = np.asarray(patterns, dtype=np.int64).reshape(-1, len(names))
        values = np.asarray(counts, dtype=np.int64).reshape(-1)
        if array.shape[0] != values.shape[0]:
            raise HistoriesError("Patterns and counts differ in length.")
        if np.any((array != 0) & (array != 1)):
            raise HistoriesError("Patterns must hold only 0 and 1.")
        if np.any(values < 0):
            raise HistoriesError("Counts must not be negative.")
        masks = array @ (1 << np.arange(len(names), dtype=np.int64))
        if np.any((masks == 0) & (values > 0)):
            raise HistoriesError(
                "A pattern on no list counts people; that cell is the unknown to estimate.")
        totals = np.bincount(masks, weights=values, minlength=1 << len(names)).astype(np.int64)
        totals[0] = 0
        if totals.sum() == 0:
            raise EmptyTable("The table counts nobody: every count is zero.")
        zeros = _structural_zero_masks(names, structural_zeros)
        for mask in zeros:
            if totals[mask] > 0:
                raise BadStructuralZero(
                    f"Pattern {_describe(names, mask)} is declared a structural zero (impossible) "
                    f"but {int(totals[mask])} people have it.")
        kept = np.flatnonzero(totals)
        bits = ((kept[:, None] >> np.arange(len(names))) & 1).astype(np.int8)
        return cls(lists=names, patterns=bits, counts=totals[kept], structural_zeros=zeros,
                   label=label)

    @property
    def n(self) -> int:
        """People seen on at least one list."""
        return int(self.counts.sum())

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def masks(self) -> NDArray[np.int64]:
        return (self.patterns.astype(np.int64) @ (1 << np.arange(self.n_lists, dtype=np.int64)))

    def cell_counts(self) -> NDArray[np.int64]:
        """The full ``2**J`` table indexed by bit mask; cell 0 (on no list) holds 0."""
        table = np.zeros(1 << self.n_lists, dtype=np.int64)
        table[self.masks] = self.counts
        return table

    def list_totals(self) -> dict[str, int]:
        totals = self.patterns.T.astype(np.int64) @ self.counts
        return {name: int(total) for name, total in zip(self.lists, totals, strict=True)}

    def overlaps(self) -> NDArray[np.int64]:
        """``J × J`` matrix: people on both list i and list j (the diagonal: on list i)."""
        weighted = self.patterns.T.astype(np.int64) * self.counts
        return np.asarray(weighted @ self.patterns.astype(np.int64), dtype=np.int64)

    def times_seen(self) -> NDArray[np.int64]:
        """``f[k]``: people seen on exactly ``k`` lists, for k = 0..J (f[0] = 0)."""
        k = self.patterns.sum(axis=1).astype(np.int64)
        return np.bincount(k, weights=self.counts, minlength=self.n_lists + 1).astype(np.int64)

    def subset(self, names: Sequence[str]) -> CaptureHistories:
        """The same people seen through fewer lists (people on none of them drop out). A
        collapsed pattern stays a structural zero only if every full pattern it gathers is."""
        index = [self._index(name) for name in names]
        dropped = [j for j in range(self.n_lists) if j not in index]
        impossible = set(self.structural_zeros)
        zeros = []
        for small in range(1, 1 << len(index)):
            base = sum(1 << index[i] for i in range(len(index)) if small >> i & 1)
            completions = (base | sum(1 << dropped[i] for i in range(len(dropped)) if d >> i & 1)
                           for d in range(1 << len(dropped)))
            if all(mask in impossible for mask in completions):
                zeros.append([names[i] for i in range(len(index)) if small >> i & 1])
        kept = self.patterns[:, index]
        seen = kept.sum(axis=1) > 0
        return CaptureHistories.from_patterns(
            [self.lists[j] for j in index], kept[seen], self.counts[seen],
            structural_zeros=zeros, label=self.label)

    def describe_pattern(self, mask: int) -> str:
        return _describe(self.lists, mask)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.patterns.astype(np.int64), columns=list(self.lists))
        frame["count"] = self.counts
        return frame

    def _index(self, name: str) -> int:
        try:
            return self.lists.index(name)
        except ValueError:
            raise MissingColumn(name, "list", list(self.lists)) from None


@dataclass(frozen=True)
class Strata:
    """Capture histories split by the values of one or more stratum columns."""

    columns: tuple[str, ...]
    groups: tuple[CaptureHistories, ...] = field(default_factory=tuple)

    @property
    def lists(self) -> tuple[str, ...]:
        return self.groups[0].lists

    @property
    def n(self) -> int:
        return sum(group.n for group in self.groups)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file as text, so validation sees exactly what was written."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise HistoriesError(f"No file {path}.") from None
    except pd.errors.EmptyDataError:
        raise EmptyTable(f"{path} is empty: expected a header and at least one row.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise HistoriesError(f"{path} is not a readable CSV file: {error}") from None
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.empty:
        raise EmptyTable(f"{path} has a header but no rows.")
    return frame


def histories_from_frame(
    frame: pd.DataFrame,
    *,
    lists: Sequence[str] | None = None,
    count_column: str | None = None,
    structural_zeros: Iterable[Iterable[str]] = (),
    exclude: Sequence[str] = (),
    label: str = "",
) -> CaptureHistories:
    """Validate a table and turn it into capture histories.

    ``lists`` names the list columns (default: every column but the count and ``exclude``
    columns); rows on none of the named lists are then left out, as people seen only by
    lists outside the analysis. ``count_column`` names the count column; without it a column
    named ``count`` or ``Freq`` is used if present, and otherwise every row is one person.
    """
    if frame.empty or len(frame.columns) == 0:
        raise EmptyTable("The table has no rows.")
    columns = [str(column) for column in frame.columns]
    counts_name = _count_column(columns, count_column)
    names = _list_columns(columns, lists, counts_name, exclude)
    lines = _lines(frame)
    patterns = np.column_stack([_binary(frame[name], name, lines) for name in names])
    if counts_name is None:
        counts = np.ones(len(frame), dtype=np.int64)
    else:
        counts = _counts(frame[counts_name], counts_name, lines)
    none = patterns.sum(axis=1) == 0
    if lists is not None:  # people on none of the chosen lists are outside this analysis
        patterns, counts = patterns[~none], counts[~none]
    elif np.any(none & (counts > 0)):
        raise UnseenCell(int(lines[np.flatnonzero(none & (counts > 0))[0]]))
    return CaptureHistories.from_patterns(names, patterns, counts,
                                          structural_zeros=structural_zeros, label=label)


def strata_from_frame(
    frame: pd.DataFrame,
    *,
    strata: Sequence[str],
    lists: Sequence[str] | None = None,
    count_column: str | None = None,
    structural_zeros: Iterable[Iterable[str]] = (),
) -> Strata:
    """One set of capture histories per combination of the stratum columns' values."""
    columns = [str(column) for column in frame.columns]
    for name in strata:
        if name not in columns:
            raise MissingColumn(name, "stratum", columns)
    if not strata:
        raise HistoriesError("No stratum column given.")
    zeros = [tuple(z) for z in structural_zeros]
    lines = _lines(frame)
    for name in strata:
        blank = np.flatnonzero(frame[name].astype(str).str.strip().to_numpy() == "")
        if blank.size:
            raise HistoriesError(f"Stratum column {name!r}, line {int(lines[blank[0]])} is empty.")
    groups = []
    for key, part in frame.groupby(list(strata), sort=True, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{column}={value}" for column, value in
                          zip(strata, values, strict=True))
        try:
            groups.append(histories_from_frame(
                part, lists=lists, count_column=count_column, structural_zeros=zeros,
                exclude=strata, label=label))
        except EmptyTable:
            raise EmptyTable(f"Stratum {label} counts nobody.") from None
    return Strata(columns=tuple(strata), groups=tuple(groups))


def _lines(frame: pd.DataFrame) -> NDArray[np.int64]:
    """File line of each row: readers keep the default index, so row i is line i + 2."""
    index = np.asarray(frame.index.to_numpy())
    if index.dtype.kind in "iu":
        return np.asarray(index, dtype=np.int64) + FIRST_DATA_LINE
    return np.arange(len(frame), dtype=np.int64) + FIRST_DATA_LINE


def _count_column(columns: list[str], named: str | None) -> str | None:
    if named is not None:
        if named not in columns:
            raise MissingColumn(named, "count", columns)
        return named
    for candidate in COUNT_COLUMN_NAMES:
        if candidate in columns:
            return candidate
    return None


def _list_columns(columns: list[str], named: Sequence[str] | None, counts: str | None,
                  exclude: Sequence[str]) -> list[str]:
    if named is None:
        names = [c for c in columns if c != counts and c not in exclude]
    else:
        names = [str(name).strip() for name in named]
        for name in names:
            if name not in columns:
                raise MissingColumn(name, "list", columns)
        if counts is not None and counts in names:
            raise HistoriesError(f"Column {counts!r} cannot be both a list and the count.")
    if len(names) < 2:
        raise TooFewLists(
            f"Capture–recapture needs at least two lists; the table gives {len(names)} "
            f"({', '.join(names) or 'none'}). Name them with --lists A,B,C.")
    if len(set(names)) != len(names):
        raise HistoriesError(f"List names repeat: {', '.join(names)}.")
    return names


def _numbers(column: pd.Series) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
    text = column.astype(str).str.strip().to_numpy()
    values = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=np.float64)
    return values, text


def _binary(column: pd.Series, name: str, lines: NDArray[np.int64]) -> NDArray[np.int64]:
    values, text = _numbers(column)
    bad = np.flatnonzero(~np.isin(values, (0.0, 1.0)))
    if bad.size:
        raise NotBinary(name, int(lines[bad[0]]), str(text[bad[0]]))
    return np.asarray(values, dtype=np.int64)


def _counts(column: pd.Series, name: str, lines: NDArray[np.int64]) -> NDArray[np.int64]:
    values, text = _numbers(column)
    for mask, why in (
        (text == "", "is missing"),
        (np.isnan(values), "is not a number"),
        (~np.isfinite(values), "is not a finite number"),
        (values < 0, "is negative; a count of people cannot be"),
        (values != np.floor(values), "is fractional; a count of people must be whole"),
    ):
        bad = np.flatnonzero(mask)
        if bad.size:
            raise BadCount(name, int(lines[bad[0]]), str(text[bad[0]]), why)
    if np.any(values > 2**53):
        raise BadCount(name, int(lines[int(np.argmax(values))]),
                       str(text[int(np.argmax(values))]), "is implausibly large")
    return np.asarray(values, dtype=np.int64)


def _structural_zero_masks(lists: tuple[str, ...],
                           declared: Iterable[Iterable[str]]) -> tuple[int, ...]:
    masks = set()
    for zero in declared:
        names = [str(name).strip() for name in zero]
        if not names:
            raise BadStructuralZero(
                "A structural zero must name at least one list: the pattern on no list is the "
                "unknown, not an impossibility.")
        mask = 0
        for name in names:
            if name not in lists:
                raise BadStructuralZero(
                    f"Structural zero {'+'.join(names)} names {name!r}, which is not a list "
                    f"({', '.join(lists)}).")
            mask |= 1 << lists.index(name)
        masks.add(mask)
    return tuple(sorted(masks))


def _describe(lists: Sequence[str], mask: int) -> str:
    on = [name for j, name in enumerate(lists) if mask >> j & 1]
    return "+".join(on) if on else "(none)"
