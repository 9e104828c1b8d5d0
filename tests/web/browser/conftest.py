"""Shared pieces of the browser tests: a real ``surplace serve`` in a subprocess over a small
store, Debian's Chromium found or the tests skipped, and where screenshots go.

Each flow test may prepare the store before the server starts by requesting ``server_with``
with a function that receives the unlocked store (see ``served``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from surplace.access import auth
from surplace.config import Settings
from surplace.store.engine import open_store
from surplace.vault import service as vault_service
from surplace.vault.service import Unlocked
from tests.conftest import PASSPHRASE, TEST_ARGON2

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("SURPLACE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WEB_PASSWORD = "synthetic browser password 01"

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def needs_chromium() -> pytest.MarkDecorator:
    """The mark every browser test module sets: skipped where no Chromium is installed."""
    return pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A store with an administrator who has a web password, served by ``surplace serve``;
    yields the base URL and the file the server logs to."""
    yield from served(tmp_path)


def served(tmp_path: Path, prepare: Callable[[Unlocked], None] | None = None
           ) -> Iterator[tuple[str, Path]]:
    """Create a store (administrator "admin" with :data:`WEB_PASSWORD`), let ``prepare`` fill it,
    serve it with ``surplace serve`` on a free port; yield the base URL and the server's log."""
    folder = tmp_path / "store"
    settings = Settings(store=str(folder), passphrase=None)
    store = open_store(settings, create=True)
    unlocked = vault_service.initialise(store, admin_name="admin", passphrase=PASSPHRASE,
                                        params=TEST_ARGON2)
    with unlocked.session() as session:
        auth.set_password(session, actor=unlocked.actor, user_id=unlocked.actor.user_id,
                          password=WEB_PASSWORD, hasher=auth.make_hasher(time_cost=1))
    if prepare is not None:
        prepare(unlocked)
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


@contextmanager
def watched_page() -> Iterator[tuple[Page, list[str], list[str]]]:
    """A headless Chromium page (English), with the console errors it reports and every address
    it visits collected for the test's checks; screenshots go to :data:`ARTIFACTS`."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []
    visited: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(locale="en-GB")
            page.on("console", lambda message: console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("framenavigated", lambda frame: visited.append(frame.url))
            yield page, console_errors, visited
        finally:
            browser.close()
