"""What the demo's results are judged against: the simulator's truth.

- :func:`linkage_quality`: the pairwise precision, recall and F1 of the store's persons against
  the true persons behind the imported records. A record is known to the truth by its row
  identity in its source (``Record.source_row``: the partner's case number, submission id …),
  which the scenario's truth is keyed by. Pairs are counted as the linkage literature counts
  them (every two records in one cluster are one pair), so a person split in two costs recall
  and two persons merged cost precision; a record that was not linked counts as alone.
- :class:`Comparison`: one stored estimate beside the true total of its stratum, and whether
  its 95% interval covers it.

Only ids, codes and counts are read here: nothing sealed is opened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.demo.truth import Scenario
from surplace.linkage.models import RecordPerson
from surplace.records.models import Record, Source


@dataclass(frozen=True)
class LinkageQuality:
    records: int  # imported records the truth knows
    true_persons: int
    found_persons: int
    true_pairs: int
    found_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def linkage_quality(session: Session, *, actor: Actor, scenario: Scenario) -> LinkageQuality:
    """Pairwise precision, recall and F1 of the linked persons against the truth."""
    require(actor, "aggregate.read")
    found: dict[str, str] = {}
    query = (select(Record.id, Record.source_row, Source.code)
             .join(Source, Source.id == Record.source_id))
    rows = [(rid, row, code) for rid, row, code in session.execute(query)
            if row is not None and row in scenario.truth
            and scenario.truth[row].organisation == code]
    links = {link.record_id: link.person_id for link in session.scalars(
        select(RecordPerson).where(RecordPerson.unlinked_at.is_(None)))}
    for record_id, _, _ in rows:
        found[record_id] = links.get(record_id, f"alone:{record_id}")
    true_of = {record_id: scenario.truth[row].person for record_id, row, _ in rows}
    together = Counter((true_of[r], found[r]) for r in true_of)
    return LinkageQuality(
        records=len(true_of), true_persons=len(set(true_of.values())),
        found_persons=len(set(found.values())), true_pairs=_pairs(Counter(true_of.values())),
        found_pairs=_pairs(Counter(found.values())), correct_pairs=_pairs(together))


@dataclass(frozen=True)
class Comparison:
    """One stored estimate and the truth of its stratum."""

    subject: str  # persons or acts
    stratum: str  # "period=2005-2011, province=CN-JL", or "all" for every year and place
    method: str
    observed: int
    estimate: float
    lower: float | None
    upper: float | None
    truth: int

    @property
    def covered(self) -> bool:
        low = self.lower if self.lower is not None else self.observed
        return low <= self.truth and (self.upper is None or self.truth <= self.upper)

    @property
    def relative_error(self) -> float:
        return (self.estimate - self.truth) / self.truth if self.truth else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "covered": self.covered,
                "relative_error": round(self.relative_error, 4)}
