"""A browser walk-through (Playwright driving Debian's Chromium, headless) against a real server:
``surplace serve`` started in a subprocess on a free port over a small store.

Sign in, open the administrator's users page, switch the interface to Korean, sign out — with a
screenshot of each step in tests/web/browser/artifacts/. The page must work without any script
(there is none) and the browser must report no Content-Security-Policy violation. Nothing
secret (the web password, the store passphrase) may appear in the server's log or in a URL.

Runs wherever a Chromium is found (CI installs Debian's ``chromium``); skipped elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSPHRASE
from tests.web.browser.conftest import ARTIFACTS, WEB_PASSWORD, needs_chromium, watched_page

pytestmark = needs_chromium()


def test_sign_in_admin_users_korean_sign_out(server: tuple[str, Path]) -> None:
    base, server_log = server
    with watched_page() as (page, console_errors, visited):
        page.goto(f"{base}/admin/users")
        assert page.url.startswith(f"{base}/sign-in")
        page.screenshot(path=str(ARTIFACTS / "01-sign-in.png"), full_page=True)

        page.fill("#name", "admin")
        page.fill("#password", WEB_PASSWORD)
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(f"{base}/admin/users")
        page.screenshot(path=str(ARTIFACTS / "02-signed-in.png"), full_page=True)

        page.click("header nav >> text=Users")
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Users and roles"
        assert page.locator("table.list >> text=admin").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "03-admin-users.png"), full_page=True)

        page.click("form.languages button[value=ko]")
        page.wait_for_load_state()
        assert page.url == f"{base}/admin/users"
        assert page.locator("h1").inner_text() == "사용자와 역할"
        assert page.locator("html").get_attribute("lang") == "ko"
        page.screenshot(path=str(ARTIFACTS / "04-korean.png"), full_page=True)

        page.click("header .who button[type=submit]")
        page.wait_for_url(f"{base}/sign-in?signed_out=1")
        assert page.locator("h1").inner_text() == "로그인"
        page.screenshot(path=str(ARTIFACTS / "05-signed-out.png"), full_page=True)
        page.goto(f"{base}/admin/users")
        assert page.url.startswith(f"{base}/sign-in")
    assert not console_errors, console_errors  # a CSP violation would be reported here
    for step in ("01-sign-in", "02-signed-in", "03-admin-users", "04-korean",
                 "05-signed-out"):
        assert (ARTIFACTS / f"{step}.png").stat().st_size > 1000
    assert visited and all(WEB_PASSWORD not in url and "password" not in url for url in visited)
    text = server_log.read_text()
    assert "GET /admin/users" in text  # the log is there …
    assert WEB_PASSWORD not in text and PASSPHRASE not in text  # … and holds no secret
    assert "Traceback" not in text
