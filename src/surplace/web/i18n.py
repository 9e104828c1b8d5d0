"""Languages: English (the source), Korean and Chinese, from Babel catalogues.

Every ``.po`` file under ``locales/<locale>/LC_MESSAGES/`` is read and merged when the app starts
(the core's ``core.po``, the pages' ``pages.po``, any later one), so each part of the application
keeps its own catalogue. Templates get ``_`` (gettext with ``%(name)s`` values) and ``locale``;
Python code marks strings it hands to templates with :func:`N_` so that extraction finds them.
The language is the signed-in user's (``User.locale``), else the ``surplace_lang`` cookie
(``POST /language``), else the browser's Accept-Language, else English. Dates and numbers are
formatted by Babel for that locale (the template filters ``date``, ``datetime``, ``number``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context

LOCALES: tuple[str, ...] = ("en", "ko", "zh")
#: Each language named in itself, for the switcher.
LOCALE_NAMES: dict[str, str] = {"en": "English", "ko": "한국어", "zh": "中文"}
LOCALE_DIR = Path(__file__).parent / "locales"
LANG_COOKIE = "surplace_lang"

Gettext = Callable[..., str]


def N_(message: str) -> str:  # noqa: N802 - the conventional name extraction looks for
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


def load_catalogues(directory: Path = LOCALE_DIR) -> dict[str, Translations]:
    """Every language's catalogues merged into one Translations per language."""
    found: dict[str, Translations] = {}
    for locale in LOCALES:
        merged: Translations | None = None
        for path in sorted((directory / locale / "LC_MESSAGES").glob("*.po")):
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            buffer = BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            loaded = Translations(fp=buffer)
            if merged is None:
                merged = loaded
            else:
                merged.merge(loaded)
        if merged is not None:
            found[locale] = merged
    return found


def translator(catalogues: dict[str, Translations], locale: str) -> Gettext:
    translations = catalogues.get(locale)

    def gettext(message: str, **values: Any) -> str:
        text = translations.gettext(message) if translations is not None else message
        return text % values if values else text

    return gettext


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header (``zh-CN`` → zh)."""
    if not accept_language:
        return None
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((quality, tag.strip().lower()))
    for _quality, tag in sorted(wanted, key=lambda item: -item[0]):
        primary = tag.split("-")[0]
        if primary in LOCALES:
            return primary
    return None


def locale_for(request: Request, user_locale: str | None) -> str:
    if user_locale in LOCALES:
        return str(user_locale)
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LOCALES:
        return str(cookie)
    return negotiate(request.headers.get("accept-language")) or "en"


def context(request: Request) -> dict[str, Any]:
    """Template context: ``_``, ``locale`` and the languages for the switcher."""
    locale = getattr(request.state, "locale", "en")
    catalogues: dict[str, Translations] = getattr(request.app.state, "catalogues", {})
    return {"_": translator(catalogues, locale), "locale": locale, "locale_names": LOCALE_NAMES}


@lru_cache(maxsize=16)
def babel_locale(code: str) -> Locale:
    """The Babel locale for a language code, parsed once per process: parsing loads and
    merges the CLDR data, which every date and number on a page would otherwise repeat."""
    try:
        return Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


@lru_cache(maxsize=4096)
def _format_date(value: date, format: str, code: str) -> str:  # noqa: A002
    return str(format_date(value, format=format, locale=babel_locale(code)))


@lru_cache(maxsize=4096)
def _format_datetime(value: datetime, format: str, code: str) -> str:  # noqa: A002
    text = format_datetime(value, format=format, tzinfo=UTC, locale=babel_locale(code))
    return f"{text} UTC"


@lru_cache(maxsize=1024)
def _format_number(value: float | int, format: str | None, code: str) -> str:  # noqa: A002
    return str(format_decimal(value, format=format, locale=babel_locale(code)))


# The filters below format through the caches above: a list page shows the same dates and
# deadlines to every request, and Babel's formatting is the costliest part of its rendering.

@pass_context
def date_filter(context: Context, value: date | datetime | str | None,
                format: str = "medium") -> str:  # noqa: A002 - Babel's own parameter name
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    return _format_date(value, format, context.get("locale") or "en")


@pass_context
def datetime_filter(context: Context, value: datetime | str | None,
                    format: str = "medium") -> str:  # noqa: A002
    """A moment in UTC (the store keeps UTC), marked as such."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _format_datetime(value, format, context.get("locale") or "en")


@pass_context
def number_filter(context: Context, value: float | int | None,
                  format: str | None = None) -> str:  # noqa: A002
    if value is None:
        return ""
    return _format_number(value, format, context.get("locale") or "en")


FILTERS: dict[str, Any] = {"date": date_filter, "datetime": datetime_filter,
                           "number": number_filter}
