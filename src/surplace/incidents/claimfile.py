"""Reading claims from a file: JSON Lines (one claim object per line) or CSV (one per row).

Rows come back with their line numbers; a line that cannot be read at all (broken JSON, not an
object) comes back as a problem with its line number, so that it is reported together with
the rows that read but break a rule, and nothing is written while any is wrong.

CSV columns are the claim's fields (see :class:`~surplace.incidents.schemas.ClaimIn`); empty
cells are absent values. Perpetrators are given as ``perpetrator_unit`` (several separated by
``;``) and ``perpetrator_degree``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from surplace.errors import InvalidInput
from surplace.incidents.schemas import ClaimIn

Rows = list[tuple[int, dict[str, Any]]]
Problems = list[tuple[int, str]]
CSV_EXTRA = ("perpetrator_unit", "perpetrator_degree")
CSV_COLUMNS = tuple(name for name in ClaimIn.model_fields if name != "perpetrators") + CSV_EXTRA


def read(path: Path) -> tuple[Rows, Problems]:
    """The rows of a ``.jsonl``/``.ndjson`` or ``.csv`` file and the lines that did not read."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".ndjson", ".csv"):
        raise InvalidInput(f"{path.name}: give a .jsonl or .csv file of claims.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[:error.start].count(b"\n") + 1
        raise InvalidInput(f"{path.name}: line {line} is not valid UTF-8.") from None
    except OSError as error:
        raise InvalidInput(f"{path.name}: cannot be read ({error.strerror}).") from None
    rows, problems = _json_lines(text) if suffix != ".csv" else _csv(text)
    if not rows and not problems:
        raise InvalidInput(f"{path.name}: holds no claims.")
    return rows, problems


def _json_lines(text: str) -> tuple[Rows, Problems]:
    rows: Rows = []
    problems: Problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append((number, f"not valid JSON ({error.msg}, column {error.colno})"))
            continue
        if not isinstance(value, dict):
            problems.append((number, "a claim must be a JSON object"))
            continue
        rows.append((number, value))
    return rows, problems


def _csv(text: str) -> tuple[Rows, Problems]:
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(f"line 1: unknown column(s) {', '.join(map(repr, unknown))}; "
                           f"known: {', '.join(CSV_COLUMNS)}.")
    reader.fieldnames = header
    rows: Rows = []
    problems: Problems = []
    start = 2
    for record in reader:
        if None in record:
            problems.append((start, "more cells than the header has columns"))
        else:
            values = {key: value.strip() for key, value in record.items()
                      if value is not None and value.strip()}
            if values:
                rows.append((start, _perpetrators(values)))
        start = reader.line_num + 1
    return rows, problems


def _perpetrators(values: dict[str, Any]) -> dict[str, Any]:
    units = values.pop("perpetrator_unit", "")
    degree = values.pop("perpetrator_degree", "unknown")
    names = [unit.strip() for unit in units.split(";") if unit.strip()]
    if names:
        values["perpetrators"] = [{"unit": unit, "degree": degree} for unit in names]
    return values
