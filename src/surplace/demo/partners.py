"""The organisations' export files: each organisation's records, as its own tool would save them.

:mod:`surplace.demo.organisations` says what each organisation wrote and in which format
(``csv``, ``xlsx``, ``kobo``, ``odk``, ``hxl``), encoding and column names; this module writes
those records into the file a partner would send, so that the demo pipeline imports them
through the real importers, exactly as it would import a partner's file:

- ``csv``: a plain list in the organisation's encoding (CP949 for the Korean registry, GB18030
  for the Chinese detention reports), headers in its own language;
- ``xlsx``: an Excel workbook (openpyxl's streaming writer);
- ``kobo``: KoBoToolbox's JSON data export (``{"count", "next", "previous", "results"}``, blank
  answers omitted as KoBoToolbox omits them, ``_uuid`` and the submission metadata), with the
  form's XLSForm beside it;
- ``odk``: ODK Central's CSV export (``SubmissionDate``, group paths joined by ``-``, ``KEY``),
  with its XLSForm;
- ``hxl``: a CSV with a row of HXL hashtags under the header, from the shared tag table
  (``src/surplace/io/hxl_tags.toml``).

Like every real partner's file, each holds a few rows a person mistyped (:data:`DEFECT_SHARE`,
at least one per file): a birth date that does not exist (the 30th of February). The importer
must reject exactly those rows, say why and where, and import the rest; the demo counts them.

Why not :mod:`surplace.demo.formats` alone: its writers write the import tests' fixed column
sets (``HEADERS``, the ``syn_household`` and ``syn_returnees`` forms), while each organisation
here has column names of its own (``抓获日期``, ``caller/name``, ``return-province``). Its
XLSForm writer is reused for the forms, and the tag table is the one the importers read.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from surplace.demo import formats
from surplace.demo.organisations import RECORD_KEYS, Organisation
from surplace.demo.truth import Scenario
from surplace.io.fields import hxl_tags

#: The reader format each organisation's file label becomes.
READER_FORMAT = {"csv": "csv", "xlsx": "xlsx", "kobo": "kobo-json", "odk": "odk-csv",
                 "hxl": "hxl"}
#: Record key → the HXL hashtag its column carries. A year alone is an event date given to
#: the year (``#date+occurred``), which the importer keeps as a partial date.
HXL_FOR = {"record_id": "record_id", "name": "name", "family_name": "family_name",
           "given_name": "given_name", "sex": "sex", "birth": "birth", "origin": "origin",
           "event_date": "event_date", "event_year": "event_date",
           "event_place": "event_place", "event_province": "event_province"}
#: XLSForm question types by record key (partial dates and ages are free text in these forms).
_QUESTION_TYPE = {"sex": "select_one sex"}
_LABELS = {"name": "Name", "family_name": "Family name", "given_name": "Given name",
           "sex": "Sex", "birth": "Date of birth or age", "origin": "Home town",
           "event_date": "Date", "event_year": "Year", "event_place": "Place",
           "event_province": "Province"}
#: Share of each file's rows with a mistyped birth date (at least one row per file).
DEFECT_SHARE = 0.005
_ODK_SYSTEM = ("SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
               "Status", "ReviewState", "DeviceID", "Edits", "FormVersion")


@dataclass(frozen=True)
class PartnerFile:
    """One organisation's export: the file to import, its reader format, the XLSForm of a
    KoBoToolbox or ODK form (None otherwise) and how many records it holds."""

    code: str
    path: Path
    format: str
    xlsform: Path | None
    rows: int
    defects: int  # rows with a mistyped birth date, which the import must reject


def _with_defects(org: Organisation, rows: list[dict[str, Any]],
                  rng: random.Random) -> tuple[list[dict[str, Any]], int]:
    """The rows with :data:`DEFECT_SHARE` of them given an impossible birth date, written in
    the organisation's order of day and month."""
    column = org.columns.get("birth")
    if column is None or not rows:
        return rows, 0
    count = max(1, round(len(rows) * DEFECT_SHARE))
    changed = [dict(row) for row in rows]
    for index in rng.sample(range(len(rows)), count):
        year = rng.randint(1960, 2000)
        changed[index][column] = f"30/02/{year}" if org.date_order == "dmy" else \
            f"{year}-02-30"
    return changed, count


def _columns(org: Organisation) -> list[tuple[str, str]]:
    """(record key, column) in the order of :data:`RECORD_KEYS`: identity first."""
    return [(key, org.columns[key]) for key in RECORD_KEYS if key in org.columns]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _file_stem(org: Organisation) -> str:
    return org.code.lower()


def _write_csv(path: Path, org: Organisation, rows: list[dict[str, Any]]) -> None:
    columns = [column for _, column in _columns(org)]
    with path.open("w", encoding=org.encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row[column]) for column in columns])


def _write_xlsx(path: Path, org: Organisation, rows: list[dict[str, Any]]) -> None:
    import openpyxl  # type: ignore[import-untyped]

    columns = [column for _, column in _columns(org)]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("list")
    sheet.append(columns)
    for row in rows:
        sheet.append([row[column] for column in columns])
    book.save(path)


def _write_hxl(path: Path, org: Organisation, rows: list[dict[str, Any]]) -> None:
    tags = hxl_tags()
    pairs = _columns(org)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column for _, column in pairs])
        writer.writerow([tags[HXL_FOR[key]] for key, _ in pairs])
        for row in rows:
            writer.writerow([_text(row[column]) for _, column in pairs])


def _survey(org: Organisation, separator: str) -> list[tuple[str, str, str]]:
    """The XLSForm survey rows of a form whose columns are ``group<separator>question``."""
    survey: list[tuple[str, str, str]] = []
    group: str | None = None
    for key, column in _columns(org):
        if key == "record_id" or separator not in column:
            continue
        parent, name = column.split(separator, 1)
        if parent != group:
            if group is not None:
                survey.append(("end_group", "", ""))
            survey.append(("begin_group", parent, parent.capitalize()))
            group = parent
        survey.append((_QUESTION_TYPE.get(key, "text"), name, _LABELS[key]))
    if group is not None:
        survey.append(("end_group", "", ""))
    return survey


def _submitted(year: int, rng: random.Random) -> str:
    """When the submission was made: a day in the year of the event it reports."""
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T" \
           f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}:00"


def _write_kobo(path: Path, org: Organisation, rows: list[dict[str, Any]], years: list[int],
                rng: random.Random) -> None:
    identity = org.columns["record_id"]
    form_id = f"syn_{_file_stem(org).replace('-', '_')}"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{"count": {len(rows)}, "next": null, "previous": null, "results": [')
        for number, (row, year) in enumerate(zip(rows, years, strict=True), start=1):
            answers = {column: row[column] for _, column in _columns(org)
                       if column != identity and row[column] not in (None, "")}
            item = {"_id": 200000 + number, "formhub/uuid": uuid.UUID(int=rng.getrandbits(128)).hex,
                    **answers, "__version__": "vSynthetic1",
                    "meta/instanceID": f"uuid:{row[identity]}", "_xform_id_string": form_id,
                    identity: row[identity], "_attachments": [],
                    "_status": "submitted_via_web", "_geolocation": [None, None],
                    "_submission_time": _submitted(year, rng), "_tags": [],
                    "_notes": [], "_validation_status": {}, "_submitted_by": None}
            handle.write(("," if number > 1 else "") + "\n" + json.dumps(item, ensure_ascii=False))
        handle.write("\n]}\n")


def _write_odk(path: Path, org: Organisation, rows: list[dict[str, Any]], years: list[int],
               rng: random.Random) -> None:
    identity = org.columns["record_id"]
    answers = [column for _, column in _columns(org) if column != identity]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SubmissionDate", *answers, "meta-instanceID", "KEY", *_ODK_SYSTEM])
        for row, year in zip(rows, years, strict=True):
            key = row[identity]
            writer.writerow([_submitted(year, rng) + ".000Z",
                             *(_text(row[column]) for column in answers), key, key,
                             "7", "syn-collector", 0, 0, "", "", "", 0, "1"])


def write_partner_file(scenario: Scenario, code: str, folder: Path) -> PartnerFile:
    """Write organisation ``code``'s export into ``folder`` (and its XLSForm, for a form)."""
    org = scenario.organisation(code)
    rng = random.Random(f"{scenario.seed}:{code}:file")  # noqa: S311 - synthetic metadata
    rows, defects = _with_defects(org, scenario.file_rows(code), rng)
    # The submission metadata a form tool adds: the year of the event each record reports.
    years = [scenario.truth[record["record_id"]].year for record in scenario.records[code]]
    stem = _file_stem(org)
    form: Path | None = None
    if org.file_format == "csv":
        path = folder / f"{stem}.csv"
        _write_csv(path, org, rows)
    elif org.file_format == "xlsx":
        path = folder / f"{stem}.xlsx"
        _write_xlsx(path, org, rows)
    elif org.file_format == "hxl":
        path = folder / f"{stem}.hxl.csv"
        _write_hxl(path, org, rows)
    elif org.file_format == "kobo":
        path = folder / f"{stem}.json"
        _write_kobo(path, org, rows, years, rng)
        form = formats.write_xlsform(folder / f"{stem}-form.xlsx", _survey(org, "/"),
                                     f"syn_{stem.replace('-', '_')}")
    elif org.file_format == "odk":
        path = folder / f"{stem}.csv"
        _write_odk(path, org, rows, years, rng)
        form = formats.write_xlsform(folder / f"{stem}-form.xlsx", _survey(org, "-"),
                                     f"syn_{stem.replace('-', '_')}")
    else:
        raise ValueError(f"organisation {code}: no writer for file format {org.file_format!r}")
    return PartnerFile(code=code, path=path, format=READER_FORMAT[org.file_format],
                       xlsform=form, rows=len(rows), defects=defects)


def write_partner_files(scenario: Scenario, folder: Path) -> Iterator[PartnerFile]:
    """Every organisation's export, in the scenario's order (``folder`` is created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for code in scenario.codes:
        yield write_partner_file(scenario, code, folder)
