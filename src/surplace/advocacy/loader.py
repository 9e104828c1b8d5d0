"""Adding catalogued recommendations to a store (the demo loads Human Rights Watch's four).

Loading is idempotent: a code already in the store is left as it is (its history belongs to
the people who judged it), so the demo or an administrator may run it again safely. A newly
added recommendation gets the catalogue's status judgement, when the catalogue gives one,
recorded as the acting user's with the catalogue's reasons and their verification marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from surplace.access.policy import Actor, require
from surplace.advocacy import catalogue, service
from surplace.advocacy.exceptions import RecommendationNotFound
from surplace.advocacy.schemas import RecommendationIn, StatusIn


@dataclass
class Loaded:
    added: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)


def load_catalogue(session: Session, *, actor: Actor, path: Path,
                   with_status: bool = True) -> Loaded:
    require(actor, "advocacy.write")
    found = catalogue.catalogue(path)
    source = found.source
    outcome = Loaded()
    for entry in found.recommendation:
        try:
            service.show_recommendation(session, actor=actor, code=entry.code)
            outcome.already_present.append(entry.code)
            continue
        except RecommendationNotFound:
            pass
        service.add_recommendation(session, actor=actor, data=RecommendationIn(
            code=entry.code, addressee=source.addressee, issuer=source.issuer,
            issued_on=source.date, text=entry.en))
        outcome.added.append(entry.code)
        if with_status and entry.status is not None and entry.reason is not None:
            service.record_status(session, actor=actor, code=entry.code,
                                  data=StatusIn(status=entry.status, reason=entry.reason))
            outcome.judged.append(entry.code)
    return outcome


def load_hrw(session: Session, actor: Actor, *, with_status: bool = True) -> Loaded:
    """Human Rights Watch's four recommendations to China (``recommendations_hrw.toml``)."""
    return load_catalogue(session, actor=actor, path=catalogue.HRW_FILE,
                          with_status=with_status)
