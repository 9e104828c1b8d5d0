"""The hidden population: seeded, shaped as its docstring says, every story consistent, every
name a draw from the tables, and its totals counted the way estimates are compared with them."""

from __future__ import annotations

from collections import Counter

import pytest

from surplace.demo import population as pop
from surplace.demo import truth
from surplace.demo.truth import Scenario
from surplace.linkage.tables import surname_table, syllable_table


def test_the_same_seed_gives_the_same_people_and_another_seed_others() -> None:
    first, again = pop.simulate_population(300, seed=5), pop.simulate_population(300, seed=5)
    other = pop.simulate_population(300, seed=6)
    assert first == again
    assert [p.identity for p in first.persons] != [p.identity for p in other.persons]


def test_a_population_needs_someone() -> None:
    with pytest.raises(ValueError, match="at least one person"):
        pop.simulate_population(0)


def test_mostly_women_mostly_in_jilin_mostly_from_the_northeast(scenario: Scenario) -> None:
    persons = scenario.population.persons
    n = len(persons)
    assert abs(sum(p.sex == "F" for p in persons) / n - pop.WOMEN_SHARE) < 0.03
    first = Counter(p.stays[0].province for p in persons)
    # Expected shares from ORIGINS and HIDING: Jilin 0.69, Liaoning 0.19, Heilongjiang 0.12.
    assert abs(first["CN-JL"] / n - 0.69) < 0.04
    assert abs(first["CN-LN"] / n - 0.19) < 0.03
    assert abs(first["CN-HL"] / n - 0.12) < 0.03
    in_jilin = [s for p in persons for s in p.stays if s.province == "CN-JL"]
    assert sum(s.place in pop.YANBIAN for s in in_jilin) / len(in_jilin) > 0.7
    origins = Counter(p.origin_province for p in persons)
    assert set(origins) <= set(pop.ORIGINS)
    assert (origins["KP-09"] + origins["KP-10"]) / n > 0.6
    places = pop.places()
    assert all(places[p.origin_place].province == p.origin_province for p in persons)
    assert all(places[s.place].province == s.province for p in persons for s in p.stays)


def test_arrivals_peak_after_the_famine_and_stop_in_the_closure(scenario: Scenario) -> None:
    arrivals = scenario.population.arrivals()
    famine = arrivals[1998] + arrivals[1999]
    assert all(famine > arrivals[year] + arrivals[year + 1] for year in range(2000, 2025))
    closure = arrivals[2020] + arrivals[2021] + arrivals[2022]
    plateau = arrivals[2005] + arrivals[2006] + arrivals[2007]
    assert closure < plateau / 5


def test_every_story_is_consistent(scenario: Scenario) -> None:
    fates: Counter[str] = Counter()
    for person in scenario.population.persons:
        stays = person.stays
        assert 1 <= len(stays) <= pop.MAX_STAYS
        for stay, following in zip(stays, stays[1:], strict=False):
            # Only a returned person comes back, and not in the year they were sent back.
            assert stay.fate == "returned"
            assert following.arrival > stay.end
        for stay in stays:
            assert pop.FIRST_YEAR <= stay.arrival <= stay.end <= pop.LAST_YEAR
            assert stay.fate in pop.FATES
            fates[stay.fate] += 1
        assert stays[-1].fate != "hiding" or stays[-1].end == pop.LAST_YEAR
        assert all(stay.fate != "hiding" for stay in stays[:-1])
        age = stays[0].arrival - person.birth.year
        assert 14 <= age <= 56
        assert person.history()[0] == (stays[0].arrival, f"arrived:{stays[0].province}")
    assert all(fates[fate] > 50 for fate in pop.FATES)


def test_the_visible_are_fewer_and_women_more_often_hidden(scenario: Scenario) -> None:
    persons = scenario.population.persons
    classes = Counter((p.sex, p.visibility) for p in persons)
    women = sum(n for (sex, _), n in classes.items() if sex == "F")
    men = len(persons) - women
    assert classes[("F", "hidden")] / women > classes[("M", "hidden")] / men
    assert classes[("F", "exposed")] + classes[("M", "exposed")] < len(persons) / 4


def test_every_name_is_a_draw_from_the_tables(scenario: Scenario) -> None:
    surnames = {surname.id: surname for surname in surname_table()}
    syllables = syllable_table()
    for person in scenario.population.persons[:200]:
        identity = person.identity
        assert surnames[identity.surname.id] == identity.surname
        assert identity.given and all(s in syllables for s in identity.given)
        family = identity.surname.hanja[0]  # some surnames have two characters (鮮于)
        assert identity.hanja.startswith(family)
        given = identity.hanja[len(family):]
        assert all(char in syllables[syllable]
                   for syllable, char in zip(identity.given, given, strict=True))
        assert identity.birth == (person.birth.year, person.birth.month, person.birth.day)


def test_the_gazetteer_has_every_place_the_population_uses() -> None:
    pop.check_places()


def test_true_totals_count_each_person_once_per_stratum(scenario: Scenario) -> None:
    persons = scenario.population.persons
    assert truth.true_totals(scenario, by=()) == {(): len(persons)}
    by_year = truth.true_totals(scenario, by=("year",))
    by_cell = truth.true_totals(scenario, by=("year", "province"))
    for (year,), total in by_year.items():
        # Stays never share a year, so a person is in one province in any one year.
        assert sum(n for (y, _), n in by_cell.items() if y == year) == total
    assert by_year[(2010,)] == sum(p.stay_in(2010) is not None for p in persons)
    periods = truth.true_totals(scenario, by=("period",))
    assert periods[("2007-2011",)] >= max(by_year[(y,)] for y in range(2007, 2012))
    with pytest.raises(ValueError, match="each must be one of"):
        truth.true_totals(scenario, by=("county",))
