"""Figures linked to the suppressed table (indicators, estimates' documented counts) are shown
only when the table lets anyone work them out: they must never undo its suppression. These
tables are small and hand-made; the hypercube's own guarantees are the exports' tests."""

from __future__ import annotations

import pandas as pd

from surplace.reports.disclosure import TOTAL, suppress
from surplace.reports.gather import EstimateRow, derivable_sum, link_to_table

YEARS = ["2019", "2020", "2021"]


def _table() -> pd.DataFrame:
    return pd.DataFrame({"2019": [20, 2, 9], "2020": [30, 12, 8], "2021": [25, 11, 0]},
                        index=["forced_return", "arrest", "arbitrary_detention"])


def test_sums_are_published_only_when_the_table_gives_them() -> None:
    published = suppress(_table(), 5)
    assert published.get("arrest", "2019") is None  # the small cell
    assert derivable_sum(published, ["forced_return"], YEARS) == 75
    assert derivable_sum(published, ["forced_return"], ["2020", "2021"]) == 55
    assert derivable_sum(published, ["torture"], YEARS) == 0  # none documented: a true zero
    hidden_rows = [row for row in published.rows
                   if any(published.get(row, year) is None for year in YEARS)]
    for row in hidden_rows:
        # The years holding a hidden cell can be summed only through a published row total
        # with every other cell published, i.e. when anyone could do it.
        hidden_years = [y for y in YEARS if published.get(row, y) is None]
        found = derivable_sum(published, [row], hidden_years)
        others = [published.get(row, y) for y in YEARS if y not in hidden_years]
        row_total = published.get(row, TOTAL)
        if row_total is None or any(cell is None for cell in others):
            assert found is None
        else:
            assert found == row_total - sum(c or 0 for c in others)
    # "Arrests and detentions" mixes a row with a hidden cell: refused unless derivable.
    both = derivable_sum(published, ["arrest", "arbitrary_detention"], ["2019"])
    assert both is None


def _row(key: str, year: str, observed: int, subject: str = "acts") -> EstimateRow:
    """A stored estimate as :func:`estimates` hands it on (marked small below 5)."""
    return EstimateRow(key, subject, year, "", "dga", "dga", observed, observed * 1.2,
                       float(observed), observed * 1.5, observed >= 5,
                       "" if observed >= 5 else "small")


def test_estimates_that_would_reveal_a_hidden_total_are_hidden() -> None:
    hidden_years = suppress(pd.DataFrame({"2019": [3, 0], "2020": [40, 30]},
                                         index=["arrest", "forced_return"]), 5)
    assert hidden_years.get(TOTAL, "2020") is None and hidden_years.get(TOTAL, TOTAL) == 73
    rows = [_row("hidden-year", "2020", 70), _row("small", "2019", 3),
            _row("same-total", "", 73), _row("near-total", "", 75), _row("far-total", "", 90),
            _row("persons", "2020", 70, subject="persons")]
    link_to_table(rows, hidden_years, undated=0, threshold=5)
    assert {row.id: (row.shown, row.hidden_because) for row in rows} == {
        "hidden-year": (False, "linked"),  # its documented count is the hidden 2020 total
        "small": (False, "small"),
        "same-total": (True, ""),  # tells the published grand total, nothing more
        "near-total": (False, "linked"),  # would tell a difference of 2
        "far-total": (True, ""),
        "persons": (True, "")}  # persons are not counted in this table
    shown_years = suppress(pd.DataFrame({"2019": [3, 0, 20], "2020": [40, 30, 25]},
                                        index=["arrest", "forced_return", "x"]), 5)
    assert shown_years.get(TOTAL, "2020") == 95
    grand = shown_years.get(TOTAL, TOTAL)
    assert grand is not None
    rows = [_row("published-year", "2020", 95), _row("with-undated", "", grand + 4)]
    link_to_table(rows, shown_years, undated=4, threshold=5)
    assert [row.shown for row in rows] == [True, True]
