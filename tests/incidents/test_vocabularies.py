"""The incident vocabularies load with all three languages, and the act types' extensions are
fields an act has."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from surplace.errors import InvalidInput
from surplace.incidents import vocabularies
from surplace.incidents.models import Act

REQUIRED = ("act_type", "perpetrator_unit", "detention_kind", "involvement_degree",
            "information_connection", "credibility", "victim_status", "monitoring_status",
            "date_precision", "chain_relation")


def test_every_term_has_english_korean_and_chinese_labels() -> None:
    assert set(REQUIRED) <= set(vocabularies.vocabularies())
    assert vocabularies.missing_labels() == []


def test_a_missing_label_is_found(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[act_type]\narrest = { en = "arrest", ko = "체포" }\n'
                      'torture = { en = "torture", ko = "고문", zh = " " }\n', encoding="utf-8")
    data = tomllib.loads(broken.read_text(encoding="utf-8"))
    assert vocabularies.missing_labels(data) == ["act_type.arrest.zh", "act_type.torture.zh"]


def test_the_issue_s_act_types_and_units_are_there() -> None:
    act_types = vocabularies.terms("act_type")
    for term in ("forced_return", "arrest", "arbitrary_detention", "torture", "ill_treatment",
                 "execution", "extrajudicial_killing", "enforced_disappearance",
                 "sexual_violence", "forced_abortion", "infanticide", "trafficking",
                 "forced_marriage", "extortion", "aid_worker_arrest", "aid_worker_harassment",
                 "denial_of_unhcr_access", "family_separation"):
        assert term in act_types
    units = vocabularies.terms("perpetrator_unit")
    for term in ("cn_mps", "cn_psb", "cn_border_police", "cn_mss", "cn_pap", "kp_mss",
                 "kp_mosp", "kp_border_guard", "kp_kyohwaso", "kp_kwanliso", "kp_jipkyulso",
                 "kp_rodong_danryeondae", "kp_kuryujang", "cn_detention_tumen",
                 "cn_detention_dandong"):
        assert term in units
    assert list(vocabularies.terms("credibility")) == ["1", "2", "3", "4", "5", "6"]
    assert list(vocabularies.terms("reliability")) == ["A", "B", "C", "D", "E", "F"]


def test_extensions_name_act_fields() -> None:
    columns = set(Act.__table__.columns.keys()) | {"method", "whereabouts"}
    names = {"detention_place": "detention_place_id", "return_from_place":
             "return_from_place_id"}
    for term in vocabularies.terms("act_type"):
        for name in vocabularies.extension_fields(term):
            assert name in vocabularies.EXTENSION_FIELDS
            assert names.get(name, name) in columns
    assert vocabularies.extension_fields("forced_return") == {
        "return_from_place", "handed_to_unit", "crossing_point"}
    assert "whereabouts" in vocabularies.extension_fields("arbitrary_detention")
    assert vocabularies.extension_fields("torture") == {"method"}


def test_unknown_terms_are_refused_with_the_nearest_suggested() -> None:
    with pytest.raises(InvalidInput, match="did you mean kp_kwanliso"):
        vocabularies.check("perpetrator_unit", "kp_kwanlso", field="unit")
    assert vocabularies.label("act_type", "forced_return", "ko") == "강제송환"
    assert vocabularies.label("act_type", "no_such_term") == "no_such_term"
