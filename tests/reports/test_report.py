"""The briefing made from a small demo store, on both back ends: the PDF renders (pages turned
into images and checked), the HTML is self-contained and opens in Chromium without console
errors, both editions are in their language, small cells are suppressed, and no name, birth
date or home county of any simulated person appears anywhere in either file."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

from surplace.access.policy import AccessDenied
from surplace.errors import InvalidInput
from surplace.incidents import counts
from surplace.reports import gather, service
from surplace.reports.disclosure import TOTAL
from surplace.reports.strings import missing_keys
from surplace.vault import audit_service
from tests.reports.conftest import Built, identifying_values

LANGUAGES = ("en", "ko")
DATA_SVG = re.compile(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _svgs(html: str) -> list[str]:
    return [base64.b64decode(data).decode("utf-8") for data in DATA_SVG.findall(html)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_renders_pages_that_are_not_blank(built: Built, tmp_path: Path,
                                                   language: str) -> None:
    made = built.reports[language]
    assert made.pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(made.pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == made.pages >= 4
    for page in pages:
        with Image.open(page) as image:
            assert abs(image.width - 331) <= 2 and abs(image.height - 468) <= 2  # A4, 40 dpi
            grey = image.convert("L")
            dark = sum(grey.histogram()[:200]) / (image.width * image.height)
            assert dark > 0.004, f"{page.name} is blank"
            assert ImageStat.Stat(grey).stddev[0] > 5
    assert made.figures >= 5  # time, province, overlaps, estimates, estimated v documented


def test_both_editions_speak_their_language(built: Built) -> None:
    assert missing_keys() == []
    english, korean = (_pdf_text(built.reports[lang].pdf) for lang in LANGUAGES)
    for heading in ("Documented acts by type over time", "How the sources overlap",
                    "Estimated totals by year", "Recommendations and their status",
                    "Methods appendix", "What the numbers cannot say", "HRW-2013-3"):
        assert heading in english
    for heading in ("연도별·유형별 기록된 행위", "출처들은 어떻게 겹치는가",
                    "연도별·기간별 추정 전체 규모", "권고와 이행 현황", "방법 부록",
                    "이 수치가 말할 수 없는 것", "강제송환", "유엔난민기구"):
        assert heading in korean, heading
    assert "Stop forcibly returning" in english and "강제송환하는 것을 중단" in korean
    html = built.reports["ko"].html.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_identity_appears_in_html_or_pdf(built: Built, language: str) -> None:
    made = built.reports[language]
    html = made.html.read_text(encoding="utf-8")
    texts = {"html": html, "pdf": _pdf_text(made.pdf), "figures": "\n".join(_svgs(html))}
    values = identifying_values(built.persons)
    assert len(values) > 3 * len(built.persons)
    for where, content in texts.items():
        leaked = [value for value in values if value in content]
        assert leaked == [], f"{len(leaked)} identifying value(s) in the {where}"
    assert "researcher-1" not in html  # who judged stays out of a published briefing
    assert "synthetic evidence" not in html  # working notes too


def test_the_html_is_self_contained_and_opens_in_chromium(built: Built) -> None:
    for language in LANGUAGES:
        html = built.reports[language].html.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)
        assert "url(" not in html and "@import" not in html and "<script" not in html
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            for language in LANGUAGES:
                page = browser.new_page()
                problems: list[str] = []
                requests: list[str] = []
                page.on("console", lambda message, found=problems: found.append(
                    message.text) if message.type in ("error", "warning") else None)
                page.on("pageerror", lambda error, found=problems: found.append(str(error)))
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.goto(built.reports[language].html.as_uri())
                page.wait_for_load_state("load")
                assert problems == []
                assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
                images = page.eval_on_selector_all(
                    "img", "images => images.map(i => [i.complete, i.naturalWidth])")
                assert len(images) >= 5 and all(done and width > 0 for done, width in images)
                sections = page.eval_on_selector_all("section", "s => s.map(x => x.id)")
                assert sections == built.reports[language].sections
                page.close()
        finally:
            browser.close()


def test_small_cells_are_suppressed_as_exports_do(built: Built) -> None:
    researcher = built.staff["researcher"]
    with built.unlocked.session() as session:
        scope = gather.resolve_scope(session, period=(2019, 2024), region=None, threshold=5)
        table, _ = gather.types_by_year(session, researcher, scope)
        truth = counts.count_acts(session, actor=researcher, by=("act_type", "year"))
    actual = {(row.key["act_type"], row.key["year"]): row.acts for row in truth.rows}
    hidden = 0
    for act_type in table.rows:
        for year in table.columns:
            shown = table.get(act_type, year)
            value = actual.get((act_type, year), 0)
            if shown is None:
                hidden += 1
                assert value > 0  # a zero is never hidden
            else:
                assert shown == value and not 0 < shown < 5
    assert hidden > 0 and table.get(TOTAL, TOTAL) == sum(
        v for (_, year), v in actual.items() if year != counts.UNKNOWN)
    html = built.reports["en"].html.read_text(encoding="utf-8")
    cells = re.findall(r"<td>(\d[\d,]*)</td>", html)
    assert all(int(cell.replace(",", "")) == 0 or int(cell.replace(",", "")) >= 5
               for cell in cells)
    assert "not shown (fewer than 5 documented)" in html  # the estimate resting on 3 acts
    # Indicators are read off the published table: HRW's date (2013) is before the period, so
    # documented forced returns are the row's total, shown only if the table shows it.
    returns = table.get("forced_return", TOTAL)
    expected = "–" if returns is None else f"{returns:,}"
    assert ('<td class="text">Documented forced returns since the recommendation</td>'
            f"<td>2019–2024</td><td>{expected}</td>") in html


def test_estimates_recommendations_and_methods_are_in_the_report(built: Built) -> None:
    html = built.reports["en"].html.read_text(encoding="utf-8")
    assert html.count("dga: graphical-model averaging") >= 6
    for text in ("Synthetic returns were documented in every year of the period.",
                 "documented act: forced return (refoulement)", "estimate of acts (dga",
                 "Verification: V / R.", "Documented forced returns since the recommendation",
                 "SYN-MONITOR", "Pairs still waiting for review", "accepted: 2",
                 "Seed 2013", "The population is closed"):
        assert text in html, text
    korean = built.reports["ko"].html.read_text(encoding="utf-8")
    assert "2013년 이후로도 송환이 보고되었다" in korean  # the catalogue's reason, translated
    entries = audit_service.list_entries(built.unlocked, action="report.write")
    assert len(entries) >= 2 and all("suppressed_cells" in (e.detail or "") for e in entries)


def test_options_and_access(built: Built, tmp_path: Path) -> None:
    analyst = built.staff["analyst"]
    with built.unlocked.session() as session:
        made = service.make_report(session, actor=analyst, out=tmp_path, options={
            "period": "2020-2021", "region": "CN-22", "language": "en", "threshold": 10})
    assert (made.period, made.region) == ("2020-2021", "CN-JL")
    html = made.html.read_text(encoding="utf-8")
    assert "Period: 2020–2021. Region: Jilin." in html
    assert not any(0 < int(c.replace(",", "")) < 10
                   for c in re.findall(r"<td>(\d[\d,]*)</td>", html))
    for role in ("viewer", "caseworker"):
        with pytest.raises(AccessDenied, match="aggregate read"), \
                built.unlocked.session() as session:
            service.make_report(session, actor=built.staff[role], out=tmp_path / role,
                                options={})
    assert not (tmp_path / "viewer").exists()
    bad = [({"region": "Yanji"}, "region: 'Yanji' is a"), ({"region": "Atlantis"},
                                                             "region: the place given is not in"),
           ({"language": "fr"}, "language"), ({"period": "2020-2010"}, "ends before")]
    for options, message in bad:
        with pytest.raises((InvalidInput, ValueError), match=message), \
                built.unlocked.session() as session:
            service.make_report(session, actor=analyst, out=tmp_path / "bad", options=options)
    assert not (tmp_path / "bad").exists()


def test_linked_persons_overlap_when_linkage_gives_histories(built: Built,
                                                             tmp_path: Path) -> None:
    pytest.importorskip("surplace.linkage.histories",
                        reason="the linkage domain's person capture histories are not there yet")
    import hashlib

    from sqlalchemy import select

    from surplace.linkage.models import RecordPerson
    from surplace.records.models import Person, Record, Source

    with built.unlocked.session() as session:
        sources = {s.code: s.id for s in session.scalars(select(Source))}
        people = list(session.scalars(select(Person.id).order_by(Person.id).limit(40)))
        for index, person in enumerate(people):
            lists = ["SYN-MONITOR"] if index < 20 else ["SYN-SHELTER"] if index < 28 else [
                "SYN-MONITOR", "SYN-SHELTER"]
            for code in lists:
                record = Record(source_id=sources[code], event_year=2020, sex="F",
                                origin_province="KP-09", payload={"name": "synthetic"},
                                content_digest=hashlib.sha256(f"{code}{index}".encode()).digest())
                session.add(record)
                session.flush()
                session.add(RecordPerson(record_id=record.id, person_id=person, how="auto"))
    with built.unlocked.session() as session:
        made = service.make_report(session, actor=built.staff["researcher"], out=tmp_path,
                                   options={"period": "2019-2024"})
    html = made.html.read_text(encoding="utf-8")
    assert "Linked persons by combination of sources" in html
    assert "<td class=\"text\">SYN-MONITOR + SYN-SHELTER</td><td>12</td>" in html


def test_estimates_of_periods_are_drawn_beside_the_documented_count(built: Built,
                                                                    tmp_path: Path) -> None:
    """People in hiding are estimated by periods of years (a year's lists see too few): the
    report shows each period inside its own period, with the documented count beside it; one
    for a province only in that province's report, one reaching past the period not at all."""
    from sqlalchemy import delete

    from surplace.estimation.models import EstimateRun

    rows = [EstimateRun(subject="persons", stratum={"period": "2019-2021"}, lists=["A", "B"],
                        method="lcmcr", observed=412, estimate=655.0, lower=540.0, upper=801.0,
                        details={"label": "LCMCR: latent classes, K=10"}),
            EstimateRun(subject="persons", stratum={"period": "2022-2024"}, lists=["A", "B"],
                        method="lcmcr", observed=377, estimate=598.0, lower=480.0, upper=760.0,
                        details={"label": "LCMCR: latent classes, K=10"}),
            EstimateRun(subject="persons", stratum={"period": "2019-2021", "province": "CN-JL"},
                        lists=["A", "B"], method="lcmcr", observed=301, estimate=470.0,
                        lower=390.0, upper=590.0, details={"label": "LCMCR: latent classes, K=10"}),
            EstimateRun(subject="persons", stratum={"period": "2012-2025"}, lists=["A", "B"],
                        method="lcmcr", observed=999, estimate=1500.0, lower=1200.0,
                        upper=1900.0, details={"label": "LCMCR: latent classes, K=10"})]
    researcher = built.staff["researcher"]
    try:
        with built.unlocked.session() as session:
            session.add_all(rows)
        with built.unlocked.session() as session:
            made = service.make_report(session, actor=researcher, out=tmp_path / "all",
                                       options={"period": "2019-2024"})
            jilin = service.make_report(session, actor=researcher, out=tmp_path / "jl",
                                        options={"period": "2019-2024", "region": "CN-JL"})
        html = made.html.read_text(encoding="utf-8")
        for period, observed, estimate, interval in (("2019-2021", "412", "655", "540 – 801"),
                                                     ("2022-2024", "377", "598", "480 – 760")):
            assert (f'<tr><td class="text">people · {period}</td><td class="text">LCMCR: '
                    f"latent classes, K=10</td>\n<td>{observed}</td><td>{estimate}</td>\n"
                    f"<td>{interval}</td>") in html
        assert "2012-2025" not in html and "1,500" not in html
        assert "<th class=\"text\">Year or period</th>" in html
        assert "People: the latest estimate for 2022-2024" in html
        svgs = _svgs(html)
        assert len(svgs) >= made.figures >= 7  # the people's estimates and versus figures too
        jilin_html = jilin.html.read_text(encoding="utf-8")
        assert "people · 2019-2021" in jilin_html and "<td>301</td>" in jilin_html
        assert "people · 2022-2024" not in jilin_html
    finally:
        with built.unlocked.session() as session:
            session.execute(delete(EstimateRun).where(EstimateRun.subject == "persons"))
