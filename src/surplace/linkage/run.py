"""Linking lists held in files: role columns in, one cluster (person) per record out.

This is the store-free path behind ``surplace link``: each input frame is a list (a file), its
columns are mapped to roles, the records are checked (every problem named by list, row and
column, never by value), reduced to keys (:mod:`~surplace.linkage.features`), linked by the
Splink model (:mod:`~surplace.linkage.model`) and returned as clusters with a summary. Nothing
is written anywhere but in an in-memory DuckDB that disappears with the call (and, past its
memory limit, in a private spill folder removed with it: :mod:`~surplace.linkage.engine`).

Rows are numbered as a user sees them in a spreadsheet: the header is row 1, the first record
row 2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from surplace.errors import InvalidInput
from surplace.linkage.features import ROLES, build_features

if TYPE_CHECKING:
    from surplace.linkage.model import Kind
    from surplace.linkage.spark import Backend

#: Pairs below this probability are not kept from prediction (they are not candidates).
PREDICT_FLOOR = 0.05

#: Lower edges of the probability bands the summary counts pairs in (the last is the floor of
#: what prediction keeps).
BANDS = (0.99, 0.95, 0.9, 0.5, PREDICT_FLOOR)
#: (description, step, total steps) as the run goes.
ProgressCallback = Callable[[str, int, int], None]
#: Steps of a run of the surplace configuration (the plain one has no chain split: one less).
STEPS = 9


class LinkInputError(InvalidInput):
    """Input that cannot be linked; the message names the list, the row and the column."""


@dataclass(frozen=True)
class InputList:
    """One list to link: its name (the file name), its records, and role → column."""

    name: str
    frame: pd.DataFrame
    roles: Mapping[str, str]


@dataclass
class LinkSummary:
    records: int
    persons: int
    threshold: float
    #: "≥0.99", "0.95–0.99" … → number of scored pairs in the band.
    pairs_by_band: dict[str, int]
    #: (list, row, column, reason) of values read as missing.
    unreadable: list[tuple[str, int, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "persons": self.persons, "threshold": self.threshold,
                "pairs_by_band": self.pairs_by_band,
                "unreadable": [{"list": f, "row": r, "column": c, "reason": why}
                               for f, r, c, why in self.unreadable]}


@dataclass
class LinkResult:
    """``clusters``: record_id, cluster_id, match_probability_to_cluster (the strongest link
    from the record to another record of its cluster; missing for a record alone).
    ``pairs``: the scored pairs at or above the threshold (unique_id_l, unique_id_r,
    match_probability); the weaker ones are only counted (``summary.pairs_by_band``), which
    keeps a million records' pairs out of memory."""

    clusters: pd.DataFrame
    summary: LinkSummary
    pairs: pd.DataFrame


def _band_label(low: float, high: float | None) -> str:
    return f"≥{low:g}" if high is None else f"{low:g}–{high:g}"


def _role_frame(item: InputList) -> pd.DataFrame:
    unknown_roles = sorted(set(item.roles) - set(ROLES))
    if unknown_roles:
        raise LinkInputError(f"{item.name}: unknown role {unknown_roles[0]!r} (roles: "
                             f"{', '.join(ROLES)}).")
    for role, column in item.roles.items():
        if column not in item.frame.columns:
            raise LinkInputError(f"{item.name}: no column {column!r} (for role {role}); the "
                                 f"file has {', '.join(map(str, item.frame.columns))}.")
    if item.frame.empty:
        raise LinkInputError(f"{item.name}: the file has no records.")
    frame = pd.DataFrame({role: item.frame[column].to_numpy()
                          for role, column in item.roles.items()})
    rows = range(2, len(frame) + 2)
    if "record_id" in frame.columns:
        ids = frame["record_id"].astype("string").str.strip()
        blank = ids.isna() | (ids == "")
        if blank.any():
            row = rows[int(blank.to_numpy().nonzero()[0][0])]
            raise LinkInputError(f"{item.name}, row {row}, column "
                                 f"{item.roles['record_id']!r}: the record id is empty.")
        frame["record_id"] = ids
    else:
        frame["record_id"] = [f"{item.name}:{row}" for row in rows]
    if "source" not in frame.columns:
        frame["source"] = item.name
    frame["_list"] = item.name
    frame["_row"] = list(rows)
    return frame


def _check_ids(frame: pd.DataFrame, roles: Mapping[str, Mapping[str, str]]) -> None:
    repeated = frame[frame["record_id"].duplicated(keep=False)]
    if repeated.empty:
        return
    first_id = repeated["record_id"].iloc[0]
    where = repeated[repeated["record_id"] == first_id].head(2)
    (list_a, row_a), (list_b, row_b) = where[["_list", "_row"]].itertuples(index=False)
    column = roles[str(list_b)].get("record_id", "record_id")
    raise LinkInputError(f"{list_b}, row {row_b}, column {column!r}: record id {first_id!r} "
                         f"is already used ({list_a}, row {row_a}); ids must be unique.")


def link_frames(lists: Sequence[InputList], *, threshold: float = 0.9,
                kind: Kind = "surplace", progress: ProgressCallback | None = None,
                reference_year: int | None = None, backend: Backend = "duckdb") -> LinkResult:
    """Link the records of ``lists`` into persons at ``threshold`` (match probability), on
    Splink's ``backend`` (DuckDB in memory, or Spark: :mod:`surplace.linkage.spark`)."""
    if not 0 < threshold < 1:
        raise LinkInputError(f"threshold {threshold} must be between 0 and 1.")
    if not lists:
        raise LinkInputError("no list to link.")
    step = 0

    def note(stage: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(stage, step, STEPS if kind == "surplace" else STEPS - 1)

    note("reading names, dates and places")
    combined = pd.concat([_role_frame(item) for item in lists], ignore_index=True)
    _check_ids(combined, {item.name: item.roles for item in lists})
    features = build_features(combined, reference_year=reference_year)
    roles = {item.name: item.roles for item in lists}
    unreadable = [(name, int(combined.at[row, "_row"]), roles[name].get(role, role), reason)
                  for row, role, reason in features.problems
                  for name in [str(combined.at[row, "_list"])]]
    if len(combined) < 2:
        raise LinkInputError("at least two records are needed to link anything.")
    from surplace.linkage.model import fit_predict  # Splink and DuckDB load only to link

    fitted = fit_predict(features.table, kind=kind, threshold=threshold, progress=note,
                         floor=PREDICT_FLOOR, backend=backend, keep=threshold, bands=BANDS)
    pairs = fitted.pairs
    clusters = _clusters(combined["record_id"], fitted.clusters, pairs, threshold)
    bands: dict[str, int] = {}
    for index, low in enumerate(BANDS):
        high = BANDS[index - 1] if index else None
        above = fitted.at_least[high] if high is not None else 0
        bands[_band_label(low, high)] = fitted.at_least[low] - above
    note("done")
    summary = LinkSummary(records=len(combined), persons=int(clusters["cluster_id"].nunique()),
                          threshold=threshold, pairs_by_band=bands, unreadable=unreadable)
    return LinkResult(clusters=clusters, summary=summary, pairs=pairs)


def _clusters(record_ids: pd.Series, clustered: pd.DataFrame, pairs: pd.DataFrame,
              threshold: float) -> pd.DataFrame:
    """One row per record in input order, clusters renumbered P000001… by first record, and
    each record's strongest link within its cluster."""
    cluster_of = clustered.set_index("unique_id")["cluster_id"]
    raw = record_ids.map(cluster_of)
    numbers = {label: f"P{n:06d}" for n, label in enumerate(dict.fromkeys(raw), start=1)}
    strong = pairs[pairs["match_probability"] >= threshold]
    same = strong["unique_id_l"].map(cluster_of) == strong["unique_id_r"].map(cluster_of)
    strong = strong[same]
    best = pd.concat([
        strong[["unique_id_l", "match_probability"]].rename(columns={"unique_id_l": "id"}),
        strong[["unique_id_r", "match_probability"]].rename(columns={"unique_id_r": "id"}),
    ]).groupby("id")["match_probability"].max()
    return pd.DataFrame({"record_id": record_ids.to_numpy(),
                         "cluster_id": raw.map(numbers).to_numpy(),
                         "match_probability_to_cluster": record_ids.map(best).to_numpy()})
