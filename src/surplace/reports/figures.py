"""The report's figures, drawn with Matplotlib's object interface on the Agg canvas (no display,
no global state) and returned as SVG text with glyphs as paths: the file needs no font and no
other file to show the same in a browser and in the PDF, Korean included.

Every figure is drawn from already-suppressed tables (:class:`~surplace.reports.disclosure.
Published`): a suppressed cell has no bar of its own. Where a margin is published, what the
hidden cells add up to is known anyway (the total minus the shown cells), so it is drawn as a
hatched grey block, keeping the totals honest without showing any hidden cell.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from surplace.reports.disclosure import TOTAL, Published
from surplace.reports.gather import EstimateRow, Overlap
from surplace.reports.strings import Strings

CJK_FONTS = Path("/usr/share/fonts/opentype/noto")
COLOURS = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e",
           "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f", "#6d597a", "#b56576", "#355070")
METHOD_COLOURS = {"lcmcr": "#1b6ca8", "dga": "#d1495b", "loglinear": "#edae49"}
HIDDEN: dict[str, Any] = {"color": "#dddddd", "hatch": "///", "edgecolor": "#888888"}
#: The most combinations an overlap figure draws one bar each for.
MAX_BARS = 14


def _fonts() -> list[str]:
    """Noto Sans CJK first when installed (it has Latin, Hangul and Han), DejaVu otherwise."""
    for path in sorted(CJK_FONTS.glob("NotoSansCJK-*.tt[cf]")):
        font_manager.fontManager.addfont(str(path))
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return [name for name in ("Noto Sans CJK KR", "DejaVu Sans") if name in names] or ["sans-serif"]


FONTS = _fonts()


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context({"font.family": FONTS, "svg.fonttype": "path",
                                "svg.hashsalt": "surplace-report", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False}):
        yield


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue().decode("utf-8")


def time_figure(table: Published, labels: dict[str, str], words: Strings) -> str | None:
    """Stacked bars of documented acts by year and type; hidden cells hatched."""
    if not table.rows or not table.columns:
        return None
    with _style():
        figure = Figure(figsize=(8, 4.2 + 0.18 * ((len(table.rows) + 3) // 3)))
        axes = figure.subplots()
        x = np.arange(len(table.columns))
        bottom = np.zeros(len(table.columns))
        for index, act_type in enumerate(table.rows):
            heights = np.array([table.get(act_type, year) or 0 for year in table.columns],
                               dtype=float)
            axes.bar(x, heights, bottom=bottom, color=COLOURS[index % len(COLOURS)],
                     label=labels.get(act_type, act_type), width=0.8)
            bottom += heights
        totals = [table.get(TOTAL, year) for year in table.columns]
        rest = np.array([0.0 if total is None else max(total - shown, 0.0)
                         for total, shown in zip(totals, bottom, strict=True)])
        if rest.any():
            axes.bar(x, rest, bottom=bottom, width=0.8, label=words("labels", "suppressed"),
                     **HIDDEN)
        axes.set_xticks(x, table.columns, rotation=90 if len(x) > 12 else 0)
        axes.set_xlabel(words("time", "year"))
        axes.set_ylabel(words("province", "acts"))
        axes.legend(fontsize=7, ncols=3, frameon=False, loc="upper center",
                    bbox_to_anchor=(0.5, -0.14))
        return _svg(figure)


def province_figure(table: Published, names: dict[str, str], words: Strings) -> str | None:
    """Provinces ranked by documented acts; a hidden count has no bar, only a word."""
    if not table.rows:
        return None
    with _style():
        figure = Figure(figsize=(7, 0.4 * len(table.rows) + 1.2))
        axes = figure.subplots()
        y = np.arange(len(table.rows))[::-1]
        values = [table.get(code) for code in table.rows]
        axes.barh(y, [v or 0 for v in values], color=COLOURS[0])
        for yi, value in zip(y, values, strict=True):
            axes.text(0 if value is None else value, yi,
                      f" {words('labels', 'suppressed')}" if value is None else f" {value:,}",
                      va="center", fontsize=8)
        axes.set_yticks(y, [names.get(code, code) for code in table.rows])
        axes.set_xlabel(words("province", "acts"))
        return _svg(figure)


def overlap_figure(overlap: Overlap, title: str, words: Strings) -> str:
    """UpSet-style (Lex et al. 2014, as in :mod:`surplace.estimation.plots`): a bar per
    published combination of sources over a matrix of which sources it holds, the largest
    :data:`MAX_BARS` only (six lists give dozens of combinations, and a figure of all of them
    shrinks to an unreadable strip on the page: the table beside it lists every one); the
    hidden and the smaller combinations together as one hatched bar, its height known when the
    total is published."""
    combos = overlap.published[:MAX_BARS]
    folded = overlap.published[MAX_BARS:]
    others = overlap.hidden + len(folded)
    rest = None
    if others and overlap.total is not None:
        rest = overlap.total - sum(count for _, count in combos)
    elif folded:
        rest = sum(count for _, count in folded)
    columns = len(combos) + (1 if others else 0)
    lists = overlap.lists
    with _style():
        figure = Figure(figsize=(max(6, 0.45 * columns + 3), 3.2 + 0.3 * len(lists)))
        bars, matrix = figure.subplots(2, 1, sharex=True, gridspec_kw={
            "height_ratios": [3, 0.3 * len(lists) + 0.5]})
        x = np.arange(columns)
        counts = [count for _, count in combos]
        bars.bar(x[:len(combos)], counts, color=COLOURS[0])
        for xi, count in zip(x, counts, strict=False):
            bars.text(xi, count, f"{count:,}", ha="center", va="bottom", fontsize=7)
        if others:
            height = rest or 0
            bars.bar(x[-1], height, **HIDDEN)
            # Inside a tall bar (it would run above the axes), above a short one.
            inside = height > 0.5 * max(counts, default=0)
            bars.text(x[-1], height / 2 if inside else height,
                      f"{words('overlaps', 'other')} ({others})", ha="center",
                      va="center" if inside else "bottom", fontsize=7, rotation=90)
        bars.set_ylabel(words("overlaps", "count"))
        bars.set_title(title)
        for j, name in enumerate(lists):
            for column, (combination, _) in enumerate(combos):
                colour = "#222222" if name in combination else "#dddddd"
                matrix.scatter(column, j, s=30, color=colour)
        for column, (combination, _) in enumerate(combos):
            members = [lists.index(name) for name in combination]
            if len(members) > 1:
                matrix.plot([column, column], [min(members), max(members)], color="#222222")
        matrix.set_yticks(range(len(lists)), lists)
        matrix.set_xticks([])
        matrix.set_ylim(-0.5, len(lists) - 0.5)
        return _svg(figure)


def _by_year(rows: list[EstimateRow]) -> list[EstimateRow]:
    return [row for row in rows if row.year and row.shown]


def _axis(rows: list[EstimateRow], words: Strings) -> str:
    """"Year", or "Period" when the strata are spans of years ("2019-2025")."""
    return words("estimates", "period" if any("-" in row.year for row in rows) else "year")


def estimates_figure(rows: list[EstimateRow], words: Strings) -> str | None:
    """Each stored estimate by year (or period of years) with its 95% interval, methods side by
    side, over the documented count."""
    shown = _by_year(rows)
    if not shown:
        return None
    years = sorted({row.year for row in shown})
    methods = list(dict.fromkeys(row.method for row in shown))
    width = 0.8 / max(len(methods), 1)
    with _style():
        figure = Figure(figsize=(8, 4))
        axes = figure.subplots()
        x = {year: i for i, year in enumerate(years)}
        observed: dict[str, int] = {row.year: row.observed for row in shown}
        axes.bar(list(x.values()), [observed[year] for year in years], color="#cccccc",
                 width=0.9, label=words("estimates", "observed"))
        for k, method in enumerate(methods):
            mine = [row for row in shown if row.method == method]
            xs = [x[row.year] - 0.4 + width * (k + 0.5) for row in mine]
            ys = [row.estimate for row in mine]
            low = [row.estimate - (row.lower if row.lower is not None else row.estimate)
                   for row in mine]
            high = [(row.upper - row.estimate) if row.upper is not None else 0 for row in mine]
            colour = METHOD_COLOURS.get(method, COLOURS[(k + 3) % len(COLOURS)])
            axes.errorbar(xs, ys, yerr=[low, high], fmt="o", color=colour, capsize=2,
                          label=mine[0].label)
        axes.set_xticks(list(x.values()), years, rotation=90 if len(years) > 12 else 0)
        axes.set_xlabel(_axis(shown, words))
        axes.set_ylabel(words("estimates", "estimate"))
        axes.legend(fontsize=7, frameon=False)
        return _svg(figure)


def versus_figure(rows: list[EstimateRow], method: str, words: Strings) -> str | None:
    """Documented (solid) and estimated-but-undocumented (hatched) by year (or period) for one
    method."""
    mine = [row for row in _by_year(rows) if row.method == method]
    if not mine:
        return None
    with _style():
        figure = Figure(figsize=(8, 3.8))
        axes = figure.subplots()
        x = np.arange(len(mine))
        documented = np.array([row.observed for row in mine], dtype=float)
        hidden = np.array([max(row.estimate - row.observed, 0.0) for row in mine])
        axes.bar(x, documented, color=COLOURS[0], label=words("estimates", "observed"))
        axes.bar(x, hidden, bottom=documented, label=words("estimates", "estimate"), **HIDDEN)
        error: list[Any] = [[row.estimate - (row.lower or row.estimate) for row in mine],
                            [(row.upper - row.estimate) if row.upper else 0 for row in mine]]
        axes.errorbar(x, [row.estimate for row in mine], yerr=error, fmt="none",
                      color="#222222", capsize=3)
        axes.set_xticks(x, [row.year for row in mine], rotation=90 if len(x) > 12 else 0)
        axes.set_xlabel(_axis(mine, words))
        axes.legend(fontsize=7, frameon=False)
        return _svg(figure)
