"""Every refusal names the field and the reason; a refused operation leaves the store as it was."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from surplace.errors import InvalidInput
from surplace.incidents import claims, counts, service
from surplace.incidents.exceptions import ClaimRowsRejected
from surplace.incidents.models import (
    Act,
    ActLink,
    ClaimCandidate,
    ClaimDecision,
    Incident,
    Information,
    Involvement,
)
from tests.incidents.conftest import SECRET_NAMES, Office

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
TABLES = (Incident, Act, Involvement, Information, ClaimCandidate, ClaimDecision, ActLink)


def _rows(office: Office) -> dict[str, int]:
    with office.unlocked.session() as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                or 0 for table in TABLES}


def _act(office: Office, **fields: Any) -> dict[str, Any]:
    return {"act_type": "forced_return", "victim": office.people["kum"], "date": "2024-04-26",
            **fields}


@pytest.mark.parametrize(("change", "message"), [
    ({"victim": None}, "victim: is required"),
    ({"act_type": None}, "act_type: is required"),
    ({"act_type": "forced_retrun"}, "act_type: 'forced_retrun' is not a known act type; "
                                    "did you mean forced_return"),
    ({"date": "2024-04-26", "end_date": "2024-04-01"}, "end_date: 2024-04-01 ends before"),
    ({"date": TOMORROW}, f"date: {TOMORROW} is in the future"),
    ({"end_date": TOMORROW}, f"end_date: {TOMORROW} is in the future"),
    ({"method": "synthetic beating"}, "method: does not apply to act type forced_return"),
    ({"act_type": "torture", "crossing_point": "CN-JL"}, "crossing_point: does not apply"),
    ({"date_precision": "week"}, "date_precision: 'week' is not a known date precision"),
    ({"victim_status": "deported"}, "victim_status: 'deported' is not a known victim status"),
    ({"handed_to_unit": "kp_bowibu"}, "handed_to_unit: 'kp_bowibu' is not a known perpetrator"),
    ({"place": "Atlantis"}, "place: the place given is not in the gazetteer"),
    ({"victim": "P-BBBBB-BBBBB"}, "victim: no person 'P-BBBBB-BBBBB'"),
    ({"perpetrators": [{"degree": "ordered"}]}, "perpetrator: give a unit or a person"),
    ({"colour": "red"}, "colour: Extra inputs are not permitted"),
])
def test_an_act_is_refused_with_field_and_reason(office: Office, change: dict[str, Any],
                                                 message: str) -> None:
    before = _rows(office)
    data = {key: value for key, value in (_act(office) | change).items() if value is not None}
    with pytest.raises(InvalidInput) as refused, office.unlocked.session() as session:
        service.add_act(session, actor=office.admin, data=data)
    assert message in str(refused.value)
    assert _rows(office) == before


@pytest.mark.parametrize(("change", "message"), [
    ({"source": "NGO-Z"}, "source: no source 'NGO-Z'"),
    ({"source": ""}, "source:"),
    ({"connection": "rumour"}, "connection: 'rumour' is not a known information connection"),
    ({"credibility": 9}, "credibility: '9' is not a known credibility"),
    ({"reliability": "Z"}, "reliability: 'Z' is not a known reliability"),
    ({"reported_on": TOMORROW}, "reported_on:"),
    ({"language": "Korean!"}, "language:"),
    ({"incident_id": "no-such-incident"}, "No incident 'no-such-incident'"),
])
def test_a_claim_is_refused_with_field_and_reason(office: Office, change: dict[str, Any],
                                                  message: str) -> None:
    before = _rows(office)
    with pytest.raises(Exception) as refused, office.unlocked.session() as session:
        claims.add_claim(session, actor=office.admin,
                         data=office.claim("NGO-A", "kum", date="2024-04-26") | change)
    assert message in str(refused.value)
    assert _rows(office) == before


def test_a_name_typed_as_the_victim_is_not_repeated(office: Office) -> None:
    with pytest.raises(InvalidInput) as refused, office.unlocked.session() as session:
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26") | {"victim": SECRET_NAMES[0]})
    assert "victim: no person (value not shown)" in str(refused.value)
    assert all(name not in str(refused.value) for name in SECRET_NAMES)


def test_a_failure_midway_leaves_the_store_unchanged(office: Office) -> None:
    before = _rows(office)
    with pytest.raises(InvalidInput), office.unlocked.session() as session:
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-A", "kum", date="2024-04-26"))
        claims.add_claim(session, actor=office.admin, data=office.claim(
            "NGO-B", "kum", date="2024-04-26", place="Atlantis"))
    assert _rows(office) == before


def test_a_file_with_bad_rows_adds_nothing_and_names_each_line(office: Office) -> None:
    before = _rows(office)
    rows = [(1, office.claim("NGO-A", "kum", date="2024-04-26")),
            (2, office.claim("NGO-Q", "kum", date="2024-04-27")),
            (3, office.claim("NGO-B", "chol", date="2024-04-27")),
            (5, office.claim("NGO-B", "chol", date=TOMORROW))]
    with pytest.raises(ClaimRowsRejected) as refused, office.unlocked.session() as session:
        claims.add_claims(session, actor=office.admin, rows=rows,
                          unreadable=[(4, "not valid JSON")])
    assert [p.split(":")[0] for p in refused.value.problems] == ["line 2", "line 4", "line 5"]
    assert "source: no source 'NGO-Q'" in refused.value.problems[0]
    assert _rows(office) == before


def test_chains_refuse_loops_and_repeats(office: Office) -> None:
    with office.unlocked.session() as session:
        arrest = service.add_act(session, actor=office.admin, data=_act(
            office, act_type="arrest", date="2024-04-20"))
        handover = service.add_act(session, actor=office.admin, data=_act(office))
        service.link_acts(session, actor=office.admin, data={
            "from_act": arrest.id, "to_act": handover.id, "relation": "handed_over"})
    for pair, message in [((arrest.id, arrest.id), "cannot follow itself"),
                          ((arrest.id, handover.id), "already follows"),
                          ((handover.id, arrest.id), "cannot loop")]:
        with pytest.raises(InvalidInput, match=message), office.unlocked.session() as session:
            service.link_acts(session, actor=office.admin, data={
                "from_act": pair[0], "to_act": pair[1]})


def test_count_filters_are_checked(office: Office) -> None:
    with office.unlocked.session() as session:
        with pytest.raises(InvalidInput, match="by: 'colour' is not one of"):
            counts.count_acts(session, actor=office.admin, by=["colour"])
        with pytest.raises(InvalidInput, match="min_reliability: 'G'"):
            counts.count_acts(session, actor=office.admin, min_reliability="G")
        with pytest.raises(InvalidInput, match="sources: no source 'NGO-Q'"):
            counts.capture_histories(session, actor=office.admin, sources=["NGO-A", "NGO-Q"])
