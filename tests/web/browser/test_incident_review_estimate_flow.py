"""A documenter's and reviewer's walk through a real server in Chromium (headless, no script on
the pages): sign in → document an incident → add a forced-return act (first with a name typed
where the pseudonym belongs, which is refused without repeating it) → see the act on the
incident page and the incident in the list filtered by act type → open the review queue →
accept the pair → see the decision recorded (the notice, the undo button, the merge in the
cluster history) → open an estimate → its charts load.

The store is filled before the server starts: the gazetteer, a graded source and a victim
registered with a name and birth date (all synthetic), five simulated lists linked by the real
engine with a high upper threshold so that uncertain pairs wait for review, and a stored
estimate. A screenshot of each step goes to tests/web/browser/artifacts/ (``incident-NN-….png``).

Nothing identifying may leave the pages: no name or birth date — typed in a form, registered,
or in a linked record — and no secret may appear in any address the browser visited or in any
line of the server's log; the refusal shown for the mistyped name does not repeat it; the
browser reports no console error but the refused form's 422 (a Content-Security-Policy
violation would be one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from surplace.estimation import runs
from surplace.estimation.histories import CaptureHistories
from surplace.estimation.service import estimate
from surplace.linkage.store import link_records
from surplace.records import gazetteer
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.sources import SourceIn, add_source
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE
from tests.linkage.test_store import make_lists
from tests.web.browser.conftest import (
    ARTIFACTS,
    WEB_PASSWORD,
    needs_chromium,
    served,
    watched_page,
)

pytestmark = needs_chromium()

#: Invented; any likeness to a real person is chance.
VICTIM_NAMES = ("합성브라우저", "Synthetic Browserwalk Ri")
VICTIM_BIRTH = date(1988, 7, 14)
WITNESS = "Synthetic Witness Pak Sun-hui"  # typed into the sealed texts of the forms
SOURCE = "SYN-WALK-1"
LISTS = ("SYN-EST-A", "SYN-EST-B", "SYN-EST-C")


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, object]]]:
    """The served store and what the walk needs to know about it (the victim's pseudonym,
    the estimate's id, every identifying value that was stored)."""
    known: dict[str, object] = {}

    def prepare(unlocked: Unlocked) -> None:
        admin = unlocked.actor
        with unlocked.session() as session:
            gazetteer.seed_places(session)
            add_source(session, actor=admin, data=SourceIn(
                code=SOURCE, kind="organisation", reliability="C", name="Synthetic walk org"))
            known["victim"] = records_service.register_person(session, actor=admin, data=PersonIn(
                names=[NameIn(full_name=VICTIM_NAMES[0], script="hangul"),
                       NameIn(full_name=VICTIM_NAMES[1])], sex="F",
                birth_date=VICTIM_BIRTH)).pseudonym
        lists = make_lists(unlocked, persons=50, seed=3)
        with unlocked.session() as session:
            linked = link_records(session, actor=admin, lower=0.2, upper=0.995)
        assert linked.queued >= 1, "the linkage run left no pair to review"
        records = lists.records
        known["stored"] = sorted({str(value) for column in ("name", "birth")
                                  for value in records[column].dropna() if len(str(value)) >= 6})
        histories = CaptureHistories.from_patterns(
            LISTS, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]],
            [40, 35, 30, 12, 10, 8, 5])
        report = estimate(histories, method="dga", seed=7)
        with unlocked.session() as session:
            known["run_id"] = runs.save_report(session, actor=admin, subject="file",
                                               report=report, histories=histories)[0].id

    for base, log in served(tmp_path, prepare):
        yield base, log, known


def test_document_incident_review_pair_and_see_an_estimate(
        walk: tuple[str, Path, dict[str, object]]) -> None:
    from playwright.sync_api import Page

    base, server_log, known = walk
    victim, run_id = str(known["victim"]), str(known["run_id"])
    shots: list[str] = []

    def shot(page: Page, name: str) -> None:
        shots.append(f"incident-{len(shots) + 1:02d}-{name}.png")
        page.screenshot(path=str(ARTIFACTS / shots[-1]), full_page=True)

    with watched_page() as (page, console_errors, visited):
        page.goto(f"{base}/incidents/new")
        assert page.url.startswith(f"{base}/sign-in")
        page.fill("#name", "admin")
        page.fill("#password", WEB_PASSWORD)
        shot(page, "sign-in")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/incidents/new")

        # Document an incident: a month-precise date, a place typed in Korean.
        page.fill("#title", "Synthetic return near Tumen")
        page.fill("#date", "2024-03")
        page.fill("#place", "도문")
        page.select_option("#monitoring_status", "investigating")
        page.fill("#description", f"{WITNESS} saw the handover at the bridge.")
        shot(page, "incident-form")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/incidents/*")
        incident_url = page.url
        assert page.locator("h1").inner_text() == "Synthetic return near Tumen"
        assert "CN-JL-tumen" in page.content() and "month known" in page.content()
        shot(page, "incident-page")

        # Add a forced-return act; a name typed as the victim is refused, not repeated.
        page.click("text=Add an act")
        page.wait_for_url(f"{incident_url}/acts")
        page.select_option("#act_type", "forced_return")
        page.fill("#victim", VICTIM_NAMES[1])
        page.fill("#date", "2024-03-12")
        page.fill("#place", "CN-JL-tumen")
        page.select_option("#victim_status", "handed_over")
        page.select_option("#unit", "cn_border_police")
        page.select_option("#degree", "direct_perpetrator")
        page.fill("#return_from_place", "Tumen")
        page.select_option("#handed_to_unit", "kp_mss")
        page.fill("#crossing_point", "X-tumen-namyang")
        page.fill("#consequences", f"Held at Onsong, as {WITNESS} reported.")
        page.select_option("#source", SOURCE)
        page.select_option("#connection", "witness")
        page.select_option("#reliability", "B")
        page.select_option("#credibility", "2")
        page.fill("#content", f"{WITNESS}: the police drove her to the bridge.")
        page.click("form.stacked button[type=submit]")
        page.wait_for_load_state()
        refusal = page.locator("#error-victim").inner_text()
        assert "no person" in refusal and VICTIM_NAMES[1] not in refusal
        assert page.input_value("#crossing_point") == "X-tumen-namyang"  # the input is kept
        shot(page, "act-refused")
        page.fill("#victim", victim)
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{incident_url}#act-*")
        act = page.locator("article.act")
        assert act.count() == 1
        text = act.inner_text()
        for expected in ("forced return (refoulement)", victim, SOURCE, "B2",
                         "border police", "X-tumen-namyang"):
            assert expected in text, expected
        shot(page, "act-on-incident-page")

        page.click("header nav >> text=Incidents")
        page.select_option("section.filters select[name=act_type]", "forced_return")
        page.click("section.filters button[type=submit]")
        page.wait_for_url(f"{base}/incidents?*act_type=forced_return*")
        assert page.locator(f'table.list a[href="{incident_url.removeprefix(base)}"]').count() == 1
        shot(page, "incidents-by-act-type")

        # The review queue: accept the pair shown, see the decision recorded.
        page.click("header nav >> text=Review queue")
        page.wait_for_url(f"{base}/linkage/review")
        persons = page.locator("table.pair a[href^='/persons/']")
        assert persons.count() == 2
        pseudonyms = [str(persons.nth(i).inner_text()) for i in range(2)]
        shot(page, "review-queue")
        page.click("button[name=decision][value=accept]")
        page.wait_for_url(f"{base}/linkage/review?done=*&decision=accept")
        assert "Accepted: the two records are now one person." in page.content()
        assert page.locator("text=Undo that decision").count() == 1
        shot(page, "pair-accepted")
        histories = ""
        for pseudonym in pseudonyms:
            page.goto(f"{base}/linkage/persons/{pseudonym}/history")
            histories += page.content()
        assert ">merge<" in histories
        shot(page, "cluster-history")

        # An estimate and its charts.
        page.click("header nav >> text=Estimates")
        page.wait_for_url(f"{base}/estimates")
        page.click(f'a[href="/estimates/{run_id}"] >> nth=0')
        page.wait_for_url(f"{base}/estimates/{run_id}")
        page.wait_for_load_state("networkidle")
        widths = page.evaluate(
            "() => Array.from(document.images).map(image => image.naturalWidth)")
        assert len(widths) >= 2 and all(width > 0 for width in widths), widths
        shot(page, "estimate-chart")

    # The refused act form answers 422, which Chromium reports as a failed load; nothing else
    # may be reported (a Content-Security-Policy violation would be).
    refused = [message for message in console_errors if "status of 422" in message]
    assert len(refused) == 1, console_errors
    assert not [message for message in console_errors if message not in refused], console_errors
    assert len(shots) == 10
    for name in shots:
        assert (ARTIFACTS / name).stat().st_size > 1000, name
    log = server_log.read_text()
    assert "POST /incidents" in log and "GET /linkage/review" in log  # the log is there …
    assert "Traceback" not in log
    stored = [str(value) for value in known["stored"]]  # type: ignore[attr-defined]
    identifying = [*VICTIM_NAMES, VICTIM_BIRTH.isoformat(), WITNESS, *stored]
    secrets = [WEB_PASSWORD, PASSPHRASE]
    addresses = "\n".join(visited)
    for value in (*identifying, *secrets):  # … and neither it nor any address holds one
        assert value not in log, value
        assert value not in addresses, value
    assert "password" not in addresses
