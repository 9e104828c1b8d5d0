"""HXL hashtags of exported columns, from the table the importers share
(``surplace/io/hxl_tags.toml``): one section per kind of export, column name → hashtag."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

TAG_FILE = Path(__file__).resolve().parent.parent / "hxl_tags.toml"


@cache
def table() -> dict[str, dict[str, str]]:
    with TAG_FILE.open("rb") as handle:
        return tomllib.load(handle)


def tags_for(section: str, columns: Sequence[str]) -> list[str]:
    """The tag row for ``columns``; a column missing from the table is a programming error
    (every exported column has a tag), so it fails loudly in the tests, not in a user's hands."""
    known = table()[section]
    missing = [column for column in columns if column not in known]
    if missing:
        raise KeyError(f"hxl_tags.toml [{section}] has no tag for {', '.join(missing)}")
    return [known[column] for column in columns]
