"""Small charts drawn on the server as inline SVG: the dashboard's estimates and the map of
incident places.

Written by hand rather than with Matplotlib: a Matplotlib SVG costs tens of milliseconds and a
second of import on the first page, carries inline ``style`` attributes that the
Content-Security-Policy refuses, and embeds glyph outlines for every label (kilobytes on a slow
connection). These charts are a handful of rectangles, circles and labels; presentation
attributes only, every text escaped. No tiles and no script: the map is the gazetteer's
coordinates projected onto a plain grid of latitude and longitude, with the place names as
labels and tooltips (``<title>``), which browsers show without JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    lower: float | None = None
    upper: float | None = None
    observed: float | None = None


def _number(value: float) -> str:
    return f"{value:,.0f}"


def estimates_chart(bars: Sequence[Bar], *, title: str, observed_label: str,
                    width: int = 640) -> Markup:
    """Horizontal bars of estimates with their 95% intervals as whiskers and the number seen
    on some list as a tick: the figure a reader needs to see how far past the lists the
    estimate reaches."""
    if not bars:
        return Markup("")
    row, left, right, top = 28, 220, 70, 30
    height = top + row * len(bars) + 24
    values = [b.value for b in bars] + [b.upper for b in bars if b.upper is not None]
    values += [b.observed for b in bars if b.observed is not None]
    most = max([v for v in values if math.isfinite(v)] or [1.0]) or 1.0
    scale = (width - left - right) / most
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f'<title>{escape(title)}</title>',
             f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for index, bar in enumerate(bars):
        y = top + index * row
        length = max(1.0, bar.value * scale) if math.isfinite(bar.value) else 1.0
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="11" '
                     f'text-anchor="end">{escape(bar.label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{length:.1f}" height="16" '
                     f'fill="#1b6ca8"><title>{escape(bar.label)}: '
                     f'{_number(bar.value)}</title></rect>')
        if bar.lower is not None and math.isfinite(bar.lower):
            high = bar.upper if bar.upper is not None and math.isfinite(bar.upper) else most
            x1, x2 = left + bar.lower * scale, left + high * scale
            parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + 12}" y2="{y + 12}" '
                         'stroke="#222" stroke-width="1.5"/>')
            for x in (x1, x2):
                parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 7}" y2="{y + 17}" '
                             'stroke="#222" stroke-width="1.5"/>')
        if bar.observed is not None:
            x = left + bar.observed * scale
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 2}" y2="{y + 22}" '
                         f'stroke="#d1495b" stroke-width="2"><title>{escape(observed_label)}: '
                         f'{_number(bar.observed)}</title></line>')
        parts.append(f'<text x="{left + length + 6:.1f}" y="{y + 15}" font-size="11">'
                     f'{_number(bar.value)}</text>')
    legend_y = top + row * len(bars) + 16
    parts.append(f'<line x1="{left}" x2="{left}" y1="{legend_y - 9}" y2="{legend_y + 1}" '
                 'stroke="#d1495b" stroke-width="2"/>')
    parts.append(f'<text x="{left + 6}" y="{legend_y}" font-size="10">'
                 f'{escape(observed_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


@dataclass(frozen=True)
class Spot:
    code: str
    name: str
    latitude: float
    longitude: float
    count: int


def place_map(spots: Sequence[Spot], *, title: str, count_label: str, width: int = 640,
              height: int = 420) -> Markup:
    """Incident places as circles sized by count on a latitude/longitude grid.

    Equirectangular projection around the spots' mean latitude (longitude scaled by its
    cosine), so distances look right in the border region this is drawn for.
    """
    if not spots:
        return Markup("")
    pad = 0.4
    south = min(s.latitude for s in spots) - pad
    north = max(s.latitude for s in spots) + pad
    west = min(s.longitude for s in spots) - pad
    east = max(s.longitude for s in spots) + pad
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * squeeze, 1.0), max(north - south, 1.0)
    margin = 36
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    centre_x, centre_y = (west + east) / 2, (south + north) / 2

    def xy(latitude: float, longitude: float) -> tuple[float, float]:
        return (width / 2 + (longitude - centre_x) * squeeze * scale,
                height / 2 - (latitude - centre_y) * scale)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f'<title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f6f8" '
             'stroke="#c8d0d8"/>']
    for degree in range(math.floor(west), math.ceil(east) + 1):
        x, _ = xy(centre_y, degree)
        if 0 <= x <= width:
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" '
                         'stroke="#dde3e8"/>')
            parts.append(f'<text x="{x + 2:.1f}" y="{height - 4}" font-size="9" '
                         f'fill="#667">{degree}°E</text>')
    for degree in range(math.floor(south), math.ceil(north) + 1):
        _, y = xy(degree, centre_x)
        if 0 <= y <= height:
            parts.append(f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" '
                         'stroke="#dde3e8"/>')
            parts.append(f'<text x="2" y="{y - 2:.1f}" font-size="9" fill="#667">'
                         f'{degree}°N</text>')
    for spot in sorted(spots, key=lambda s: -s.count):
        x, y = xy(spot.latitude, spot.longitude)
        radius = 4 + 3 * math.sqrt(spot.count)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#d1495b" '
                     f'fill-opacity="0.55" stroke="#8c1c2b"><title>{escape(spot.name)} '
                     f'({escape(spot.code)}): {spot.count} {escape(count_label)}</title>'
                     '</circle>')
        parts.append(f'<text x="{x + radius + 2:.1f}" y="{y + 4:.1f}" font-size="10">'
                     f'{escape(spot.name)} ({spot.count})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
