"""Does a claim describe an act already documented? The score that keeps acts counted once.

Only acts of the same victim (the same person, as resolved before the claim arrives) and of the
same act type are compared at all: a forced return is never the same act as an arrest, and a
different person is a different act. Between such a pair the evidence is the date and the
place, and the score adds it up from a base of 0.5:

=========================  ======  ==============================================
date agreement             points  meaning
=========================  ======  ==============================================
day                        +0.40   both known to the day, within 7 days
month                      +0.30   overlapping at month precision (one or both)
year                       +0.15   overlapping only at year precision
unknown                    +0.10   one of the dates is unknown
incompatible               −0.50   more than 7 days apart
=========================  ======  ==============================================

=========================  ======  ==============================================
place agreement            points  meaning
=========================  ======  ==============================================
same                       +0.10   the same gazetteer place
province                   +0.05   both inside the same province
country                     0.00   one is the country the other lies in
unknown                     0.00   one place is not given
different                  −0.25   neither contains the other
=========================  ======  ==============================================

A score of at least ``AUTO_LINK`` (0.85) attaches the claim to the act at once: the same
person suffering the same kind of act on the same days (or in the same month and province)
twice is rarer than two witnesses describing one act. A score of at least ``REVIEW`` (0.55)
sends the pair to the review queue (a year-level date, an unknown date, the same days in
different places). Below that the claim describes an act of its own. Dates more than a week
apart always fall below ``REVIEW``: a person returned in March and again in June was returned
twice.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTO_LINK = 0.85
REVIEW = 0.55
BASE = 0.5
DATE_POINTS = {"day": 0.40, "month": 0.30, "year": 0.15, "unknown": 0.10, "incompatible": -0.50}
PLACE_POINTS = {"same": 0.10, "province": 0.05, "country": 0.0, "unknown": 0.0,
                "different": -0.25}


@dataclass(frozen=True)
class Score:
    value: float
    date: str
    place: str

    @property
    def verdict(self) -> str:
        """``link``, ``review`` or ``new``."""
        if self.value >= AUTO_LINK:
            return "link"
        return "review" if self.value >= REVIEW else "new"


def score(date_agreement: str, place_agreement: str) -> Score:
    """The score of a same-victim, same-type pair from how their dates and places agree."""
    value = BASE + DATE_POINTS[date_agreement] + PLACE_POINTS[place_agreement]
    return Score(round(min(1.0, max(0.0, value)), 4), date_agreement, place_agreement)

#: Link statuses under which a piece of information counts for its act: attached to an
#: existing act (``linked``) or the first to describe it (``new``). ``pending`` waits for review.
COUNTED = ("linked", "new")
