"""One small demo store per back end, built once for the module from the demo's own pieces
(synthetic persons, sources and documented violations through ``violations.load``), with
estimates stored through the estimation domain's runs service, Human Rights Watch's
recommendations, a judgement, evidence and a linkage run; and both editions of the report made
from it. Everything in it is synthetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

import surplace.schema  # noqa: F401 - every table, as the store's users see them
from surplace.access.models import User
from surplace.access.policy import Actor
from surplace.advocacy import loader
from surplace.advocacy import service as advocacy
from surplace.config import Settings
from surplace.demo import violations
from surplace.estimation import runs
from surplace.estimation.models import EstimateRun
from surplace.incidents import service as incidents
from surplace.linkage.models import LinkRun
from surplace.records import gazetteer
from surplace.records.schemas import PersonIn
from surplace.reports import service
from surplace.reports.schemas import ReportOut
from surplace.store.base import utcnow
from surplace.store.engine import Store
from surplace.vault.service import Unlocked
from tests.conftest import BACKENDS, backend_settings, unlocked_store

ACTS = 240
SEED = 2013
YEARS = range(2019, 2025)


@dataclass
class Built:
    backend: str
    settings: Settings
    store: Store
    unlocked: Unlocked
    persons: list[PersonIn]
    staff: dict[str, Actor] = field(default_factory=dict)
    reports: dict[str, ReportOut] = field(default_factory=dict)


def _fill(unlocked: Unlocked) -> tuple[list[PersonIn], dict[str, Actor]]:
    generated = violations.violations(ACTS, seed=SEED)
    staff: dict[str, Actor] = {}
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        for role in ("researcher", "analyst", "viewer", "caseworker"):
            user = User(name=f"{role}-1", role=role)
            session.add(user)
            session.flush()
            staff[role] = Actor(user.id, user.name, role)
        violations.load(session, actor=unlocked.actor, generated=generated)
    admin = unlocked.actor
    with unlocked.session() as session:
        stored = [runs.run_from_store(session, actor=admin, subject="acts", method="dga",
                                      year=year, seed=SEED)[0] for year in YEARS]
        runs.run_from_store(session, actor=admin, subject="acts", method="loglinear", seed=SEED)
        # An estimate resting on fewer documented acts than the threshold: not to be shown.
        session.add(EstimateRun(subject="acts", stratum={"year": 2019}, lists=["A", "B"],
                                method="chapman", observed=3, estimate=4.0, lower=3.0,
                                upper=9.0, details={"label": "Chapman (A, B)"}))
        session.add(LinkRun(actor_id=admin.user_id, finished_at=utcnow(), mode="full",
                            lower_threshold=0.5, upper_threshold=0.95, records=120,
                            persons=97, settings={"labels": {"accepted": 2, "rejected": 1}},
                            pairs_by_band={"≥0.95": 30, "0.5–0.95": 4, "0.2–0.5": 11}))
    with unlocked.session() as session:
        loader.load_hrw(session, admin)
        researcher = staff["researcher"]
        returns = incidents.list_incidents(session, actor=admin, act_type="forced_return",
                                           limit=1)
        acts = incidents.show_incident(session, actor=admin, incident_id=returns[0].id).act_list
        act_id = acts[0].id
        advocacy.record_status(session, actor=researcher, code="HRW-2013-1", data={
            "status": "not_implemented",
            "reason": "Synthetic returns were documented in every year of the period."})
        for kind, object_id in (("act", act_id), ("incident", returns[0].id),
                                ("estimate", stored[-1].id)):
            advocacy.add_evidence(session, actor=researcher, code="HRW-2013-1", data={
                "object_type": kind, "object_id": object_id, "note": "synthetic evidence"})
    return generated.persons, staff


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp(f"report-{request.param}")
    with backend_settings(request.param, folder) as settings, \
            unlocked_store(settings) as unlocked:
        persons, staff = _fill(unlocked)
        found = Built(request.param, settings, unlocked.store, unlocked, persons, staff)
        with unlocked.session() as session:
            for language in ("en", "ko"):
                found.reports[language] = service.make_report(
                    session, actor=staff["researcher"], out=folder / "out",
                    options={"period": (2019, 2024), "language": language, "threshold": 5})
        yield found


def identifying_values(persons: list[PersonIn]) -> list[str]:
    """Every name (each script), birth date (several spellings), home county, hiding place
    and contact of the simulated persons: none may appear in a report."""
    values: set[str] = set()
    for person in persons:
        values.update(name.full_name for name in person.names)
        if person.birth_date is not None:
            born = person.birth_date
            values.update({born.isoformat(), born.strftime("%Y.%m.%d"),
                           born.strftime("%d/%m/%Y"), born.strftime("%Y년 %m월 %d일"),
                           f"{born.year}년 {born.month}월 {born.day}일"})
        for value in (person.origin_place, person.current_location, person.contact):
            if value:
                values.add(value)
                values.add(value.split(",")[0])  # "Musan county" without the synthetic ward
    return sorted(values)
