"""The organisations' lists: each sees only what it can, unevenly and dependently, writes in its
own conventions, and every record has its true person — so a pipeline can be measured on them,
and a naive estimate on them goes wrong the way theory says it must."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from surplace.demo import organisations as orgs
from surplace.demo import truth
from surplace.demo.organisations import ORGANISATIONS
from surplace.demo.truth import Scenario
from surplace.estimation import twolist
from surplace.estimation.histories import CaptureHistories, Strata, histories_from_frame
from surplace.linkage.dates import parse_date
from surplace.linkage.hangul import is_han, is_hangul
from surplace.linkage.tables import surname_table, syllable_table

SHELTER, HOTLINE, DETENTION = "SYN-SHELTER-NET", "SYN-HOTLINE", "SYN-DETENTION"
REGISTRY, TESTIMONY, INFORMANTS = "SYN-REGISTRY", "SYN-TESTIMONY", "SYN-BORDER-NET"


def test_the_same_seed_gives_the_same_lists_and_another_seed_others() -> None:
    first, again = truth.build(250, seed=3), truth.build(250, seed=3)
    assert first.records == again.records and first.truth == again.truth
    assert truth.build(250, seed=4).records != first.records


def test_five_to_eight_organisations_in_every_format_never_a_real_name() -> None:
    assert 5 <= len(ORGANISATIONS) <= 8
    assert {org.file_format for org in ORGANISATIONS} == {"csv", "xlsx", "kobo", "odk", "hxl"}
    for org in ORGANISATIONS:
        assert org.name.startswith("Synthetic ") and org.code.startswith("SYN-")
        assert re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{1,31}", org.code)


def test_every_record_has_its_true_person(scenario: Scenario) -> None:
    ids = [record["record_id"] for rows in scenario.records.values() for record in rows]
    assert len(ids) == len(set(ids)) == len(scenario.truth) > 3000
    for code, rows in scenario.records.items():
        for record in rows:
            assert set(record) == set(orgs.RECORD_KEYS)
            sighting = scenario.truth[record["record_id"]]
            assert sighting.organisation == record["source"] == code
            person = scenario.person_of(record["record_id"])
            stay = person.stay_in(sighting.year)
            assert stay is not None and stay.province == sighting.province


def test_each_organisation_sees_only_what_it_can(scenario: Scenario) -> None:
    reached = {REGISTRY: {"south"}, TESTIMONY: {"south", "third"},
               DETENTION: {"returned"}, INFORMANTS: {"returned"}}
    for sighting in scenario.truth.values():
        org = scenario.organisation(sighting.organisation)
        assert sighting.event in org.events and sighting.province in org.provinces
        assert org.intensity(sighting.year) > 0
        stay = scenario.persons[sighting.person].stay_in(sighting.year)
        assert stay is not None
        if org.code in reached:
            # The registry only sees those who reached the South, in the year they left;
            # the detention reports and informants only those caught, when they were caught.
            assert stay.fate in reached[org.code] and stay.end == sighting.year
        else:
            assert sighting.event == "hiding"
    shelter = {s.province for s in scenario.truth.values() if s.organisation == SHELTER}
    assert shelter == {"CN-JL", "CN-LN"}
    first_call = min(s.year for s in scenario.truth.values() if s.organisation == HOTLINE)
    assert first_call >= 2003
    south = {p.id for p in scenario.population.persons
             if any(stay.fate == "south" for stay in p.stays)}
    registry = {s.person for s in scenario.truth.values() if s.organisation == REGISTRY}
    assert registry <= south and len(registry) > 0.6 * len(south)


def test_lists_that_should_depend_on_each_other_do(scenario: Scenario) -> None:
    histories = truth.true_histories(scenario)
    # The shelter refers people to the hotline; the hotline refers those it helped out to the
    # testimony archive; the hotline helps people reach the South.
    assert truth.odds_ratio(histories, SHELTER, HOTLINE) > 2
    assert truth.odds_ratio(histories, HOTLINE, TESTIMONY) > 2
    assert truth.odds_ratio(histories, HOTLINE, REGISTRY) > 1.5
    # The sheltered are caught less often: negative dependence with the detention reports.
    assert truth.odds_ratio(histories, SHELTER, DETENTION) < 0.8
    # Within one year and province too, not only through the time people spend in China.
    by_year = truth.true_histories(scenario, by=("year", "province"))
    cell = by_year[(by_year["year"] == 2008) & (by_year["province"] == "CN-JL")]
    assert truth.odds_ratio(cell, SHELTER, HOTLINE) > 2


def test_capture_is_heterogeneous(scenario: Scenario) -> None:
    # Per year in the shelter's provinces, the exposed are documented many times as often as
    # the hidden (2.5 against 0.3 by design; the fates blur it a little).
    years: Counter[str] = Counter()
    for person in scenario.population.persons:
        years[person.visibility] += sum(len(stay.years) for stay in person.stays
                                        if stay.province in ("CN-JL", "CN-LN"))
    seen = Counter(scenario.persons[s.person].visibility for s in scenario.truth.values()
                   if s.organisation == SHELTER and not s.duplicate)
    rate = {visibility: seen[visibility] / years[visibility] for visibility in years}
    assert rate["exposed"] > 5 * rate["hidden"]
    assert rate["hidden"] < rate["ordinary"] < rate["exposed"]
    histories = truth.true_histories(scenario)
    unseen = int(histories.loc[histories[list(scenario.codes)].sum(axis=1) == 0,
                               "count"].sum())
    assert 0.1 * len(scenario.persons) < unseen < 0.5 * len(scenario.persons)


def test_lists_repeat_themselves_and_leave_fields_empty(scenario: Scenario) -> None:
    for org in ORGANISATIONS:
        sightings = [s for s in scenario.truth.values() if s.organisation == org.code]
        duplicates = sum(s.duplicate for s in sightings)
        if org.duplicate_share >= 0.02:
            assert duplicates > 0, org.code
        for key, share in org.missing.items():
            empty = sum(r[key] is None for r in scenario.records[org.code])
            assert empty / len(sightings) >= share * 0.6, (org.code, key)
        # Fields the organisation does not collect are always empty.
        collected = set(org.columns) | {"record_id", "source"}
        for record in scenario.records[org.code]:
            assert {k for k, v in record.items() if v is not None} <= collected


def test_each_writes_in_its_own_conventions(scenario: Scenario) -> None:
    surnames = {form for surname in surname_table() for form in surname.hangul}
    syllables = syllable_table()
    registry = scenario.records[REGISTRY]
    # The registry writes Hangul, family and given name apart; every syllable is a table draw.
    assert all(r["name"] is None and r["family_name"] in surnames for r in registry)
    assert all(all(s in syllables for s in r["given_name"]) for r in registry)
    assert {r["sex"] for r in registry} <= {"여", "남", None}
    shelter = scenario.records[SHELTER]
    assert all(r["name"] == r["name"].upper() for r in shelter)
    detention = [r["name"] for r in scenario.records[DETENTION]]
    han = sum(all(is_han(c) for c in name) for name in detention)
    assert 0.4 < han / len(detention) < 0.8  # the rest in pinyin
    informants = [r["name"] for r in scenario.records[INFORMANTS]]
    assert sum(all(is_hangul(c) for c in name) for name in informants) / len(informants) > 0.4
    assert all(r["event_province"] in {"CN-JL", "CN-LN", "CN-HL", None}
               for r in scenario.records[HOTLINE])


def test_event_dates_carry_the_true_year(scenario: Scenario) -> None:
    for code in (SHELTER, HOTLINE, DETENTION, INFORMANTS):
        org = scenario.organisation(code)
        rows = scenario.records[code]
        right = 0
        for record in rows:
            key = parse_date(record["event_date"], reference_year=2025,
                             dayfirst=org.date_order == "dmy")
            right += key is not None and key.year == scenario.truth[record["record_id"]].year
        assert right / len(rows) > 0.95, code
    assert all(r["event_year"] == scenario.truth[r["record_id"]].year
               for r in scenario.records[REGISTRY])


def test_file_rows_use_the_organisations_columns(scenario: Scenario) -> None:
    for org in ORGANISATIONS:
        rows = scenario.file_rows(org.code)
        assert len(rows) == len(scenario.records[org.code])
        assert all(list(row) == list(org.columns.values()) for row in rows)
    with pytest.raises(KeyError, match="No organisation"):
        scenario.organisation("SYN-NOBODY")


def test_observed_histories_are_the_true_ones_without_the_unseen(scenario: Scenario) -> None:
    by = ("period", "province")
    totals = truth.true_totals(scenario, by=by)
    histories = truth.true_histories(scenario, by=by)
    sums = histories.groupby(list(by))["count"].sum()
    assert {key: int(n) for key, n in sums.items()} == totals
    strata = truth.observed_strata(scenario, by=by)
    assert isinstance(strata, Strata)
    observed = truth.observed_histories(scenario, by=by)
    assert strata.n == int(observed["count"].sum())
    assert [g.label for g in strata.groups] == [truth.stratum_label(by, key) for key in totals]
    whole = truth.observed_strata(scenario, by=())
    assert isinstance(whole, CaptureHistories)
    counts = truth.summary(scenario)
    assert whole.n == counts["documented"] == len({s.person for s in scenario.truth.values()})
    assert counts["documented"] + counts["undocumented"] == len(scenario.persons)


def _lincoln_petersen(scenario: Scenario) -> tuple[int, float, float, float]:
    """Lincoln–Petersen from the shelter and the hotline on the person-years in Jilin in
    2003–2019 (both lists at work there), stratum by stratum pooled: (truth, N, lower, upper)."""
    frame = truth.true_histories(scenario, by=("year", "province"))
    frame = frame[(frame["province"] == "CN-JL") & frame["year"].between(2003, 2019)]
    pooled = frame.groupby([SHELTER, HOTLINE], as_index=False)["count"].sum()
    result = twolist.lincoln_petersen(histories_from_frame(
        pooled, lists=[SHELTER, HOTLINE], count_column="count"))
    assert result.lower is not None and result.upper is not None
    return int(frame["count"].sum()), result.estimate, result.lower, result.upper


def test_an_independence_estimate_on_dependent_lists_is_biased_low(scenario: Scenario) -> None:
    """Positive dependence and heterogeneity both inflate the overlap, so Lincoln–Petersen
    (which assumes neither) must fall short of the truth, its interval far below it."""
    total, estimate, _, upper = _lincoln_petersen(scenario)
    assert upper < total and estimate < 0.6 * total
    # The control: the same population, the same two lists made independent and homogeneous
    # (the estimator's assumptions), and the estimate is right.
    fair = tuple(dataclasses.replace(org, base=0.25, visibility={}, fate_effect={},
                                     depends_on={}, eras=((1998, 1.0),))
                 if org.code in (SHELTER, HOTLINE) else org for org in ORGANISATIONS)
    control = truth.build(1500, seed=scenario.seed, organisations=fair)
    total, estimate, lower, upper = _lincoln_petersen(control)
    assert lower <= total <= upper
    assert abs(estimate / total - 1) < 0.1


def test_organisations_that_cannot_be_simulated_are_refused() -> None:
    later = dataclasses.replace(ORGANISATIONS[0], depends_on={HOTLINE: 2.0})
    with pytest.raises(ValueError, match="must come earlier"):
        orgs.check((later, *ORGANISATIONS[1:]))
    with pytest.raises(ValueError, match="convention"):
        orgs.check((dataclasses.replace(ORGANISATIONS[0], convention="fax"),))
    with pytest.raises(ValueError, match="code used twice"):
        orgs.check((ORGANISATIONS[0], ORGANISATIONS[0]))
    assert Counter(o.code for o in ORGANISATIONS).most_common(1)[0][1] == 1
