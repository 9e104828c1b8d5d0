"""Languages: every string of the templates and of the web package has a Korean and a Chinese
translation, the catalogues are well formed, and switching the language changes the pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from surplace.access.models import User
from surplace.web import i18n
from surplace.web.i18n import LOCALE_DIR, load_catalogues
from surplace.web.templating import make_templates
from tests.web.conftest import WebStore

WEB = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "N_": None, "gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[str, list[str]]:
    """Every translatable string of the web package: ``_()`` in templates, ``_()``/``N_()`` in
    Python, with where it is used."""
    found: dict[str, list[str]] = {}
    sources = [(path, "jinja2.ext:babel_extract") for path in sorted(WEB.rglob("*.html"))]
    sources += [(path, "python") for path in sorted(WEB.rglob("*.py"))]
    for path, method in sources:
        for lineno, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS):
            text = message[0] if isinstance(message, tuple) else message
            found.setdefault(text, []).append(f"{path.relative_to(WEB)}:{lineno}")
    return found


def test_every_string_has_korean_and_chinese() -> None:
    messages = extracted()
    assert len(messages) > 100
    catalogues = load_catalogues()
    missing = []
    for locale in ("ko", "zh"):
        catalog = catalogues[locale]
        for message, where in sorted(messages.items()):
            translated = catalog.gettext(message)
            if translated == message and message.strip():
                missing.append(f"{locale}: {message!r} ({where[0]})")
            elif sorted(PLACEHOLDER.findall(translated)) != sorted(PLACEHOLDER.findall(message)):
                missing.append(f"{locale}: placeholders differ in {message!r}")
    assert not missing, f"{len(missing)} untranslated:\n" + "\n".join(missing)


def test_catalogues_are_well_formed() -> None:
    files = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    assert {path.parts[-3] for path in files} == {"ko", "zh"}
    for path in files:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=path.parts[-3])
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not fuzzy, f"{path}: fuzzy entries {fuzzy}"
        empty = [m.id for m in catalog if m.id and not m.string]
        assert not empty, f"{path}: untranslated entries {empty}"


def test_switching_language_changes_the_page(client: TestClient,
                                             csrf: Callable[[TestClient], str]) -> None:
    english = client.get("/sign-in")
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    switched = client.post("/language", data={"locale": "ko", "next": "/sign-in",
                                              "csrf_token": csrf(client)})
    assert switched.status_code == 303 and switched.headers["location"] == "/sign-in"
    korean = client.get("/sign-in")
    assert '<html lang="ko">' in korean.text and "로그인" in korean.text
    assert "Account name" not in korean.text
    client.post("/language", data={"locale": "zh", "next": "//elsewhere",
                                   "csrf_token": csrf(client)})
    assert "登录" in client.get("/sign-in").text


def test_browser_language_is_the_default(client: TestClient) -> None:
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh">' in page.text
    page = client.get("/sign-in", headers={"Accept-Language": "fr-FR, ko;q=0.4"})
    assert '<html lang="ko">' in page.text


def test_signed_in_user_keeps_their_language(
        app: FastAPI, client: TestClient, sign_in: Callable[..., TestClient],
        form: Callable[..., dict[str, str]], web_store: WebStore) -> None:
    sign_in(client, "caseworker")
    client.post("/language", data=form(client, locale="ko", next="/account"))
    with web_store.session() as session:
        assert session.scalar(select(User.locale).where(
            User.id == web_store.user_ids["caseworker"])) == "ko"
    with TestClient(app) as elsewhere:  # another browser, no language cookie
        sign_in(elsewhere, "caseworker")
        page = elsewhere.get("/account")
        assert "내 계정" in page.text and "로그아웃" in page.text and "사례 담당자" in page.text


def test_dates_and_numbers_follow_the_locale() -> None:
    environment = make_templates()
    template = environment.from_string("{{ day | date }}|{{ moment | datetime }}|"
                                       "{{ count | number }}")
    values = {"day": date(2026, 3, 5), "moment": datetime(2026, 3, 5, 14, 30),
              "count": 1234567.5}
    english = template.render(locale="en", **values).split("|")
    korean = template.render(locale="ko", **values).split("|")
    chinese = template.render(locale="zh", **values).split("|")
    assert english[0] == "Mar 5, 2026" and english[2] == "1,234,567.5"
    assert korean[0].startswith("2026. 3. 5") and korean[1].endswith("UTC")
    assert chinese[0].startswith("2026年3月5日")
