"""The demo end to end on a small seed, on both back ends: partners' files → import → link →
estimate → assess → report, judged against the simulator's truth.

One demo is built per back end for the module (the build is the slow part: tens of seconds),
and every test reads it. The tolerances were measured first. At the 400 persons here the
linkage's pairwise F1 was 0.90 (precision 1.0); over seeds 1–6 at 500 persons 0.92–0.98.
People in hiding are estimated in 16 strata (four periods, by province and over every
province): the latent-class intervals covered the true total in 14 of 16, the log-linear
ones in 14 of the 15 they could estimate, one of the two in 15 of 16; the acts' intervals by
year in 5 of 6. With the truth's own histories (a perfect linkage) the latent-class intervals
covered every stratum of the demo's default seed; what misses here is the linkage's (split
persons raise an estimate) or the lists' dependence (lowers it), and the summary says which.
The scenario is hard on purpose: heterogeneous, dependent lists that each see only some fates.
A pipeline that mislinked, mislabelled strata or compared with the wrong truth falls far below.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from surplace.access import auth
from surplace.advocacy import service as advocacy
from surplace.config import Settings
from surplace.demo import pipeline, strata, truth, violations
from surplace.demo.pipeline import DemoSummary
from surplace.estimation import runs
from surplace.io.models import ImportBatch
from surplace.store.engine import open_store
from surplace.vault import service as vault_service
from tests.conftest import BACKENDS, TEST_ARGON2, backend_settings

SIZE = 400
SEED = 11
CASES = 8
ACTS = 60
#: Files the scan leaves out: the partners' own exports and the rejects files, which hold the
#: input's values by design, and the database (sealed; tests/test_no_plaintext.py scans it).
PARTNER_SUFFIXES = (".csv", ".json", ".xlsx")
DATABASE_FILES = ("store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm")


@dataclass
class Built:
    backend: str
    folder: Path
    settings: Settings
    summary: DemoSummary


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    # The demo writes its SQLite store into the folder itself, beside the partners' files.
    with backend_settings(request.param, folder, sqlite_store=folder) as settings:
        summary = pipeline.build_demo(folder, size=SIZE, seed=SEED, cases=CASES, acts=ACTS,
                                      settings=settings, params=TEST_ARGON2)
        yield Built(request.param, folder, settings, summary)


def test_every_partner_file_is_imported_with_a_completed_mapping(built: Built) -> None:
    summary = built.summary
    scenario = truth.build(SIZE, seed=SEED)
    assert [line.source for line in summary.imports] == list(scenario.codes)
    formats = {line.format for line in summary.imports}
    assert {"csv", "xlsx", "kobo-json", "odk-csv", "hxl"} <= formats
    for line in summary.imports:
        # Every row is accounted for: imported, rejected (and reported) or already present.
        assert line.rows == len(scenario.records[line.source])
        assert line.imported + line.rejected + line.skipped == line.rows
        # Exactly the rows mistyped on purpose are rejected, each with where and why.
        assert line.mistyped > 0 and line.rejected == line.mistyped
        assert line.rejects_file is not None
        assert all("does not exist" in reason for reason in line.reasons), line.reasons
        rejects = (built.folder / "partner-files" / line.rejects_file).read_text("utf-8-sig")
        assert len(rejects.splitlines()) == line.rejected + 1
        mapping = built.folder / "partner-files" / line.mapping
        header = mapping.read_text(encoding="utf-8")
        assert "Proposed by init_mapping" in header and "completed by the demo pipeline" in header
        assert yaml.safe_load(header)["identity"]  # the row identity a person had to name
    assert summary.imported == sum(len(rows) for rows in scenario.records.values()) - \
        summary.rejected
    store = open_store(built.settings)
    try:
        with store.session() as session:
            batches = session.scalar(select(func.count()).select_from(ImportBatch))
            assert batches == len(summary.imports)
    finally:
        store.dispose()


def test_linkage_finds_the_true_persons(built: Built) -> None:
    quality = built.summary.linkage
    assert quality["records"] == built.summary.imported
    # Measured 0.90 here (precision 1.0): the store links at 0.95 and queues the uncertain
    # pairs for review; linking the same records as files (surplace link) gives the same.
    assert quality["f1"] >= 0.85, quality
    assert quality["precision"] >= 0.98, quality
    assert built.summary.link["queued"] > 0  # the uncertain pairs wait for a person


def test_intervals_cover_the_true_totals_in_most_strata(built: Built) -> None:
    summary = built.summary
    persons = summary.comparisons()
    assert {c.stratum for c in persons} <= {f"period={p}, province={v}"
                                           for p, _, _ in strata.PERIODS
                                           for v in (*strata.PROVINCES, strata.ALL)}
    for row in summary.estimates:
        assert row.observed <= row.estimate and row.truth >= 1
        assert row.lower is not None and row.lower <= row.estimate
        assert row.upper is None or row.estimate <= row.upper
    lcmcr_covered, lcmcr_strata = summary.coverage("lcmcr")
    loglinear_covered, loglinear_strata = summary.coverage("loglinear")
    assert lcmcr_strata == 16  # 4 periods × (3 provinces and all of them)
    # Measured 10–14 of 16 across runs and back ends (DuckDB's linkage is not bit-for-bit
    # repeatable, and short chains); a broken estimand or linkage covers a handful at most.
    assert lcmcr_covered >= 9, [c.as_dict() for c in persons]
    assert loglinear_strata >= 12 and loglinear_covered >= loglinear_strata * 2 / 3
    labels = {c.stratum for c in persons}
    either = sum(any(c.covered for c in persons if c.stratum == s) for s in labels)
    assert either >= 11
    # The estimates see more than was documented and do not run away from the truth.
    assert all(-0.85 <= c.relative_error <= 1.0 for c in persons if c.method == "lcmcr")
    acts = summary.comparisons(subject="acts", by="year")
    assert len(acts) == len({d.year for d in _act_days()})
    assert sum(c.covered for c in acts) >= len(acts) - 2  # measured: 5 of 6


def _act_days() -> list[date]:
    return [act.day for act in violations.violations(ACTS, seed=SEED).acts]


def test_estimates_are_stored_for_the_pages_and_the_report(built: Built) -> None:
    store = open_store(built.settings)
    try:
        unlocked = vault_service.unlock(store, user_name="analyst",
                                        passphrase=pipeline.DEMO_PASSPHRASE, record=False)
        with unlocked.session() as session:
            analyst = unlocked.actor
            stored = runs.list_runs(session, actor=analyst, subject="persons", limit=200)
            stored_strata = {(r.stratum.get("period"), r.stratum.get("province"))
                             for r in stored}
            assert len(stored_strata) == 16 and {r.method for r in stored} == {"lcmcr", "loglinear"}
            assert {p for p, v in stored_strata if v is None} == {
                label for label, _, _ in strata.PERIODS}  # every province at once
            assert all(r.link_run_id for r in stored)
            lcmcr = [r for r in stored if r.method == "lcmcr"]
            assert all("far shorter than the reference" in " ".join(r.diagnostics)
                       for r in lcmcr)
            acts = runs.list_runs(session, actor=analyst, subject="acts", limit=200)
            assert {str(r.stratum.get("year", "")) for r in acts} >= {"", "2019"}
            shown = advocacy.show_recommendation(session, actor=analyst, code="HRW-2013-1")
            kinds = [item.object_type for item in shown.evidence_list]
            assert kinds.count("act") == pipeline.EVIDENCE_RETURNS and "estimate" in kinds
    finally:
        store.dispose()
    assert built.summary.recommendations["added"] == ["HRW-2013-1", "HRW-2013-2",
                                                      "HRW-2013-3", "HRW-2013-4"]


def test_cases_users_and_audit(built: Built) -> None:
    summary = built.summary
    assert summary.cases["opened"] == CASES and 0 < summary.cases["assessed"] <= CASES
    assert [u["role"] for u in summary.users] == ["admin", "caseworker", "researcher",
                                                  "analyst", "viewer"]
    assert summary.audit["intact"] is True
    store = open_store(built.settings)
    try:
        # Every demo user unlocks the vault and signs in on the web with the printed text.
        for user in summary.users:
            unlocked = vault_service.unlock(store, user_name=user["name"],
                                            passphrase=pipeline.DEMO_PASSPHRASE, record=False)
            assert unlocked.actor.role == user["role"]
        hasher = auth.make_hasher(time_cost=TEST_ARGON2.time_cost,
                                  memory_kib=TEST_ARGON2.memory_kib,
                                  parallelism=TEST_ARGON2.parallelism)
        with unlocked.session() as session:
            signed = auth.authenticate(session, name="caseworker",
                                       password=pipeline.DEMO_PASSPHRASE, hasher=hasher)
            assert signed.outcome == "ok"
    finally:
        store.dispose()


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True)
    return done.stdout.decode("utf-8")


def test_every_missed_interval_is_explained(built: Built) -> None:
    missed = [c for c in built.summary.comparisons() if not c.covered]
    assert len(built.summary.misses) == len(missed)
    for row, note in zip(missed, built.summary.misses, strict=True):
        assert note.startswith(f"{row.stratum}, {row.method}: the interval lies ")
        assert "could be met by one list at most" in note


def test_the_report_shows_people_in_hiding_by_period_beside_the_documented(
        built: Built) -> None:
    html = (built.folder / "report" / "surplace-report-en.html").read_text(encoding="utf-8")
    shown = [c for c in built.summary.comparisons(method="lcmcr")
             if c.stratum.endswith("province=all") and c.observed >= 5]
    assert shown
    for row in shown:
        period = row.stratum.split(",")[0].removeprefix("period=")
        assert (f'<tr><td class="text">people · {period}</td><td class="text">LCMCR'
                in html), period
        assert f"<td>{row.observed:,}</td><td>{row.estimate:,.0f}</td>" in html, period
    assert "People: the latest estimate for" in html


def test_the_report_exists_in_both_languages(built: Built) -> None:
    reports = [built.folder / name for name in built.summary.reports]
    assert sorted(p.name for p in reports) == [
        "surplace-report-en.html", "surplace-report-en.pdf", "surplace-report-ko.html",
        "surplace-report-ko.pdf"]
    for path in reports:
        assert path.stat().st_size > 10_000
    korean = (built.folder / "report" / "surplace-report-ko.html").read_text(encoding="utf-8")
    assert 'lang="ko"' in korean
    assert "HRW-2013-1" in _pdf_text(built.folder / "report" / "surplace-report-en.pdf")


def _identifying_values() -> list[str]:
    """Every simulated person's names (each script and every spelling the lists wrote), full
    birth dates (several spellings) and home places, and the violations' victims'."""
    scenario = truth.build(SIZE, seed=SEED)
    values: set[str] = set()
    for person in scenario.population.persons:
        identity = person.identity
        values.update(form + identity.given for form in identity.surname.hangul)
        values.add(identity.hanja)
        born = person.birth
        values.update({born.isoformat(), born.strftime("%Y.%m.%d"), born.strftime("%d/%m/%Y"),
                       f"{born.year}년 {born.month}월 {born.day}일",
                       f"{born.year}年{born.month}月{born.day}日"})
        values.update(identity.origin)
    for rows in scenario.records.values():
        for record in rows:
            values.update(str(record[key]) for key in ("name", "birth", "origin")
                          if record[key])
            if record["family_name"] and record["given_name"]:
                values.add(f"{record['family_name']}{record['given_name']}")
    for victim in violations.violations(ACTS, seed=SEED).persons:
        values.update(name.full_name for name in victim.names)
        if victim.birth_date is not None:
            values.add(victim.birth_date.isoformat())
        for value in (victim.origin_place, victim.current_location, victim.contact):
            if value:
                values.update({value, value.split(",")[0]})
    # A year, an age or a one- or two-character name is no identity on its own and would be
    # found in any text; what is scanned identifies.
    return sorted(v for v in values if len(v) >= 3 and not v.isdigit() and "세" not in v
                  and "岁" not in v)


def _scan(built: Built) -> dict[str, str]:
    """The text of every file the demo wrote but the partners' own files and the database:
    the report (the PDF as its text), the exports, the mappings, the rejects' summaries …"""
    scanned: dict[str, str] = {}
    for path in sorted(built.folder.rglob("*")):
        relative = path.relative_to(built.folder)
        if not path.is_file() or path.name in DATABASE_FILES:
            continue
        if relative.parts[0] == "partner-files" and path.name.endswith(PARTNER_SUFFIXES):
            continue
        scanned[str(relative)] = (_pdf_text(path) if path.suffix == ".pdf"
                                  else path.read_text(encoding="utf-8", errors="replace"))
    scanned["summary"] = json.dumps(built.summary.as_dict(), ensure_ascii=False)
    return scanned


def _leaks(scanned: dict[str, str], values: list[str]) -> list[tuple[str, str]]:
    return [(name, value) for name, content in scanned.items() for value in values
            if value in content]


def test_the_demo_exports_count_tables_as_a_partner_would_get_them(built: Built) -> None:
    exports = [built.folder / name for name in built.summary.exports]
    assert [path.name for path in exports] == [name for name, _, _, _ in pipeline.EXPORTS]
    for path in exports:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].split(",")[-2:] == ["count", "suppressed"], path.name
        assert len(lines) > 3
    hxl = exports[1].read_text(encoding="utf-8").splitlines()
    assert hxl[1].startswith("#")  # the hashtag row


def test_no_identity_in_the_report_or_any_file_but_the_partners_and_the_database(
        built: Built) -> None:
    values = _identifying_values()
    assert len(values) > 1000
    scanned = _scan(built)
    # The scan finds what it looks for: a partner's file holds the names it was made from.
    testimony = (built.folder / "partner-files" / "syn-testimony.hxl.csv").read_text("utf-8")
    assert sum(value in testimony for value in values) > 50
    assert any(name.endswith(".mapping.yaml") for name in scanned)
    assert sum(name.startswith("report") for name in scanned) == 4
    assert sum(name.startswith("exports") for name in scanned) == len(pipeline.EXPORTS)
    assert _leaks(scanned, values) == []
    # And it would find one: a name written into an export is caught wherever it is.
    export = built.folder / built.summary.exports[0]
    original = export.read_text(encoding="utf-8")
    planted = next(value for value in values if not value.isascii())
    try:
        export.write_text(f"{original}{planted},1,false\n", encoding="utf-8")
        assert _leaks(_scan(built), values) == [(built.summary.exports[0], planted)]
    finally:
        export.write_text(original, encoding="utf-8")
