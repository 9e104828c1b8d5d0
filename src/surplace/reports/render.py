"""Turning the gathered report into one self-contained HTML file and a PDF.

The HTML is a Jinja2 template (autoescaped: every value from the store is text, never markup)
with its CSS inline and its figures as ``data:`` URIs, so the file can be mailed, opened
offline or archived with nothing beside it. The PDF is WeasyPrint's rendering of the same HTML,
with a URL fetcher that accepts ``data:`` URIs only: nothing is fetched from the network or
the disk while it is made. Korean text uses the system's Noto CJK fonts (WeasyPrint finds them
through fontconfig; the figures carry their glyphs as paths).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

TEMPLATES = Path(__file__).with_name("templates")

_environment = Environment(loader=FileSystemLoader(TEMPLATES),
                           autoescape=select_autoescape(("html", "j2")),
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _number(value: int | float | None, dash: str = "–") -> str:
    if value is None:
        return dash
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def html(context: dict[str, Any]) -> str:
    template = _environment.get_template("report.html.j2")
    return template.render(**context, number=_number)


def pdf(document: str, target: Path) -> int:
    """Write the PDF of an HTML document; returns its number of pages."""
    rendered = HTML(string=document, base_url=None,
                    url_fetcher=URLFetcher(allowed_protocols=("data",))).render()
    rendered.write_pdf(target)
    return int(len(rendered.pages))
