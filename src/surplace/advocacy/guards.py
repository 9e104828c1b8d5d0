"""The status history is append-only, in the store itself rather than only in the service.

A judgement of how far a state implemented a recommendation is evidence of what was known and
believed when: changing or removing one would rewrite the record an advocate relies on. The
ORM refuses to update or delete a ``RecommendationStatus`` row (the same mechanism keeps
records immutable in :mod:`surplace.records.models`); a new judgement is a new row.
"""

from __future__ import annotations

from sqlalchemy import Connection, event
from sqlalchemy.orm import Mapper

from surplace.advocacy.exceptions import HistoryIsAppendOnly
from surplace.advocacy.models import RecommendationStatus


@event.listens_for(RecommendationStatus, "before_update")
def _no_update(mapper: Mapper[RecommendationStatus], connection: Connection,
               target: RecommendationStatus) -> None:
    raise HistoryIsAppendOnly("status judgement", target.id)


@event.listens_for(RecommendationStatus, "before_delete")
def _no_delete(mapper: Mapper[RecommendationStatus], connection: Connection,
               target: RecommendationStatus) -> None:
    raise HistoryIsAppendOnly("status judgement", target.id)
