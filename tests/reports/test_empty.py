"""A report on a store that documents nothing yet still says so plainly, on both back ends."""

from __future__ import annotations

from pathlib import Path

from surplace.reports import service
from surplace.vault.service import Unlocked


def test_an_empty_store_gives_a_report_that_says_what_is_missing(unlocked: Unlocked,
                                                                  tmp_path: Path) -> None:
    with unlocked.session() as session:
        made = service.make_report(session, actor=unlocked.actor, out=tmp_path,
                                   options={"language": "en"})
    html = made.html.read_text(encoding="utf-8")
    assert (made.figures, made.suppressed_cells, made.period) == (0, 0, "all")
    for text in ("No dated act is documented", "No stored estimate by year covers",
                 "No recommendation is tracked", "No linkage run is recorded",
                 "Period: all years. Region: all regions."):
        assert text in html, text
    assert made.pdf.stat().st_size > 10_000 and made.pages >= 2
