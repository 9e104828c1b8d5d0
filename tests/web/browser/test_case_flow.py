"""A browser walk-through of case work (Playwright driving Debian's Chromium, headless) against
a real ``surplace serve``: sign in; from the "open a case" form, register the person first
(a Hangul and a Latin name, birth year, home place, contact) and come back with them chosen;
open the case; find the person by the Hangul name; move the case to its interview; record the
interview with its facts (one wrong field first, re-displayed with its message); run the
assessment and read the draft — a screenshot of each step in
tests/web/browser/artifacts/case-*.png.

No identifying value typed in (the names, the contact, the interpreter, the location, the
account, the record) and no secret may appear in any URL visited, in any message shown beside
a field or on an error page, or in the server's log; the browser must report no console error (a
Content-Security-Policy violation would be one).

The store holds only the gazetteer (public geography) when the server starts; the person's
names, 김영희 and Synthetic Kim Yonghui, are synthetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from surplace.records import gazetteer
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE
from tests.web.browser.conftest import (
    ARTIFACTS,
    WEB_PASSWORD,
    needs_chromium,
    served,
    watched_page,
)

pytestmark = needs_chromium()

#: Synthetic values standing for what must never leave the page it was typed on.
HANGUL_NAME = "김영희"
LATIN_NAME = "Synthetic Kim Yonghui"
CONTACT = "Synthetic phone 010-0000-0000"
LOCATION = "Synthetic safe house 7, Yanji"
INTERPRETER = "Synthetic Interpreter Pak"
ACCOUNT = "Synthetic account: crossed the Tumen in 2019 and fears being sent back."
RECORD = "Synthetic interview record: she was questioned twice by border guards."
TYPED = (HANGUL_NAME, LATIN_NAME, CONTACT, LOCATION, INTERPRETER, ACCOUNT, RECORD)
SECRETS = (WEB_PASSWORD, PASSPHRASE)


def _gazetteer(unlocked: Unlocked) -> None:
    with unlocked.session() as session:
        gazetteer.seed_places(session)


@pytest.fixture
def case_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield from served(tmp_path, _gazetteer)


def _leaks(text: str) -> list[str]:
    values = [*TYPED, *SECRETS]
    return [value for value in values if value in text or quote(value) in text
            or quote(value).replace("%20", "+") in text]


def test_register_interview_assess_and_read_the_draft(case_server: tuple[str, Path]) -> None:
    from playwright.sync_api import Page

    base, server_log = case_server
    messages: list[str] = []

    def shoot(page: Page, name: str) -> None:
        messages.extend(page.locator(".error").all_inner_texts())
        page.screenshot(path=str(ARTIFACTS / f"case-{name}.png"), full_page=True)

    with watched_page() as (page, console_errors, visited):
        page.goto(f"{base}/cases/new")
        assert page.url.startswith(f"{base}/sign-in")
        page.fill("#name", "admin")
        page.fill("#password", WEB_PASSWORD)
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/cases/new")
        shoot(page, "01-signed-in")

        page.click("a[href='/persons/new?then=case']")
        page.wait_for_url(f"{base}/persons/new?then=case")
        assert page.locator("#name0_script").input_value() == "hangul"
        page.fill("#name0_full", HANGUL_NAME)
        page.select_option("#name2_script", "latin")
        page.select_option("#name2_kind", "alias")
        page.fill("#name2_full", LATIN_NAME)
        page.select_option("#sex", "F")
        page.fill("#birth_date", "1994")
        page.fill("#origin_place", "Hoeryong")
        page.fill("#contact", CONTACT)
        shoot(page, "02-register-the-person")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/cases/new?person=*")
        person_id = page.url.split("?person=", 1)[1]
        assert person_id and page.locator("#principal").input_value() == person_id
        shoot(page, "03-person-registered-and-chosen")

        page.fill("#languages", "ko")
        page.fill("#current_location", LOCATION)
        page.click("form.stacked button[type=submit]")
        page.wait_for_load_state()
        number = page.locator("h1").inner_text().rsplit(" ", 1)[-1]
        assert page.url == f"{base}/cases/{number}"
        assert page.locator("span.name", has_text=HANGUL_NAME).count() == 1
        page.select_option("#name", "register")
        page.click("form[action$='/transition'] button[type=submit]")
        page.wait_for_url(f"{base}/cases/{number}")
        page.select_option("#name", "decide_processing")
        page.select_option("#modality", "regular")
        page.click("form[action$='/transition'] button[type=submit]")
        page.wait_for_url(f"{base}/cases/{number}")
        shoot(page, "04-case-opened")

        page.goto(f"{base}/persons")
        page.fill("input[name=name][type=search]", HANGUL_NAME)
        page.click("form[action='/persons/search'] button[type=submit]")
        page.wait_for_load_state()
        pseudonym = page.locator("table.list tbody a").first.inner_text()
        assert pseudonym and HANGUL_NAME not in pseudonym
        shoot(page, "05-person-found-by-hangul-name")
        page.click("table.list tbody a")
        page.wait_for_load_state()
        assert page.locator("td.name", has_text=LATIN_NAME).count() == 1
        assert "North Hamgyong" in page.locator("dl.facts").inner_text()
        page.goto(f"{base}/cases/{number}")

        page.click(f"a[href='/cases/{number}/interviews/new']")
        page.wait_for_url(f"{base}/cases/{number}/interviews/new")
        assert page.locator("#held_on").input_value() == date.today().isoformat()
        page.select_option("#language", "ko")
        page.fill("#interpreter", INTERPRETER)
        page.check("input[name=interpreter_undertaking]")
        page.fill("#record", RECORD)
        page.check("input[name=read_back]")
        page.fill("#fact-claim_summary", ACCOUNT)
        for fact in ("dprk_national", "outside_dprk", "fears_return",
                     "unauthorised_exit_or_stay", "generally_credible"):
            page.select_option(f"#fact-{fact}", "yes")
        page.select_option("#fact-location", "china")
        page.fill("#fact-times_crossed", "1")
        page.fill("#fact-date_left_dprk", "2019-03-01")
        page.fill("#duration_minutes", "80")
        page.fill("#held_on", (date.today() + timedelta(days=2)).isoformat())  # refused
        page.click("form.stacked button[type=submit]")
        page.wait_for_load_state()
        assert "in the future" in page.locator("#error-held_on").inner_text()
        assert page.locator("#interpreter").input_value() == INTERPRETER
        assert page.locator("#fact-location").input_value() == "china"
        shoot(page, "06-interview-form-with-a-message")

        page.fill("#held_on", date.today().isoformat())
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/cases/{number}#interviews")
        assert page.locator("article.interview").count() == 1
        shoot(page, "07-interview-recorded")

        page.click(f"a[href='/cases/{number}/assessment']")
        page.wait_for_url(f"{base}/cases/{number}/assessment")
        page.select_option("#jurisdiction", "unhcr")
        shoot(page, "08-run-the-assessment")
        page.click("form[action$='/assessment'] button[type=submit]")
        page.wait_for_url(f"{base}/cases/{number}/assessments/*")
        draft = page.locator("article.draft")
        assert draft.locator("h3").inner_text() == "Draft assessment"
        assert "Outside the country of nationality: met." in draft.inner_text()
        assert ACCOUNT in draft.inner_text()  # the draft states the account, on the page only
        shoot(page, "09-assessment-draft")

        page.goto(f"{base}/cases/{number}/assessments/no-such-assessment")
        assert page.locator("h1").count() == 1
        messages.append(page.locator("main").inner_text())  # an error page
        shoot(page, "10-error-page")

    # The refused form (422) and the missing assessment (404) are reported as failed loads;
    # anything else (a Content-Security-Policy violation, a missing stylesheet) is a fault.
    expected = {f"Failed to load resource: the server responded with a status of {status}"
                for status in ("422 (Unprocessable Entity)", "404 (Not Found)")}
    assert sorted(set(console_errors)) == sorted(expected), console_errors
    assert len(console_errors) == 2, console_errors
    for step in ("01-signed-in", "02-register-the-person", "03-person-registered-and-chosen",
                 "04-case-opened", "05-person-found-by-hangul-name",
                 "06-interview-form-with-a-message", "07-interview-recorded",
                 "08-run-the-assessment", "09-assessment-draft", "10-error-page"):
        assert (ARTIFACTS / f"case-{step}.png").stat().st_size > 1000, step
    assert visited
    assert not [url for url in visited if _leaks(url)], visited
    assert not [text for text in messages if _leaks(text)], messages
    log = server_log.read_text(encoding="utf-8")
    assert f"POST /cases/{number}/interviews" in log  # the log is there …
    assert re.search(r"POST /persons(?![/\w])", log)  # the person form was posted
    assert not _leaks(log), _leaks(log)  # … and holds nothing typed in and no secret
    assert "Traceback" not in log
