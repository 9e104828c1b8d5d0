"""Indicators computed from the store: documented acts of some types since a recommendation.

The counting is the incidents domain's (:func:`surplace.incidents.counts.count_acts`: an act
counts once however many sources describe it, and only once a source documents it), broken
down by year. Years after the recommendation's count whole; in the recommendation's own year
each act's date is read (through the incidents service) and compared as the interval its
precision implies (:mod:`surplace.incidents.dates`): an act known only to "March 2013" is
neither before nor after 15 March 2013, so it is reported as ``uncertain`` rather than counted.
An indicator saying "since" must not hold acts that may be older; the uncertain and undated
ones are shown beside it so nothing is silently dropped.

Counting needs ``aggregate.read`` (the counts service checks it): a viewer may read a
recommendation and its status but not the figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.advocacy.catalogue import Indicator
from surplace.advocacy.schemas import IndicatorOut
from surplace.incidents import counts
from surplace.incidents import dates as incident_dates
from surplace.incidents import service as incident_service

UNKNOWN = counts.UNKNOWN


def compute(session: Session, *, actor: Actor, indicator: Indicator, since: dt.date | None,
            until: int | None = None, province: str | None = None,
            language: str = "en") -> IndicatorOut:
    """Documented acts of the indicator's types from ``since`` (all dated acts when None) up
    to the end of year ``until``, optionally in one province."""
    by_year: Counter[str] = Counter()
    uncertain = undated = 0
    act_ids: list[str] = []
    for act_type in indicator.act_types:
        found = counts.count_acts(session, actor=actor, by=("year",), act_type=act_type,
                                  province=province)
        for row in found.rows:
            year = row.key["year"]
            if year == UNKNOWN:
                undated += row.acts
                continue
            if until is not None and int(year) > until:
                continue
            if since is None or int(year) > since.year:
                by_year[year] += row.acts
                act_ids.extend(row.act_ids)
            elif int(year) == since.year:
                for act_id in row.act_ids:
                    where = _placed(session, act_id, since)
                    if where == "after":
                        by_year[year] += 1
                        act_ids.append(act_id)
                    elif where == "straddles":
                        uncertain += 1
    return IndicatorOut(
        code=indicator.code, label=indicator.label(language),
        act_types=list(indicator.act_types), since=since, until=until, province=province,
        value=sum(by_year.values()), by_year=dict(sorted(by_year.items())),
        uncertain=uncertain, undated=undated, act_ids=sorted(act_ids))


def _placed(session: Session, act_id: str, since: dt.date) -> str:
    """Whether an act lies on or ``after`` the date, ``before`` it, or ``straddles`` it."""
    act = incident_service.get_act(session, act_id)
    interval = incident_dates.span(act.act_date, act.date_precision)
    if interval is None:
        return "straddles"
    if interval.start >= since:
        return "after"
    if interval.end < since:
        return "before"
    return "straddles"
