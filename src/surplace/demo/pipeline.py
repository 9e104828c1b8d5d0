"""The demo, end to end: partners' files → import → link → estimate → assess → report.

:func:`build_demo` makes a fresh demo store through the same paths a real store takes, and
nothing else: the vault is initialised and the users get key slots and web passwords; the
simulator (:mod:`surplace.demo.truth`) makes a hidden population and seven organisations' lists;
each list is written as the file that organisation would send (:mod:`.partners`), a mapping is
proposed for it by ``init_mapping`` and completed where a person would (:mod:`.mappings`), and
it is imported by ``import_file`` into a source of its own; the records are linked into
persons by ``link_records``; the hidden total is estimated by period and province of hiding
(:mod:`.strata`, :mod:`.estimates`) and stored; protection cases are opened for some linked
persons, interviewed and assessed; synthetic violations are documented; Human Rights Watch's
recommendations are loaded with evidence; the briefing is written in English and Korean; and
a few count tables are exported (``exports/``) as a partner would be sent them.

Then every result is held against the simulator's truth (:mod:`.compare`): the linkage's
pairwise F1, and each estimate beside the true total of its stratum and whether its interval
covers it. The summary holds counts, codes and ids only — never a name, date or place of a
simulated person — and is what ``surplace demo`` prints.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from surplace.access import auth
from surplace.advocacy import loader
from surplace.advocacy import service as advocacy
from surplace.assessment import service as assessment
from surplace.cases import service as case_service
from surplace.config import Settings
from surplace.demo import cases as demo_cases
from surplace.demo import compare, estimates, mappings, partners, strata, truth, violations
from surplace.demo.settings import (  # re-exported for callers
    DEFAULT_ACTS,
    DEFAULT_CASES,
    DEFAULT_SIZE,
    DEMO_PASSPHRASE,
    EVIDENCE_RETURNS,
    STEPS,
    USERS,
)
from surplace.estimation import runs
from surplace.incidents import service as incidents
from surplace.io.export.schemas import Format, Of
from surplace.io.export.service import export_aggregate
from surplace.io.importer import import_file
from surplace.linkage.models import RecordPerson
from surplace.linkage.store import link_records
from surplace.records import gazetteer
from surplace.records.models import Person
from surplace.records.sources import SourceIn, add_source
from surplace.reports import service as reports
from surplace.store.engine import Store, open_store
from surplace.vault import audit_service
from surplace.vault import service as vault_service
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.service import Unlocked

#: ``on_step(index, title)`` is called as each of :data:`STEPS` starts (index from 0).
OnStep = Callable[[int, str], None]


@dataclass
class ImportLine:
    source: str
    file: str
    format: str
    rows: int
    mistyped: int  # rows written with an impossible birth date (see demo.partners)
    imported: int
    rejected: int
    skipped: int
    rejects_file: str | None
    reasons: dict[str, int]  # "column: rule" → rows (never a value)
    mapping: str
    completed: list[str]


@dataclass
class DemoSummary:
    """What the demo built and how it compares with the truth (counts, codes and ids only)."""

    folder: str
    store: str
    size: int
    seed: int
    passphrase: str
    users: list[dict[str, str]]
    imports: list[ImportLine] = field(default_factory=list)
    link: dict[str, Any] = field(default_factory=dict)
    linkage: dict[str, Any] = field(default_factory=dict)
    estimates: list[compare.Comparison] = field(default_factory=list)
    #: Why each interval of people in hiding that missed the truth did (:func:`_misses`).
    misses: list[str] = field(default_factory=list)
    strata: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)
    recommendations: dict[str, Any] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)  # relative to ``folder``
    exports: list[str] = field(default_factory=list)  # relative to ``folder``
    audit: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def imported(self) -> int:
        return sum(line.imported for line in self.imports)

    @property
    def rejected(self) -> int:
        return sum(line.rejected for line in self.imports)

    def comparisons(self, *, method: str | None = None, by: str = "period",
                    subject: str = "persons") -> list[compare.Comparison]:
        """The estimates of ``subject`` stratified ``by`` period (by province, and over every
        province: ``province=all``) or year."""
        return [c for c in self.estimates if c.subject == subject
                and c.stratum.startswith(f"{by}=") and method in (None, c.method)]

    def coverage(self, method: str, *, by: str = "period") -> tuple[int, int]:
        """(covered, compared) over the persons estimates of ``method`` by ``by``."""
        rows = self.comparisons(method=method, by=by)
        return sum(c.covered for c in rows), len(rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder, "store": self.store, "size": self.size, "seed": self.seed,
            "passphrase": self.passphrase, "users": self.users,
            "imports": [vars(line) for line in self.imports],
            "imported": self.imported, "rejected": self.rejected, "link": self.link,
            "linkage": self.linkage, "strata": self.strata,
            "estimates": [c.as_dict() for c in self.estimates], "misses": self.misses,
            "cases": self.cases,
            "violations": self.violations, "recommendations": self.recommendations,
            "reports": self.reports, "exports": self.exports, "audit": self.audit,
            "seconds": self.seconds}


def _users(unlocked: Unlocked, params: Argon2Parameters) -> list[dict[str, str]]:
    """Key slots for the other roles, and web passwords for everyone."""
    hasher = auth.make_hasher(time_cost=params.time_cost, memory_kib=params.memory_kib,
                              parallelism=params.parallelism)
    ids = {"admin": unlocked.actor.user_id}
    for name, role in USERS[1:]:
        ids[name] = vault_service.add_user(unlocked, name=name, role=role,
                                           passphrase=DEMO_PASSPHRASE, params=params)
    with unlocked.session() as session:
        gazetteer.seed_places(session)
        for name, _ in USERS:
            auth.set_password(session, actor=unlocked.actor, user_id=ids[name],
                              password=DEMO_PASSPHRASE, hasher=hasher)
    return [{"name": name, "role": role} for name, role in USERS]


def _import(unlocked: Unlocked, folder: Path, files: list[partners.PartnerFile],
            completed: dict[str, mappings.CompletedMapping]) -> list[ImportLine]:
    """One transaction per file, as ``surplace import`` does it."""
    lines = []
    for partner in files:
        mapping = completed[partner.code]
        stem = partner.path.name.split(".", 1)[0]
        with unlocked.session() as session:
            report = import_file(session, actor=unlocked.actor, source=partner.code,
                                 path=partner.path, mapping=mapping.mapping,
                                 rejects_path=folder / f"{stem}.rejects.csv")
        lines.append(ImportLine(
            source=partner.code, file=partner.path.name, format=partner.format,
            rows=partner.rows, mistyped=partner.defects, imported=report.imported,
            rejected=report.rejected, skipped=report.skipped,
            rejects_file=Path(report.rejects_file).name if report.rejects_file else None,
            reasons=dict(report.reasons), mapping=mapping.path.name, completed=mapping.changes))
    return lines


def _estimate_persons(unlocked: Unlocked, scenario: truth.Scenario, seed: int,
                      link_run: str) -> tuple[list[compare.Comparison], dict[str, int]]:
    """LCMCR and log-linear estimates of the people in hiding by period and province, and by
    period over every province (what the report draws beside the documented count).

    Not by year, and not over every year at once: a year's lists see too few people, and
    the lists of different years see different people (one list stopped, another started),
    so both pool people the models take for one population; the simulator's truth showed
    intervals covering the true total in only a few years. Periods of seven years are what
    the estimators can carry (:mod:`.strata`)."""
    true = truth.true_totals(scenario, by=("period", "province"), periods=strata.PERIODS)
    true.update({(period, strata.ALL): n for (period,), n in truth.true_totals(
        scenario, by=("period",), periods=strata.PERIODS).items()})
    out: list[compare.Comparison] = []
    thin = 0
    with unlocked.session() as session:
        table = strata.person_strata(session, actor=unlocked.actor)
        for index, (period, province) in enumerate(table.strata):
            histories = table.histories(period, province)
            if histories is None:
                thin += 1
                continue
            where = {} if province == strata.ALL else {"province": province}
            stored = estimates.estimate_and_store(
                session, actor=unlocked.actor, subject="persons", histories=histories,
                seed=seed + index, stratum={"period": period, **where}, link_run_id=link_run)
            out += [_comparison(row, histories.label, true.get((period, province), 0))
                    for row in stored]
    counts = {"strata": len(table.strata), "strata_with_fewer_than_two_lists": thin,
              "records_unplaced": table.unplaced, "records_placed_by_person": table.imputed}
    return out, counts


def _comparison(row: runs.EstimateRunOut, stratum: str, true: int) -> compare.Comparison:
    return compare.Comparison(subject=row.subject, stratum=stratum, method=row.method,
                              observed=row.observed, estimate=row.estimate, lower=row.lower,
                              upper=row.upper, truth=true)


#: The count tables the demo exports for partners (file name, of, by, format): what an
#: advocate would send on, with the export rules' small-cell suppression.
EXPORTS = (("acts-by-type-and-year.csv", Of.acts, ("act_type", "year"), Format.csv),
           ("acts-by-province-and-year.hxl.csv", Of.acts, ("province", "year"), Format.hxl),
           ("persons-by-year-and-sex.hxl.csv", Of.persons, ("year", "sex"), Format.hxl))


def _exports(unlocked: Unlocked, folder: Path) -> list[str]:
    """The aggregate exports (:data:`EXPORTS`), through the export service as ``surplace
    export aggregate`` writes them; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, of, by, fmt in EXPORTS:
        export_aggregate(unlocked, of=of, by=by, fmt=fmt, out=folder / name, force=True)
    return [name for name, _, _, _ in EXPORTS]


def _misses(scenario: truth.Scenario, found: list[compare.Comparison]) -> list[str]:
    """Why an interval missed the truth, in counts: which side it fell on, and how many of the
    stratum's people at most one list could have met (no capture–recapture model sees them).
    Measured on the scenario with a perfect linkage (the truth's own histories), the
    latent-class intervals covered every stratum of the default seed; so a miss above the
    truth is the linkage's (a person split in two is two people on fewer lists), and one below
    with few such people is what the models do not represent: the lists' dependence
    (referrals) and people all but invisible to every list."""
    alone = truth.reachable(scenario, by=("period", "province"), periods=strata.PERIODS)
    alone.update({(period, strata.ALL): n for (period,), n in truth.reachable(
        scenario, by=("period",), periods=strata.PERIODS).items()})
    notes = []
    for row in found:
        if row.covered:
            continue
        key = tuple(part.split("=", 1)[1] for part in row.stratum.split(", "))
        side = "below" if (row.upper or row.estimate) < row.truth else "above"
        one = alone.get(key, 0)
        why = ("people the linkage split in two count twice and raise the estimate"
               if side == "above" else "the lists' positive dependence and the all but "
               "invisible people lower the estimate")
        notes.append(f"{row.stratum}, {row.method}: the interval lies {side} the true "
                     f"{row.truth:,}; {one:,} of them could be met by one list at most; {why}.")
    return notes


def _cases(unlocked: Unlocked, *, count: int, seed: int) -> dict[str, int]:
    """Cases for a seeded sample of linked persons; the interviewed ones assessed."""
    with unlocked.session() as session:
        linked = sorted(session.scalars(
            select(Person.pseudonym).join(RecordPerson, RecordPerson.person_id == Person.id)
            .where(RecordPerson.unlinked_at.is_(None)).distinct()))
        chosen = random.Random(seed).sample(linked, min(count, len(linked)))  # noqa: S311
        numbers = demo_cases.build(session, actor=unlocked.actor, pseudonyms=chosen,
                                   seed=seed, today=date.today())
        for number in numbers:
            case_service.assign_caseworker(session, actor=unlocked.actor, case=number,
                                           user="caseworker")
        interviewed = case_service.list_cases(session, actor=unlocked.actor,
                                              status="interviewed")
        for case in interviewed:
            assessment.assess_case(session, actor=unlocked.actor, case=case.case_number)
    return {"opened": len(numbers), "assessed": len(interviewed)}


def _violations(unlocked: Unlocked, *, acts: int, seed: int
                ) -> tuple[dict[str, int], list[compare.Comparison], list[str]]:
    """Document the synthetic violations and estimate the undocumented acts: by year with
    LCMCR (what the report draws), over every year with LCMCR and the log-linear model."""
    generated = violations.violations(acts, seed=seed)
    true = Counter(act.day.year for act in generated.acts)
    found: list[compare.Comparison] = []
    stored_ids: list[str] = []
    with unlocked.session() as session:
        violations.load(session, actor=unlocked.actor, generated=generated)
        for year in [*sorted(true), None]:
            frame = runs.store_histories(session, actor=unlocked.actor, subject="acts",
                                         year=year)
            lists = [c for c in frame.columns if c != "count"]
            histories = strata.stratum_histories(frame, lists)
            if histories is None:
                continue
            stored = estimates.estimate_and_store(
                session, actor=unlocked.actor, subject="acts", histories=histories,
                seed=seed + (year or 0), stratum=None if year is None else {"year": year},
                loglinear_too=year is None)
            label = "all" if year is None else f"year={year}"
            found += [_comparison(row, label, len(generated.acts) if year is None
                                  else true[year]) for row in stored]
            stored_ids += [row.id for row in stored if year is None]
    counts = {"acts": len(generated.acts), "documented": len(generated.documented()),
              "claims": len(generated.claims), "victims": len(generated.persons)}
    return counts, found, stored_ids


def _recommendations(unlocked: Unlocked, estimate_ids: list[str]) -> dict[str, Any]:
    """Human Rights Watch's four, with a few documented forced returns (and the estimate of
    the undocumented acts) as evidence for the first: stop forcible returns."""
    actor = unlocked.actor
    with unlocked.session() as session:
        loaded = loader.load_hrw(session, actor)
        returns = incidents.list_incidents(session, actor=actor, act_type="forced_return",
                                           limit=EVIDENCE_RETURNS)
        evidence = 0
        for summary in returns:
            incident = incidents.show_incident(session, actor=actor, incident_id=summary.id)
            act = next((a for a in incident.act_list if a.act_type == "forced_return"), None)
            if act is not None:
                advocacy.add_evidence(session, actor=actor, code="HRW-2013-1", data={
                    "object_type": "act", "object_id": act.id,
                    "note": "A documented forced return after the recommendation (synthetic "
                            "demo data)."})
                evidence += 1
        for estimate_id in estimate_ids[:1]:
            advocacy.add_evidence(session, actor=actor, code="HRW-2013-1", data={
                "object_type": "estimate", "object_id": estimate_id,
                "note": "Forced returns and other acts estimated beyond those documented "
                        "(synthetic demo data)."})
            evidence += 1
    return {"added": loaded.added, "judged": loaded.judged, "evidence": evidence}


def build_demo(folder: Path, *, size: int = DEFAULT_SIZE, seed: int = truth.DEFAULT_SEED,
               cases: int = DEFAULT_CASES, acts: int = DEFAULT_ACTS,
               on_step: OnStep | None = None, settings: Settings | None = None,
               params: Argon2Parameters | None = None) -> DemoSummary:
    """Build the demo into ``folder`` (partner files in ``partner-files/``, the report in
    ``report/``) and a fresh store: the embedded one in ``folder`` unless ``settings`` names
    another (an empty PostgreSQL schema, say). See the module docstring."""
    note = on_step or (lambda _index, _title: None)
    params = params or Argon2Parameters(time_cost=3, memory_kib=64 * 1024, parallelism=2)
    settings = settings or Settings(store=str(folder), passphrase=None)
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def step(index: int) -> None:
        nonlocal clock
        now = time.perf_counter()
        if index > 0:
            seconds[STEPS[index - 1]] = round(now - clock, 2)
        clock = now
        note(index, STEPS[index])

    step(0)
    store: Store = open_store(settings, create=True)
    try:
        unlocked = vault_service.initialise(store, admin_name=USERS[0][0],
                                            passphrase=DEMO_PASSPHRASE, params=params)
        # A PostgreSQL store is named without its password: the summary is printed.
        where = store.engine.url.render_as_string(hide_password=True) if \
            store.sqlite_path is None else str(folder)
        summary = DemoSummary(folder=str(folder), store=where, size=size, seed=seed,
                              passphrase=DEMO_PASSPHRASE, users=_users(unlocked, params))
        step(1)
        scenario = truth.build(size, seed=seed)
        step(2)
        files_folder = folder / "partner-files"
        files = list(partners.write_partner_files(scenario, files_folder))
        completed = {partner.code: mappings.write_mapping(scenario.organisation(partner.code),
                                                          partner, files_folder)
                     for partner in files}
        with unlocked.session() as session:
            for org in scenario.organisations:
                add_source(session, actor=unlocked.actor, data=SourceIn(
                    code=org.code, kind=org.kind, reliability=org.reliability, name=org.name,
                    description=f"Synthetic organisation of the demo; sends {org.file_format} "
                                "files."))
        step(3)
        summary.imports = _import(unlocked, files_folder, files, completed)
        step(4)
        with unlocked.session() as session:
            linked = link_records(session, actor=unlocked.actor)
        summary.link = linked.as_dict()
        step(5)
        found, summary.strata = _estimate_persons(unlocked, scenario, seed, linked.run_id)
        summary.misses = _misses(scenario, found)
        step(6)
        summary.cases = _cases(unlocked, count=cases, seed=seed)
        step(7)
        summary.violations, acts_found, acts_ids = _violations(unlocked, acts=acts, seed=seed)
        summary.estimates = found + acts_found
        step(8)
        summary.recommendations = _recommendations(unlocked, acts_ids)
        step(9)
        report_folder = folder / "report"
        with unlocked.session() as session:
            for language in ("en", "ko"):
                made = reports.make_report(session, actor=unlocked.actor,
                                           options={"language": language}, out=report_folder)
                summary.reports += [str(path.relative_to(folder)) for path in
                                    (made.html, made.pdf)]
        summary.exports = [f"exports/{name}" for name in _exports(unlocked, folder / "exports")]
        step(10)
        with unlocked.session() as session:
            summary.linkage = compare.linkage_quality(session, actor=unlocked.actor,
                                                      scenario=scenario).as_dict()
        chain = audit_service.verify(unlocked)
        summary.audit = {"entries": chain.entries, "intact": chain.ok}
        seconds[STEPS[10]] = round(time.perf_counter() - clock, 2)
        summary.seconds = seconds
        return summary
    finally:
        store.dispose()
