"""Indicators computed from acts documented through the incidents service, Human Rights Watch's
catalogue and its loader, and the data files' checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from surplace.advocacy import catalogue, loader, service, vocabularies
from surplace.advocacy.exceptions import CatalogueFileError
from tests.advocacy.conftest import Office

REC = {"code": "SYN-2015-1", "addressee": "Synthetic Government", "issuer": "Synthetic NGO",
       "issued_on": "2015-06-15", "text": "Stop synthetic returns and arrests."}


def test_indicators_count_documented_acts_since_the_date(office: Office) -> None:
    with office.unlocked.session() as session:
        service.add_recommendation(session, actor=office.admin, data=REC)
        document = office.document
        before = document(session, 0, "forced_return", "2014-05-02")
        same_year_before = document(session, 1, "forced_return", "2015-06-14")
        same_day = document(session, 2, "forced_return", "2015-06-15")
        later = [document(session, 0, "forced_return", "2016-02-10"),
                 document(session, 3, "forced_return", "2018-09-01", place="CN-LN")]
        document(session, 4, "forced_return", "2015-06-01", precision="month")  # straddles
        document(session, 5, "forced_return", "")  # no date
        arrest = document(session, 1, "aid_worker_arrest", "2017-01-20")
        detention = document(session, 2, "arbitrary_detention", "2019-04-04", place="KP-09")
        # A second source describing the same return counts once.
        document(session, 3, "forced_return", "2018-09-02", place="CN-LN", source="SYN-LIST")
    with office.unlocked.session() as session:
        found = service.compute_indicators(session, actor=office.staff["researcher"],
                                           code="SYN-2015-1")
    by_code = {item.code: item for item in found.indicators}
    returns = by_code["forced_returns"]
    assert found.since.isoformat() == "2015-06-15"
    assert returns.value == 3
    assert returns.by_year == {"2015": 1, "2016": 1, "2018": 1}
    assert sorted(returns.act_ids) == sorted([same_day, *later])
    assert before not in returns.act_ids and same_year_before not in returns.act_ids
    assert (returns.uncertain, returns.undated) == (1, 1)
    assert by_code["aid_worker_arrests"].act_ids == [arrest]
    assert by_code["detentions"].act_ids == [detention]
    with office.unlocked.session() as session:
        narrow = service.compute_indicators(
            session, actor=office.admin, code="SYN-2015-1", names=["forced_returns"],
            until=2017, province="Jilin")
        assert [(i.value, i.by_year) for i in narrow.indicators] == [
            (2, {"2015": 1, "2016": 1})]
        earlier = service.compute_indicators(
            session, actor=office.admin, code="SYN-2015-1", names=["forced_returns"],
            since=date(2014, 1, 1))
        assert earlier.indicators[0].value == 6  # every dated return, the straddler included


def test_load_hrw_is_idempotent_and_cites_with_verification_marks(office: Office) -> None:
    with office.unlocked.session() as session:
        first = loader.load_hrw(session, office.admin)
    assert first.added == ["HRW-2013-1", "HRW-2013-2", "HRW-2013-3", "HRW-2013-4"]
    assert first.judged == first.added
    with office.unlocked.session() as session:
        again = loader.load_hrw(session, office.admin)
        assert again.added == [] and again.already_present == first.added
        listed = service.list_recommendations(session, actor=office.staff["viewer"])
        assert [(i.code, i.status) for i in listed] == [
            ("HRW-2013-1", "not_implemented"), ("HRW-2013-2", "not_implemented"),
            ("HRW-2013-3", "not_implemented"), ("HRW-2013-4", "unknown")]
        assert all(i.issuer == "Human Rights Watch" and str(i.issued_on) == "2013-05-30"
                   for i in listed)
        shown = service.show_recommendation(session, actor=office.admin, code="hrw-2013-3",
                                            language="ko")
    assert "UNHCR" in shown.text and "유엔난민기구" in shown.translations["ko"]
    assert shown.citation is not None
    assert shown.citation.url and "hrw.org/news/2013/05/30" in shown.citation.url
    assert (shown.citation.verification, shown.citation.recommendations_verification) == (
        "V", "R")
    assert shown.status_label == "이행되지 않음"
    assert len(shown.history) == 1 and "[V2" in shown.history[0].reason
    assert shown.history[0].judged_by == office.admin.user_id


def test_vocabularies_and_indicators_have_every_label() -> None:
    assert vocabularies.missing_labels() == []
    for indicator in catalogue.indicators().values():
        assert all(indicator.label(language) for language in ("en", "ko", "zh"))
    for path in catalogue.catalogues():
        for entry in catalogue.catalogue(path).recommendation:
            assert entry.en and entry.ko and entry.indicators


@pytest.mark.parametrize(("body", "where"), [
    ("[source]\n", "catalogue.source.issuer"),
    ("not toml ===", "file: not valid TOML"),
    ("{source}\n[[recommendation]]\ncode = 'X-1'\nen = 'a'\nko = 'b'\n"
     "indicators = ['nope']\n", "recommendation[0] (X-1).indicators: 'nope' is not defined"),
    ("{source}\n[[recommendation]]\ncode = 'X-1'\nen = 'a'\nko = 'b'\nstatus = 'done'\n"
     "reason = 'r'\n", "recommendation[0] (X-1).status: 'done' is not a known status"),
    ("{source}\n[[recommendation]]\ncode = 'X-1'\nen = 'a'\nko = 'b'\n"
     "[[recommendation]]\ncode = 'X-1'\nen = 'a'\nko = 'b'\n",
     "recommendation[1] (X-1): the code is used twice"),
])
def test_a_wrong_catalogue_is_refused_naming_file_and_entry(tmp_path: Path, body: str,
                                                            where: str) -> None:
    source = ("[source]\nissuer = 'I'\naddressee = 'A'\ndate = 2013-05-30\nen = 'e'\n"
              "ko = 'k'\nverification = 'V'\nrecommendations_verification = 'R'\n")
    path = tmp_path / f"recommendations_{abs(hash(body))}.toml"
    path.write_text(body.replace("{source}", source), encoding="utf-8")
    with pytest.raises(CatalogueFileError) as error:
        catalogue.catalogue(path)
    assert str(error.value).startswith(path.name) and where in str(error.value)


def test_an_indicator_with_an_unknown_act_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "indicators.toml"
    path.write_text("[indicator.x]\nen = 'a'\nko = 'b'\nzh = 'c'\nact_types = ['forced_retrun']\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueFileError, match=r"indicators.toml: indicator.x: act_types: "
                                                 r"'forced_retrun' .* did you mean forced_return"):
        catalogue.indicators(path)
