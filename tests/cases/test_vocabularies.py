"""The case vocabularies: every term labelled in English, Korean and Chinese, the extra keys
the services rely on present and well-typed, and unknown terms refused with a suggestion."""

from __future__ import annotations

import re

import pytest

from surplace.cases import vocabularies
from surplace.errors import InvalidInput
from surplace.records import vocabularies as records_vocabularies

HANGUL = re.compile(r"[\uac00-\ud7a3]")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("vocabulary", vocabularies.VOCABULARIES)
def test_every_term_has_three_labels(vocabulary: str) -> None:
    terms = vocabularies.terms(vocabulary)
    assert terms, vocabulary
    for term, labels in terms.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", term), term
        for language in records_vocabularies.LANGUAGES:
            assert isinstance(labels.get(language), str) and labels[language].strip(), (
                f"{vocabulary}.{term} has no {language} label")
        assert HANGUL.search(labels["ko"]), f"{vocabulary}.{term}: ko label is not Korean"
        assert HAN.search(labels["zh"]), f"{vocabulary}.{term}: zh label is not Chinese"


def test_the_file_holds_only_the_known_vocabularies() -> None:
    assert set(records_vocabularies.load(vocabularies.CASE_VOCABULARY_FILE)) == set(
        vocabularies.VOCABULARIES)


def test_what_the_issue_names_is_there() -> None:
    assert {"unaccompanied_child", "separated_child", "survivor_of_torture",
            "survivor_of_sgbv", "medical_condition", "pregnancy", "disability",
            "older_person", "single_parent"} <= set(vocabularies.terms("specific_need"))
    assert set(vocabularies.terms("alert_kind")) == {"detained", "deportation_imminent",
                                                     "missing", "medical_emergency"}
    assert {"legal_aid", "unhcr_contact", "embassy_contact", "shelter_move", "advocacy",
            "medical_care"} <= set(vocabularies.terms("intervention_kind"))
    assert set(vocabularies.terms("assistance_kind")) == {"food", "medicine", "shelter",
                                                          "cash", "legal_aid", "transport"}
    assert set(vocabularies.terms("consent_scope")) == {"identity", "case_file", "medical",
                                                        "statistics"}
    assert list(vocabularies.terms("risk")) == ["normal", "high", "critical"]
    assert set(vocabularies.terms("referral_kind")) == {"referral", "transfer"}


def test_extra_keys_are_well_formed() -> None:
    for kind in vocabularies.terms("alert_kind"):
        spec = vocabularies.alert_kind(kind)
        assert 1 <= spec.priority <= 5 and 0 < spec.deadline_hours <= 24 * 14
    assert {k for k in vocabularies.terms("alert_kind")
            if vocabularies.alert_kind(k).accelerates} == {"detained", "deportation_imminent"}
    for kind in vocabularies.terms("assistance_kind"):
        assert vocabularies.default_unit(kind)
    scopes = set(vocabularies.terms("consent_scope"))
    for need, term in vocabularies.terms("specific_need").items():
        assert vocabularies.consent_needed(need) in scopes
        assert term.get("unhcr"), f"{need}: no UNHCR code or note"
    statuses = vocabularies.terms("intervention_status")
    assert all(isinstance(term.get("final"), bool) for term in statuses.values())


def test_unknown_terms_are_refused_with_the_nearest() -> None:
    with pytest.raises(InvalidInput, match="'pregancy' is not a known specific need; did you "
                                           "mean pregnancy"):
        vocabularies.check("specific_need", "pregancy", field="specific need")
    # The records vocabularies still answer through the same, generalised functions.
    assert records_vocabularies.check("sex", "F", field="sex") == "F"
    assert "KP-09" in records_vocabularies.terms("province")
