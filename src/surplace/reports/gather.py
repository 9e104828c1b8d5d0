"""What a report says, read from the store through the domains' own functions.

Only aggregates are read: counts of documented acts (:mod:`surplace.incidents.counts`), their
capture histories over sources, linked persons' histories (when the linkage domain provides
them), stored estimates (:mod:`surplace.estimation.runs`), recommendations with their status,
evidence and indicators (:mod:`surplace.advocacy.service`), source codes, kinds and grades, and
the latest linkage run's counts and settings. Nothing here opens a sealed field, so making a
report decrypts no identity; every count table is suppressed (:mod:`.disclosure`) before it
leaves this module.
"""

from __future__ import annotations

import importlib
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.errors import InvalidInput
from surplace.estimation import runs
from surplace.incidents import counts
from surplace.linkage.models import LinkPair, LinkRun
from surplace.records import sources as record_sources
from surplace.records.gazetteer import resolve_place
from surplace.reports.disclosure import TOTAL, Published, suppress

UNKNOWN = counts.UNKNOWN
REGIONS_FILE = Path(__file__).with_name("regions.toml")
#: The methods a report shows, the preferred first. The latent-class model kept its intervals'
#: coverage under heterogeneous and dependent capture where the others lost it
#: (benchmarks/estimation_coverage.py); dga under dependence; the log-linear model next; the
#: two-list estimators last, since they assume independent lists. Pairwise two-list
#: estimates, Chao's lower bound and Rcapture's closed-population models stay on the
#: estimates page: side by side in a briefing they would drown the figures.
PREFERENCE = ("lcmcr", "dga", "loglinear", "chapman", "lincoln-petersen")


@dataclass(frozen=True)
class Scope:
    start: int | None
    end: int | None
    region: str | None  # the province's ISO 3166-2 (or gazetteer) code
    region_names: dict[str, str]
    threshold: int

    def years(self) -> list[str]:
        if self.start is None or self.end is None:
            return []
        return [str(year) for year in range(self.start, self.end + 1)]

    def covers(self, year: str) -> bool:
        """Whether a year ("2021") or a span of years ("2019-2025", a stratum of several years)
        lies within the period; "unknown" or nothing never does."""
        span = span_of(year)
        if span is None:
            return False
        return self.start is None or self.end is None or (
            self.start <= span[0] and span[1] <= self.end)


def span_of(label: str) -> tuple[int, int] | None:
    """``"2021"`` → (2021, 2021), ``"2019-2025"`` → (2019, 2025); None for anything else."""
    first, _, last = label.partition("-")
    if not first.isdigit() or not (last or first).isdigit():
        return None
    return int(first), int(last or first)


@dataclass
class Overlap:
    lists: list[str]
    #: Published combinations, largest first: (the sources, the count).
    published: list[tuple[tuple[str, ...], int]]
    #: How many combinations were gathered as "other" (each hidden).
    hidden: int
    total: int | None
    suppressed: int


@dataclass
class EstimateRow:
    id: str
    subject: str
    year: str  # "2021", a span of years "2019-2025" (a period stratum), or "" for every year
    province: str  # "" for a row over every province
    method: str
    label: str
    observed: int
    estimate: float
    lower: float | None
    upper: float | None
    shown: bool  # False when it rests on too few documented cases or could reveal a cell
    hidden_because: str = ""  # "small" or "linked" when not shown


@dataclass
class ReportData:
    scope: Scope
    types_by_year: Published
    undated: int
    provinces: Published
    province_names: dict[str, dict[str, str]]
    acts_overlap: Overlap | None
    persons_overlap: Overlap | None
    estimates: list[EstimateRow]
    estimation_settings: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    sources: list[record_sources.SourceOut]
    link_run: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> int:
        overlaps = [o.suppressed for o in (self.acts_overlap, self.persons_overlap) if o]
        return self.types_by_year.suppressed + self.provinces.suppressed + sum(overlaps)


def resolve_scope(session: Session, *, period: tuple[int, int] | None, region: str | None,
                  threshold: int) -> Scope:
    """The period (as given; filled from the data later when not) and the region's province."""
    if region is None or not region.strip():
        return Scope(None if period is None else period[0],
                     None if period is None else period[1], None, {}, threshold)
    with REGIONS_FILE.open("rb") as handle:
        retired = tomllib.load(handle)["retired_iso_3166_2"]
    wanted = retired.get(region.strip().upper(), region.strip())
    place = resolve_place(session, wanted, field="region")
    if place.level != "province":
        raise InvalidInput(f"region: {region!r} is a {place.level}; give a province (e.g. "
                           "CN-JL or CN-22 for Jilin).")
    names = {"en": place.name_en, "ko": place.name_ko or place.name_en}
    return Scope(None if period is None else period[0], None if period is None else period[1],
                 place.iso_3166_2 or place.code, names, threshold)


def _years_seen(session: Session, actor: Actor, scope: Scope) -> tuple[int, int] | None:
    years = [int(row.key["year"]) for row in counts.count_acts(
        session, actor=actor, by=("year",), province=scope.region).rows
             if row.key["year"] != UNKNOWN]
    for row in _estimate_runs(session, actor):
        if row.province == (scope.region or "") and (span := span_of(row.year)) is not None:
            years += span
    return (min(years), max(years)) if years else None


def with_period(session: Session, actor: Actor, scope: Scope) -> Scope:
    """The scope with the period filled from the documented years when none was given."""
    if scope.start is not None:
        return scope
    seen = _years_seen(session, actor, scope)
    if seen is None:
        return scope
    return Scope(seen[0], seen[1], scope.region, scope.region_names, scope.threshold)


def types_by_year(session: Session, actor: Actor, scope: Scope) -> tuple[Published, int]:
    """Documented acts by type × year in the period and region, suppressed; and how many
    acts have no known year."""
    found = counts.count_acts(session, actor=actor, by=("act_type", "year"),
                              province=scope.region)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    undated = 0
    for row in found.rows:
        act_type, year = row.key["act_type"], row.key["year"]
        if year == UNKNOWN:
            undated += row.acts
        elif scope.covers(year):
            cells[(act_type, year)] += row.acts
    types = sorted({key[0] for key in cells},
                   key=lambda name: -sum(v for k, v in cells.items() if k[0] == name))
    # From the first to the last year with a documented act: a period widened by estimates of
    # earlier years (people in hiding since 1998, say) would otherwise draw decades of zeros.
    dated = sorted({int(key[1]) for key in cells})
    years = [year for year in scope.years() if dated and dated[0] <= int(year) <= dated[-1]] \
        if scope.years() else [str(year) for year in dated]
    frame = pd.DataFrame(0, index=types, columns=years, dtype="int64")
    for (act_type, year), value in cells.items():
        frame.loc[act_type, year] = value
    return suppress(frame, scope.threshold), undated


def by_province(session: Session, actor: Actor, scope: Scope
                ) -> tuple[Published, dict[str, dict[str, str]]]:
    """Documented acts by province in the period, suppressed, with the provinces' names."""
    found = counts.count_acts(session, actor=actor, by=("province", "year"),
                              province=scope.region)
    totals: dict[str, int] = defaultdict(int)
    for row in found.rows:
        if scope.covers(row.key["year"]):
            totals[row.key["province"]] += row.acts
    ranked = sorted(totals, key=lambda code: (-totals[code], code))
    names: dict[str, dict[str, str]] = {}
    for code in ranked:
        if code == UNKNOWN:
            continue
        try:
            place = resolve_place(session, code, field="province")
            names[code] = {"en": place.name_en, "ko": place.name_ko or place.name_en}
        except InvalidInput:
            names[code] = {"en": code, "ko": code}
    series = pd.Series({code: totals[code] for code in ranked}, dtype="int64")
    return suppress(series, scope.threshold), names


def derivable_sum(table: Published, types: Iterable[str], years: list[str]) -> int | None:
    """Acts of ``types`` in ``years`` as anyone could add them up from the published table, or
    None when they cannot: a figure linked to the table (an indicator, an estimate's documented
    count) is published only if it tells nothing the table does not, or it could undo the
    table's suppression. A type's share is derivable when its cells in those years are all
    published, or its row total and all its other cells are."""
    total = 0
    for act_type in types:
        if act_type not in table.rows:
            continue  # no act of this type in the period: a true zero
        inside = [table.get(act_type, year) for year in years]
        if all(cell is not None for cell in inside):
            total += sum(cell or 0 for cell in inside)
            continue
        row_total = table.get(act_type, TOTAL)
        outside = [table.get(act_type, year) for year in table.columns if year not in years]
        if row_total is None or any(cell is None for cell in outside):
            return None
        total += row_total - sum(cell or 0 for cell in outside)
    return total


def _overlap(patterns: dict[tuple[str, ...], int], lists: list[str], threshold: int
             ) -> Overlap | None:
    if len(lists) < 2 or not patterns:
        return None
    labels = {combination: "+".join(combination) for combination in patterns}
    series = pd.Series({labels[c]: n for c, n in patterns.items()}, dtype="int64")
    published = suppress(series, threshold)
    shown = [(c, published.get(labels[c])) for c in patterns]
    kept = sorted(((c, n) for c, n in shown if n is not None), key=lambda item: -item[1])
    return Overlap(lists=lists, published=kept, hidden=len(shown) - len(kept),
                   total=published.get("total"), suppressed=published.suppressed)


def acts_overlap(session: Session, actor: Actor, scope: Scope) -> Overlap | None:
    """Documented acts by the combination of sources that document them (year by year when a
    period is set, since capture histories filter one year at a time)."""
    frames = ([counts.capture_histories(session, actor=actor, year=int(year),
                                        province=scope.region) for year in scope.years()]
              if scope.years() else
              [counts.capture_histories(session, actor=actor, province=scope.region)])
    return _overlap(*_patterns(frames), threshold=scope.threshold)


def _patterns(frames: list[pd.DataFrame]) -> tuple[dict[tuple[str, ...], int], list[str]]:
    patterns: dict[tuple[str, ...], int] = defaultdict(int)
    lists: set[str] = set()
    for frame in frames:
        codes = [c for c in frame.columns if c not in ("count", "year", "province", "sex")]
        lists.update(codes)
        for _, row in frame.iterrows():
            combination = tuple(code for code in codes if int(row[code]) == 1)
            if combination:
                patterns[combination] += int(row["count"])
    return dict(patterns), sorted(lists)


def persons_overlap(session: Session, actor: Actor, scope: Scope) -> Overlap | None:
    """Linked persons by the sources whose records they hold, over every year (in the region's
    province, by each person's most frequent one), when the linkage domain gives their capture
    histories (``surplace.linkage.histories``); None otherwise."""
    try:
        module = importlib.import_module("surplace.linkage.histories")
    except ImportError:
        return None
    # Over every year: split by year, a person seen in two years would count twice, once per
    # year, and the combination of sources that holds them would be lost.
    strata = ["province"] if scope.region is not None else []
    frame: pd.DataFrame = module.person_capture_histories(session, actor=actor, sources=None,
                                                          strata=strata)
    if frame.empty:
        return None
    if "province" in frame.columns:
        frame = frame[frame["province"].astype(str) == str(scope.region)]
    return _overlap(*_patterns([frame]), threshold=scope.threshold)


def _estimate_runs(session: Session, actor: Actor) -> list[EstimateRow]:
    """Every stored estimate whose stratum is a year or a period of years, a province, both or
    neither (per-type estimates are left to the estimates page), newest first."""
    found: list[EstimateRow] = []
    offset = 0
    while True:
        page = runs.list_runs(session, actor=actor, limit=runs.MAX_LIMIT, offset=offset)
        for run in page:
            if (set(run.stratum) - {"year", "period", "province"} or {"year", "period"}
                    <= set(run.stratum) or run.subject not in runs.SUBJECTS
                    or run.method not in PREFERENCE):
                continue
            found.append(EstimateRow(
                id=run.id, subject=run.subject,
                year=str(run.stratum.get("year", run.stratum.get("period", ""))),
                province=str(run.stratum.get("province", "")), method=run.method,
                label=run.label, observed=run.observed, estimate=run.estimate,
                lower=run.lower, upper=run.upper, shown=True))
        if len(page) < runs.MAX_LIMIT:
            return found
        offset += runs.MAX_LIMIT


def estimates(session: Session, actor: Actor, scope: Scope) -> list[EstimateRow]:
    """The newest stored estimate per subject, year and method in the period and region (the
    region's own strata when a region is set, the unstratified-by-place ones otherwise); those
    resting on fewer documented cases than the threshold are marked not to be shown."""
    chosen: dict[tuple[str, str, str], EstimateRow] = {}
    for row in _estimate_runs(session, actor):
        if row.province != (scope.region or ""):
            continue
        if row.year and not scope.covers(row.year):
            continue
        chosen.setdefault((row.subject, row.year, row.method), row)
    rows = sorted(chosen.values(), key=lambda r: (r.subject, r.year or "9999", _rank(r.method)))
    for row in rows:
        row.shown = row.observed >= scope.threshold
        row.hidden_because = "" if row.shown else "small"
    return rows


def link_to_table(rows: list[EstimateRow], table: Published, *, undated: int,
                  threshold: int) -> None:
    """Hide an estimate of acts whose documented count could undo the table's suppression.

    An estimate for a year counted that year's documented acts, which is the year's total in
    the table; one over every year counted the table's grand total and the undated acts. The
    estimate is shown only if that total is published and its documented count equals it or
    differs from it by at least the threshold (the store may have changed since): otherwise
    the count, and often the lower bound, would tell a hidden total or a small difference.
    """
    for row in rows:
        if row.subject != "acts":
            continue
        if row.year:
            if row.year not in table.columns:
                continue
            total = table.get(TOTAL, row.year)
        else:
            grand = table.get(TOTAL, TOTAL)
            total = None if grand is None else grand + undated
        if row.shown and (total is None or 0 < abs(row.observed - total) < threshold):
            row.shown, row.hidden_because = False, "linked"


def link_to_total(rows: list[EstimateRow], subject: str, total: int | None, *,
                  threshold: int) -> None:
    """The same for estimates over every year of ``subject`` against a published total (the
    linked persons' overlap table): hidden when the total is, or when they differ by less than
    the threshold."""
    for row in rows:
        if row.subject == subject and not row.year and row.shown and (
                total is None or 0 < abs(row.observed - total) < threshold):
            row.shown, row.hidden_because = False, "linked"


def _rank(method: str) -> int:
    return PREFERENCE.index(method) if method in PREFERENCE else len(PREFERENCE)


def preferred(rows: list[EstimateRow]) -> str | None:
    """The preferred method among those estimated for every year shown (see PREFERENCE)."""
    methods = {row.method for row in rows if row.year and row.shown}
    return min(methods, key=_rank) if methods else None


def estimation_settings(session: Session, actor: Actor,
                        rows: list[EstimateRow]) -> list[dict[str, Any]]:
    """For each method in the report, the newest estimate's seed, interval, remarks and the
    method's scalar settings (criterion, chains …), from the stored details."""
    out = []
    seen: set[tuple[str, str]] = set()
    for row in sorted(rows, key=lambda r: (r.subject, _rank(r.method))):
        if (row.subject, row.method) in seen:
            continue
        seen.add((row.subject, row.method))
        run = runs.get_run(session, actor=actor, run_id=row.id)
        out.append({"subject": row.subject, "method": row.method, "label": run.label,
                    "seed": run.seed, "settings": _settings(session, actor, row.id),
                    "diagnostics": sorted(set(run.diagnostics))[:6]})
    return out


def _settings(session: Session, actor: Actor, run_id: str) -> dict[str, str]:
    """The method's own settings, scalars only (a ranking of models is the estimates page's).
    The runs service does not return them, so they are read from the row's details here."""
    require(actor, "aggregate.read")
    from surplace.estimation.models import EstimateRun

    row = session.get(EstimateRun, run_id)
    details = {} if row is None else (row.details or {})
    out = {"interval": str(details["interval"])} if details.get("interval") else {}
    method = details.get("method_details") or {}
    for key, value in method.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": _text(v) for k, v in value.items()
                        if isinstance(v, str | int | float | bool)})
        elif isinstance(value, str | int | float | bool):
            out[key] = _text(value)
    return dict(list(out.items())[:12])


def _text(value: str | int | float | bool) -> str:
    """A setting as a reader sees it: floats to four significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def sources(session: Session, actor: Actor, codes: list[str]) -> list[record_sources.SourceOut]:
    """The sources' codes, kinds and grades (no sealed field); only the codes seen in the
    counts when the reader may not list sources."""
    if actor.can("source.read"):
        return record_sources.list_sources(session, actor=actor)
    return [record_sources.SourceOut(id="", code=code, kind="", reliability=None)
            for code in codes]


def link_run(session: Session, actor: Actor) -> dict[str, Any] | None:
    """The latest finished linkage run's counts, thresholds and settings, and how many pairs
    wait for review. The linkage domain has no listing of runs; its tables hold no identity
    (settings and parameters describe columns, never values)."""
    require(actor, "aggregate.read")
    run = session.scalars(select(LinkRun).where(LinkRun.finished_at.is_not(None))
                          .order_by(LinkRun.finished_at.desc(), LinkRun.id).limit(1)).first()
    if run is None:
        return None
    pending = session.scalar(select(func.count()).select_from(LinkPair)
                             .where(LinkPair.status == "pending")) or 0
    labels = (run.settings or {}).get("labels", {})
    return {"finished": run.finished_at, "mode": run.mode, "records": run.records,
            "persons": run.persons, "lower": run.lower_threshold, "upper": run.upper_threshold,
            "bands": dict(run.pairs_by_band or {}), "pending": int(pending),
            "labels": {key: labels[key] for key in ("accepted", "rejected") if key in labels}}
