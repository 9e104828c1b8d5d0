"""Capture histories of linked persons by period and province of hiding: what the demo estimates.

Why this adapter: :func:`surplace.linkage.histories.person_capture_histories` stratifies by
the record's event year and by the person's *origin* province (the clear ``origin_province``
column: their home province in the North), while the hidden total the demo estimates is by
where people hid in China and over periods of several years (a year alone is too small a
stratum for seven lists of a few thousand people). The province of hiding is the record's
``event_province``, which lives in the sealed payload, so it is read here, in an unlocked
session as any reading of a payload is (each read audited; only the province is kept, and
only counts leave this module).

What a person's strata are: every (period, province) in which some list recorded them — a
record counts in the period of its event year and the province of its event. A record with
no province (a list that left it empty) takes the province the person's other records give
in that period, else in any period (the most frequent; ties to the first in code order); a
record with neither a year nor a province anywhere in its person's records cannot be placed
and is counted in ``unplaced``. A person is captured in a stratum by the lists whose records
place them there. For a period over every province (:data:`ALL`, what the report draws), a
person counts once, captured by every list that recorded them somewhere in China then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from surplace.access.policy import Actor, require
from surplace.estimation.histories import CaptureHistories, histories_from_frame
from surplace.linkage.models import RecordPerson
from surplace.records.models import Record, Source

#: The demo's periods (label, first year, last year): seven years each, 1998–2025.
PERIODS: tuple[tuple[str, int, int], ...] = (
    ("1998-2004", 1998, 2004), ("2005-2011", 2005, 2011), ("2012-2018", 2012, 2018),
    ("2019-2025", 2019, 2025))
PROVINCES = ("CN-JL", "CN-LN", "CN-HL")
#: The province of a stratum over every province.
ALL = "all"
COUNT = "count"


@dataclass
class StrataTable:
    """Counts of linked persons by stratum and capture pattern (columns ``period``,
    ``province``, one 0/1 column per list, ``count``), and the records left out."""

    frame: pd.DataFrame
    lists: list[str]
    unplaced: int = 0
    imputed: int = 0
    strata: list[tuple[str, str]] = field(default_factory=list)  # (period, province or ALL)

    def histories(self, period: str, province: str) -> CaptureHistories | None:
        """The stratum's histories (see :func:`stratum_histories`)."""
        return stratum_histories(self.frame, self.lists, period=period, province=province)


def stratum_histories(frame: pd.DataFrame, lists: Sequence[str],
                      **stratum: str) -> CaptureHistories | None:
    """The histories of the rows whose stratum columns have the values given, over the lists
    that recorded someone in that stratum (a list with nobody in a stratum says nothing about
    it: it did not work there then), or None when fewer than two lists did."""
    rows = frame
    for column, value in stratum.items():
        rows = rows[rows[column].astype(str) == value]
    active = [code for code in lists if int((rows[code] * rows[COUNT]).sum()) > 0]
    if len(active) < 2:
        return None
    label = ", ".join(f"{column}={value}" for column, value in stratum.items())
    return histories_from_frame(rows[[*active, COUNT]], lists=active, count_column=COUNT,
                                label=label)


def period_of(year: int, periods: Sequence[tuple[str, int, int]] = PERIODS) -> str | None:
    for label, first, last in periods:
        if first <= year <= last:
            return label
    return None


def _majority(values: Counter[str]) -> str | None:
    if not values:
        return None
    top = max(values.values())
    return min(value for value, n in values.items() if n == top)


def person_strata(session: Session, *, actor: Actor,
                  periods: Sequence[tuple[str, int, int]] = PERIODS,
                  provinces: Sequence[str] = PROVINCES) -> StrataTable:
    """Linked persons by (period, province of hiding) and the lists holding their records
    there (see the module docstring). Reads each linked record's sealed payload."""
    require(actor, "aggregate.read")
    require(actor, "identity.read")  # the payload is opened for its event province
    newer = aliased(Record)
    superseded = exists().where(newer.supersedes_id == Record.id)
    query = (select(RecordPerson.person_id, Source.code, Record)
             .join(Record, Record.id == RecordPerson.record_id)
             .join(Source, Source.id == Record.source_id)
             .where(RecordPerson.unlinked_at.is_(None), ~superseded))
    known = set(provinces)
    sightings: dict[str, list[tuple[str | None, str | None, str]]] = defaultdict(list)
    codes: set[str] = set()
    for person_id, code, record in session.execute(query):
        payload = record.payload if isinstance(record.payload, dict) else {}
        province = payload.get("event_province")
        period = None if record.event_year is None else period_of(record.event_year, periods)
        sightings[person_id].append((period, province if province in known else None, code))
        codes.add(code)
    lists = sorted(codes)
    patterns: Counter[tuple[str, str, tuple[int, ...]]] = Counter()
    unplaced = imputed = 0
    for seen in sightings.values():
        by_period: dict[str, Counter[str]] = defaultdict(Counter)
        overall: Counter[str] = Counter()
        for period, province, _ in seen:
            if province is not None:
                overall[province] += 1
                if period is not None:
                    by_period[period][province] += 1
        held: dict[tuple[str, str], set[str]] = defaultdict(set)
        for period, province, code in seen:
            if period is None:
                unplaced += 1
                continue
            if province is None:
                province = _majority(by_period[period]) or _majority(overall)
                if province is None:
                    unplaced += 1
                    continue
                imputed += 1
            held[(period, province)].add(code)
        whole: dict[str, set[str]] = defaultdict(set)
        for (period, province), holders in held.items():
            patterns[(period, province, tuple(int(c in holders) for c in lists))] += 1
            whole[period] |= holders
        for period, holders in whole.items():
            patterns[(period, ALL, tuple(int(c in holders) for c in lists))] += 1
    rows = [(period, province, *pattern, count)
            for (period, province, pattern), count in sorted(patterns.items())]
    frame = pd.DataFrame(rows, columns=["period", "province", *lists, COUNT])
    strata = [(label, province) for label, _, _ in periods for province in (*provinces, ALL)]
    return StrataTable(frame=frame, lists=lists, unplaced=unplaced, imputed=imputed,
                       strata=strata)
