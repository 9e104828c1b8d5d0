"""Synthetic violations with the truth known: acts, the sources that saw them, their claims.

The generator draws ``n_acts`` acts (forced returns, arrests, detentions, torture …) against
synthetic persons, each with a type, a day, a province and a perpetrator unit. Each of a few
synthetic sources sees an act with its own probability, so some acts are seen by several
sources (all four at times, as a well-known return is), some by one, and some by none (those
are the undocumented acts estimation is for). The sources see acts independently and alike
(the persons' lists of :mod:`surplace.demo.organisations` are where dependence and
heterogeneity are simulated), so the acts' estimates are the scenario's control: their
intervals should cover the true count. Each sighting becomes a claim in the source's own
words: the day a few days off (within the same month) or only the month, the province, the
source's own grading. Some persons suffer more than one act, of one type or several; acts of
the same type against the same person lie at least two months apart, because the counting
rule would rightly take closer ones for the same act.

Everything here is invented; no record describes a real person or event.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surplace.access.policy import Actor
from surplace.demo import scenario
from surplace.incidents import claims
from surplace.incidents.schemas import ClaimOut
from surplace.records import service as records_service
from surplace.records.models import Source
from surplace.records.schemas import PersonIn

FIRST_DAY, LAST_DAY = date(2019, 1, 1), date(2024, 12, 31)
MIN_APART = timedelta(days=62)

#: act type: (weight, provinces, perpetrator unit, extension fields of its claims)
ACT_TYPES: dict[str, tuple[float, tuple[str, ...], str, dict[str, Any]]] = {
    "forced_return": (0.35, ("CN-JL", "CN-LN", "CN-HL"), "cn_border_police",
                      {"handed_to_unit": "kp_mss"}),
    "arrest": (0.18, ("CN-JL", "CN-LN", "CN-HL"), "cn_psb",
               {"detention_kind": "cn_police_cell"}),
    "arbitrary_detention": (0.14, ("KP-09", "KP-10", "KP-03"), "kp_mss",
                            {"detention_kind": "kp_jipkyulso"}),
    "torture": (0.10, ("KP-09", "KP-10", "KP-03", "KP-04"), "kp_mss", {}),
    "forced_abortion": (0.04, ("KP-09", "KP-10"), "kp_mosp", {}),
    "trafficking": (0.08, ("CN-JL", "CN-LN", "CN-HL"), "trafficker", {}),
    "extortion": (0.06, ("CN-JL", "CN-LN"), "cn_psb", {}),
    "execution": (0.02, ("KP-09", "KP-10"), "kp_mss", {}),
    "aid_worker_arrest": (0.03, ("CN-JL", "CN-LN"), "cn_mss",
                          {"detention_kind": "cn_detention_centre"}),
}


@dataclass(frozen=True)
class SyntheticSource:
    code: str
    kind: str
    reliability: str
    sees: float  # probability of seeing any one act
    credibility: tuple[int, ...]  # the grades its claims are given


SOURCES = (
    SyntheticSource("SYN-MONITOR", "organisation", "B", 0.50, (1, 2, 2, 3)),
    SyntheticSource("SYN-SHELTER", "list", "C", 0.40, (2, 3, 3)),
    SyntheticSource("SYN-CHURCH", "organisation", "B", 0.30, (2, 2, 3, 4)),
    SyntheticSource("SYN-INFORMANT", "informant", "D", 0.25, (3, 4, 5)),
)


@dataclass(frozen=True)
class TrueAct:
    number: int
    victim: int  # index into ``ViolationScenario.persons``
    act_type: str
    day: date
    province: str
    unit: str
    sources: tuple[str, ...]

    @property
    def documented(self) -> bool:
        return bool(self.sources)

    def value(self, dimension: str) -> str:
        """The act's value in a count dimension, spelt as the counts spell it."""
        return {"act_type": self.act_type, "year": str(self.day.year),
                "province": self.province, "perpetrator": self.unit}[dimension]


@dataclass(frozen=True)
class SyntheticClaim:
    act: int  # ``TrueAct.number``
    source: str
    victim: int
    act_type: str
    day: date
    precision: str
    province: str
    credibility: int
    connection: str
    extensions: dict[str, Any] = field(default_factory=dict)
    unit: str = "unknown"

    def row(self, pseudonyms: Sequence[str]) -> dict[str, Any]:
        """The claim as a file row or service input, naming the victim by pseudonym."""
        return {"source": self.source, "victim": pseudonyms[self.victim],
                "act_type": self.act_type, "date": self.day.isoformat(),
                "date_precision": self.precision, "place": self.province,
                "connection": self.connection, "credibility": self.credibility,
                "perpetrators": [{"unit": self.unit, "degree": "direct_perpetrator"}],
                **self.extensions}


@dataclass(frozen=True)
class ViolationScenario:
    persons: list[PersonIn]
    sources: tuple[SyntheticSource, ...]
    acts: list[TrueAct]
    claims: list[SyntheticClaim]

    def documented(self) -> list[TrueAct]:
        return [act for act in self.acts if act.documented]

    def truth(self, *dimensions: str) -> Counter[tuple[str, ...]]:
        """Documented acts counted by ``act_type``, ``year``, ``province`` or ``perpetrator``."""
        return Counter(tuple(act.value(d) for d in dimensions) for act in self.documented())


#: The scenario with no violations at all (``surplace demo --acts 0``).
NONE = ViolationScenario(persons=[], sources=(), acts=[], claims=[])


def _weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


def _day(rng: random.Random, taken: list[date]) -> date:
    span = (LAST_DAY - FIRST_DAY).days
    while True:
        day = FIRST_DAY + timedelta(days=rng.randrange(span + 1))
        if all(abs(day - other) >= MIN_APART for other in taken):
            return day


def _reported(rng: random.Random, day: date) -> tuple[date, str]:
    """A source's memory of the day: a few days off within the month, or only the month."""
    if rng.random() < 0.25:
        return day.replace(day=1), "month"
    shifted = day + timedelta(days=rng.randint(-3, 3))
    return (shifted if shifted.month == day.month and shifted <= LAST_DAY else day), "day"


def violations(n_acts: int, *, seed: int, victims: int | None = None) -> ViolationScenario:
    """``n_acts`` acts against ``victims`` persons (default four fifths of the acts)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible scenario, not a secret
    persons = list(scenario.persons(victims or max(1, n_acts * 4 // 5), seed=seed))
    weights = {name: spec[0] for name, spec in ACT_TYPES.items()}
    taken: dict[tuple[int, str], list[date]] = {}
    acts: list[TrueAct] = []
    sightings: list[SyntheticClaim] = []
    for number in range(n_acts):
        victim = rng.randrange(len(persons))
        act_type = _weighted(rng, weights)
        _, provinces, unit, extensions = ACT_TYPES[act_type]
        day = _day(rng, taken.setdefault((victim, act_type), []))
        taken[(victim, act_type)].append(day)
        seen = [source for source in SOURCES if rng.random() < source.sees]
        rng.shuffle(seen)  # kept so that a seed draws the same acts as it always did
        seen = sorted(seen, key=SOURCES.index)
        act = TrueAct(number, victim, act_type, day, rng.choice(provinces), unit,
                      tuple(source.code for source in seen))
        acts.append(act)
        for source in seen:
            reported, precision = _reported(rng, day)
            connection = "document" if source.kind == "list" else rng.choice(
                ("victim", "witness", "relative", "hearsay"))
            sightings.append(SyntheticClaim(
                act=number, source=source.code, victim=victim, act_type=act_type, day=reported,
                precision=precision, province=act.province,
                credibility=rng.choice(source.credibility), connection=connection,
                extensions=dict(extensions), unit=unit))
    rng.shuffle(sightings)
    return ViolationScenario(persons=persons, sources=SOURCES, acts=acts, claims=sightings)


def register_sources(session: Session, sources: Sequence[SyntheticSource]) -> None:
    """Add the synthetic sources that are not in the store yet."""
    known = set(session.scalars(select(Source.code)))
    for source in sources:
        if source.code not in known:
            session.add(Source(code=source.code, kind=source.kind,
                               reliability=source.reliability,
                               name=f"Synthetic source {source.code}"))
    session.flush()


def load(session: Session, *, actor: Actor, generated: ViolationScenario,
         on_each: Callable[[], None] | None = None) -> tuple[list[str], list[ClaimOut]]:
    """Register the persons and sources and add every claim through the counting rule;
    returns the persons' pseudonyms (by index) and each claim's outcome."""
    people = [records_service.register_person(session, actor=actor, data=person, flush=False)
              for person in generated.persons]
    session.flush()
    pseudonyms = [person.pseudonym for person in people]
    register_sources(session, generated.sources)
    rows = [(line, claim.row(pseudonyms)) for line, claim in enumerate(generated.claims, 1)]
    return pseudonyms, claims.add_claims(session, actor=actor, rows=rows, on_each=on_each)
