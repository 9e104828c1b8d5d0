"""A browser walk-through (Playwright driving Debian's Chromium, headless) against a real server:
``surplace serve`` started in a subprocess on a free port over a small store.

Sign in, open the administrator's users page, switch the interface to Korean, sign out — with a
screenshot of each step in tests/web/browser/artifacts/. The page must work without any script
(there is none) and the browser must report no Content-Security-Policy violation. Nothing
secret (the web password, the store passphrase) may appear in the server's log or in a URL.

Runs wherever a Chromium is found (CI installs Debian's ``chromium``); skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from surplace.access import auth
from surplace.config import Settings
from surplace.store.engine import open_store
from surplace.vault import service as vault_service
from tests.conftest import PASSPHRASE, TEST_ARGON2

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("SURPLACE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WEB_PASSWORD = "synthetic browser password 01"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"no Chromium at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A store with an administrator who has a web password, served by ``surplace serve``;
    yields the base URL and the file the server logs to."""
    folder = tmp_path / "store"
    settings = Settings(store=str(folder), passphrase=None)
    store = open_store(settings, create=True)
    unlocked = vault_service.initialise(store, admin_name="admin", passphrase=PASSPHRASE,
                                        params=TEST_ARGON2)
    with unlocked.session() as session:
        auth.set_password(session, actor=unlocked.actor, user_id=unlocked.actor.user_id,
                          password=WEB_PASSWORD, hasher=auth.make_hasher(time_cost=1))
    store.dispose()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SURPLACE_")}
    env.update({"SURPLACE_STORE": str(folder), "SURPLACE_PASSPHRASE": PASSPHRASE,
                "SURPLACE_ARGON2_TIME_COST": "1", "PYTHONUNBUFFERED": "1"})
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "surplace", "serve", "--port", str(port)],
            env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the server did not start:\n" + log.read_text())
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_sign_in_admin_users_korean_sign_out(server: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, server_log = server
    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []
    visited: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(locale="en-GB")
        page.on("console", lambda message: console_errors.append(message.text)
                if message.type == "error" else None)
        page.on("framenavigated", lambda frame: visited.append(frame.url))

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
        browser.close()
    assert not console_errors, console_errors  # a CSP violation would be reported here
    for step in ("01-sign-in", "02-signed-in", "03-admin-users", "04-korean",
                 "05-signed-out"):
        assert (ARTIFACTS / f"{step}.png").stat().st_size > 1000
    assert visited and all(WEB_PASSWORD not in url and "password" not in url for url in visited)
    text = server_log.read_text()
    assert "GET /admin/users" in text  # the log is there …
    assert WEB_PASSWORD not in text and PASSPHRASE not in text  # … and holds no secret
    assert "Traceback" not in text
