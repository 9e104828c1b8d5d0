"""Partner exports made from synthetic people, in every format ``surplace import`` reads.

The people come from the linkage simulator (:mod:`surplace.linkage.simulate`), so names,
dates and places are spelt as real lists spell them (McCune–Reischauer in capitals, Hangul with
separate family and given names, Chinese characters with 年月日 dates, ages as 42세), but each
is a random draw from tables: no real person. The writers produce what partners send: CSV in
UTF-8 or the legacy Korean and Chinese encodings with headers in the matching language, XLSX,
HXL-tagged CSV, and KoBoToolbox and ODK Central exports with
their XLSForms and repeat groups. The demo uses them, and the import tests use them as their
fixture generator, together with the broken files below (ragged rows, formulas, a zip bomb, an
enormous cell, an unknown term).
"""

from __future__ import annotations

import csv
import math
import random
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from surplace.io.fields import hxl_tags
from surplace.linkage.simulate import simulate
from surplace.records.gazetteer_data import load_gazetteer

#: Records per simulated person, all lists together (measured: about 2.05).
_PER_PERSON = 2.0
COLUMNS = ("id", "name", "family_name", "given_name", "sex", "birth", "origin", "event_date",
           "event_place", "note")
HEADERS: dict[str, dict[str, str]] = {
    "en": {"id": "ID", "name": "Name", "family_name": "Surname", "given_name": "Given name",
           "sex": "Sex", "birth": "Date of birth", "origin": "Place of origin",
           "event_date": "Date of arrest", "event_place": "Place of arrest", "note": "Notes"},
    "ko": {"id": "번호", "name": "성명", "family_name": "성", "given_name": "이름",
           "sex": "성별", "birth": "생년월일", "origin": "출신지", "event_date": "체포일",
           "event_place": "체포 장소", "note": "비고"},
    "zh": {"id": "编号", "name": "姓名", "family_name": "姓", "given_name": "名",
           "sex": "性别", "birth": "出生日期", "origin": "籍贯", "event_date": "被捕日期",
           "event_place": "被捕地点", "note": "备注"},
    "zh-Hant": {"id": "編號", "name": "姓名", "family_name": "姓", "given_name": "名",
                "sex": "性別", "birth": "出生日期", "origin": "籍貫", "event_date": "被捕日期",
                "event_place": "被捕地點", "note": "備註"},
}
SEX_WORDS = {"en": {"F": "F", "M": "M"}, "ko": {"F": "여", "M": "남"},
             "zh": {"F": "女", "M": "男"}, "zh-Hant": {"F": "女", "M": "男"}}
#: Which simulated list writes like a partner of each language.
LIST_OF = {"en": ("shelter", "hotline"), "ko": ("registry", "informant"), "zh": ("police",)}


def _event_places() -> list[tuple[str, str, str]]:
    places = [p for p in load_gazetteer().places if p.province.startswith("CN")]
    return [(p.name_en, p.name_ko, p.name_zh) for p in places]


def people(count: int, *, seed: int = 1, lists: Iterable[str] | None = None,
           language: str = "en") -> list[dict[str, str]]:
    """``count`` synthetic records as the simulated ``lists`` write them (all lists when
    None), each with an id, name parts, sex, birth, origin, and an invented arrest (date and
    place, in the language's way of writing dates) and note. Seeded: the same arguments give
    the same rows."""
    wanted = set(lists) if lists is not None else None
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    places = _event_places()
    rows: list[dict[str, str]] = []
    persons = max(20, math.ceil(count / _PER_PERSON * (1.3 if wanted is None else 3.5)))
    while len(rows) < count:
        records = simulate(persons, seed=seed).records
        if wanted is not None:
            records = records[records["source"].isin(list(wanted))]
        rows = []
        for record in records.itertuples(index=False):
            if len(rows) == count:
                break
            rows.append(_row(record, len(rows) + 1, rng, places, language))
        persons *= 2
    return rows


def _row(record: Any, number: int, rng: random.Random, places: list[tuple[str, str, str]],
         language: str) -> dict[str, str]:
    year, month, day = rng.randint(2012, 2023), rng.randint(1, 12), rng.randint(1, 28)
    base = language.split("-")[0]
    date = {"en": f"{day:02d}/{month:02d}/{year}", "ko": f"{year}. {month}. {day}.",
            "zh": f"{year}年{month}月{day}日"}[base]
    place = rng.choice(places)[{"en": 0, "ko": 1, "zh": 2}[base]]
    sex = str(record.sex or "")
    return {
        "id": f"SYN-{number:07d}", "name": _text(record.name),
        "family_name": _text(record.family_name), "given_name": _text(record.given_name),
        "sex": SEX_WORDS[language].get(sex, sex), "birth": _text(record.birth),
        "origin": _text(record.origin), "event_date": date, "event_place": place,
        "note": f"synthetic note {rng.randint(1, 10**6)}",
    }


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def encodable(rows: Iterable[dict[str, str]], encoding: str) -> Iterator[dict[str, str]]:
    """The rows every value of which the encoding can write (Big5 lacks simplified forms)."""
    for row in rows:
        try:
            for value in row.values():
                value.encode(encoding)
        except UnicodeEncodeError:
            continue
        yield row


def write_csv(path: Path, rows: Iterable[dict[str, str]], *, encoding: str = "utf-8",
              delimiter: str = ",", language: str = "en",
              columns: Iterable[str] = COLUMNS) -> Path:
    """A plain list as a partner's spreadsheet program saves it."""
    names = list(columns)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow([HEADERS[language][c] for c in names])
        for row in rows:
            writer.writerow([row.get(c, "") for c in names])
    return path


def write_xlsx(path: Path, rows: Iterable[dict[str, str]], *, language: str = "en",
               columns: Iterable[str] = COLUMNS, formula_rows: Iterable[int] = ()) -> Path:
    """The same list as an Excel workbook (streamed: openpyxl's write-only mode). The rows
    numbered in ``formula_rows`` (1 = first data row) get a formula in their note cell."""
    import openpyxl  # type: ignore[import-untyped]

    names = list(columns)
    formulas = set(formula_rows)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("list")
    sheet.append([HEADERS[language][c] for c in names])
    for number, row in enumerate(rows, start=1):
        values: list[Any] = [row.get(c, "") for c in names]
        if number in formulas and "note" in names:
            values[names.index("note")] = f"=LEN(A{number + 1})"
        sheet.append(values)
    book.save(path)
    return path


def write_hxl(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    """An HXL-tagged CSV: the header, then the hashtags of the shared tag table."""
    tags = hxl_tags()
    names = ["id", "name", "sex", "birth", "origin", "event_date", "event_place", "note"]
    tag_of = {"id": tags["record_id"], "note": "#description+notes"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([HEADERS["en"][c] for c in names])
        writer.writerow([tag_of.get(c) or tags[c] for c in names])
        for row in rows:
            writer.writerow([row.get(c, "") for c in names])
    return path


# --- broken files --------------------------------------------------------------------------

def write_ragged_csv(path: Path, rows: list[dict[str, str]], *, ragged: Iterable[int]) -> Path:
    """A CSV whose rows numbered in ``ragged`` (1 = first data row) lost or gained a cell."""
    write_csv(path, rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    for number in ragged:
        line = lines[number]
        lines[number] = line.rsplit(",", 1)[0] if number % 2 else line + ",stray,cells"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_zip_bomb_xlsx(path: Path, *, expanded_mib: int = 64) -> Path:
    """An .xlsx-shaped archive whose sheet expands a thousandfold: what check_archive refuses."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(expanded_mib):
                sheet.write(block)
    return path


def with_enormous_note(rows: list[dict[str, str]], number: int, chars: int = 50_000) -> list[
        dict[str, str]]:
    """The rows with the note of row ``number`` (1-based) grown to ``chars`` characters."""
    changed = [dict(row) for row in rows]
    changed[number - 1]["note"] = "synthetic " * (chars // 10)
    return changed


# --- KoBoToolbox and ODK Central ------------------------------------------------------------

NEEDS = {"food": "Food", "medicine": "Medicine", "shelter": "Shelter", "legal": "Legal aid"}
SEXES = {"female": "Female", "male": "Male"}
KOBO_FORM_ID = "syn_household"
ODK_FORM_ID = "syn_returnees"
#: (type, name, label) rows of the two forms' survey sheets.
KOBO_SURVEY = [
    ("begin_group", "respondent", "Respondent"), ("text", "name", "Full name"),
    ("select_one sex", "sex", "Sex"), ("date", "birth_date", "Date of birth"),
    ("text", "hometown", "Home town"), ("date", "arrest_date", "Date of arrest"),
    ("select_multiple needs", "needs", "What is needed"), ("end_group", "", ""),
    ("begin_group", "household", "Household"), ("begin_repeat", "member", "Household member"),
    ("text", "name", "Name"), ("select_one sex", "sex", "Sex"), ("integer", "age", "Age"),
    ("end_repeat", "", ""), ("end_group", "", ""),
]
ODK_SURVEY = [
    ("begin_group", "person", "Person"), ("text", "name", "Name"),
    ("select_one sex", "sex", "Sex"), ("date", "birth", "Date of birth"),
    ("text", "origin", "Place of origin"), ("end_group", "", ""),
    ("date", "arrest_date", "Date of arrest"),
    ("begin_repeat", "children", "Children"), ("text", "name", "Child's name"),
    ("select_one sex", "sex", "Sex"), ("date", "birth", "Child's date of birth"),
    ("end_repeat", "", ""),
]


def write_xlsform(path: Path, survey: list[tuple[str, str, str]], form_id: str) -> Path:
    """An XLSForm (survey, choices, settings sheets) for one of the forms above."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    for row in survey:
        sheet.append(list(row))
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for list_name, items in (("sex", SEXES), ("needs", NEEDS)):
        for name, label in items.items():
            choices.append([list_name, name, label])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append([f"Synthetic {form_id}", form_id, "1"])
    book.save(path)
    return path


def _uuid(rng: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso_birth(text: str) -> str:
    from surplace.io.values import ValueProblem, parse_date

    try:
        when = parse_date(text, ages=False)
    except ValueProblem:
        return ""
    return when.normalised() if when.day is not None else ""


DOCUMENT_KINDS = ("school record", "birth certificate", "household register")


def form_submissions(count: int, *, seed: int = 1,
                     documents: bool = False) -> list[dict[str, Any]]:
    """Synthetic submissions common to both forms: a person and 0–3 relatives; with
    ``documents``, each relative has 0–2 documents (a repeat inside the repeat), drawn apart so
    that the rest is the same with or without them."""
    from surplace.demo.names import synthetic_name

    rng = random.Random(seed + 7919)  # noqa: S311 - synthetic data
    papers = random.Random(seed + 104729)  # noqa: S311 - synthetic data
    out = []
    for number, row in enumerate(people(count, seed=seed, lists=("hotline", "shelter")), 1):
        relatives = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            age = rng.randint(1, 17)
            relatives.append({"name": synthetic_name(rng).revised,
                              "sex": rng.choice(list(SEXES)), "age": age,
                              "birth": f"{2023 - age}-{rng.randint(1, 12):02d}-"
                                       f"{rng.randint(1, 28):02d}"})
            if documents:
                relatives[-1]["documents"] = [
                    {"kind": papers.choice(DOCUMENT_KINDS), "name": relatives[-1]["name"],
                     "birth": relatives[-1]["birth"]} for _ in range(papers.choice((0, 1, 2)))]
        out.append({
            "number": number, "uuid": _uuid(rng), "name": row["name"],
            "sex": {"F": "female", "M": "male"}.get(row["sex"], ""),
            "birth": _iso_birth(row["birth"]), "origin": row["origin"],
            "arrest": f"{rng.randint(2015, 2022)}-{rng.randint(1, 12):02d}-"
                      f"{rng.randint(1, 28):02d}",
            "needs": [n for n in NEEDS if rng.random() < 0.4],
            "submitted": f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                         f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
            "relatives": relatives,
        })
    return out


def _kobo_record(item: dict[str, Any]) -> dict[str, Any]:
    answers = {"respondent/name": item["name"], "respondent/sex": item["sex"],
               "respondent/birth_date": item["birth"], "respondent/hometown": item["origin"],
               "respondent/arrest_date": item["arrest"],
               "respondent/needs": " ".join(item["needs"])}
    record: dict[str, Any] = {"_id": 100000 + item["number"], "formhub/uuid": "f" * 32,
                              **{k: v for k, v in answers.items() if v}}  # KoBo omits blanks
    if item["relatives"]:
        record["household/member"] = [
            {"household/member/name": r["name"], "household/member/sex": r["sex"],
             "household/member/age": str(r["age"])} for r in item["relatives"]]
        for member, relative in zip(record["household/member"], item["relatives"], strict=True):
            if relative.get("documents"):
                member["household/member/document"] = [
                    {f"household/member/document/{k}": v for k, v in paper.items()}
                    for paper in relative["documents"]]
    record.update({
        "__version__": "vSynthetic1", "meta/instanceID": f"uuid:{item['uuid']}",
        "_xform_id_string": KOBO_FORM_ID, "_uuid": item["uuid"], "_attachments": [],
        "_status": "submitted_via_web", "_geolocation": [None, None],
        "_submission_time": item["submitted"], "_tags": [], "_notes": [],
        "_validation_status": {}, "_submitted_by": None})
    return record


def write_kobo_json(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """KoBoToolbox's API data export: ``{"count", "next", "previous", "results": […]}``."""
    import json

    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{"count": {len(submissions)}, "next": null, "previous": null, '
                     '"results": [')
        for index, item in enumerate(submissions):
            handle.write(("," if index else "") + "\n" +
                         json.dumps(_kobo_record(item), ensure_ascii=False))
        handle.write("\n]}\n")
    return path


_KOBO_MAIN = ["start", "end", "respondent/name", "respondent/sex", "respondent/birth_date",
              "respondent/hometown", "respondent/arrest_date", "respondent/needs",
              *(f"respondent/needs/{n}" for n in NEEDS), "_id", "_uuid", "_submission_time",
              "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
              "_tags", "_index"]


def _kobo_main_row(index: int, item: dict[str, Any]) -> list[Any]:
    return [item["submitted"], item["submitted"], item["name"], item["sex"], item["birth"],
            item["origin"], item["arrest"], " ".join(item["needs"]),
            *(int(n in item["needs"]) for n in NEEDS), 100000 + item["number"], item["uuid"],
            item["submitted"], "", "", "submitted_via_web", "", "vSynthetic1", "", index]


def write_kobo_csv(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """KoBoToolbox's CSV export (``;``, XML names, select-multiple as summary and 0/1
    columns); its CSV export has no repeat groups, which are in the XLSX export."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(_KOBO_MAIN)
        for index, item in enumerate(submissions, start=1):
            writer.writerow(_kobo_main_row(index, item))
    return path


def write_kobo_xlsx(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """KoBoToolbox's XLSX export: the main sheet, and the repeat group on a sheet of its own
    joined by ``_parent_index`` to the main sheet's ``_index``."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    main = book.create_sheet(KOBO_FORM_ID)
    main.append(_KOBO_MAIN)
    members = book.create_sheet("member")
    members.append(["household/member/name", "household/member/sex", "household/member/age",
                    "_index", "_parent_table_name", "_parent_index", "_submission__id",
                    "_submission__uuid", "_submission__submission_time"])
    papers = book.create_sheet("document") if any(
        r.get("documents") for item in submissions for r in item["relatives"]) else None
    if papers is not None:  # nested in the members' sheet
        papers.append([f"household/member/document/{k}" for k in ("kind", "name", "birth")] +
                      ["_index", "_parent_table_name", "_parent_index", "_submission__uuid"])
    child = paper = 0
    for index, item in enumerate(submissions, start=1):
        main.append(_kobo_main_row(index, item))
        for relative in item["relatives"]:
            child += 1
            members.append([relative["name"], relative["sex"], relative["age"], child,
                            KOBO_FORM_ID, index, 100000 + item["number"], item["uuid"],
                            item["submitted"]])
            for document in relative.get("documents", []):
                paper += 1
                assert papers is not None
                papers.append([document["kind"], document["name"], document["birth"], paper,
                               "member", child, item["uuid"]])
    book.save(path)
    return path


_ODK_MAIN = ["SubmissionDate", "meta-instanceID", "person-name", "person-sex", "person-birth",
             "person-origin", "arrest_date", "KEY", "SubmitterID", "SubmitterName",
             "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
             "Edits", "FormVersion"]


def write_odk_csv(folder: Path, submissions: list[dict[str, Any]]) -> Path:
    """ODK Central's CSV export: ``FORM.csv`` and ``FORM-children.csv`` (``PARENT_KEY``,
    ``KEY``), and ``FORM-documents.csv`` (joined to the children's ``KEY``) when relatives have
    documents; returns the main file."""
    main_path = folder / f"{ODK_FORM_ID}.csv"
    papers = [(f"uuid:{item['uuid']}/children[{index}]", paper) for item in submissions
              for index, relative in enumerate(item["relatives"], start=1)
              for paper in relative.get("documents", [])]
    if papers:
        with (folder / f"{ODK_FORM_ID}-documents.csv").open("w", encoding="utf-8",
                                                            newline="") as handle:
            documents = csv.writer(handle)
            documents.writerow(["kind", "name", "birth", "PARENT_KEY", "KEY"])
            counts: dict[str, int] = {}
            for parent, paper in papers:
                counts[parent] = counts.get(parent, 0) + 1
                documents.writerow([paper["kind"], paper["name"], paper["birth"], parent,
                                    f"{parent}/documents[{counts[parent]}]"])
    with main_path.open("w", encoding="utf-8", newline="") as main, \
            (folder / f"{ODK_FORM_ID}-children.csv").open("w", encoding="utf-8",
                                                          newline="") as kids:
        writer, children = csv.writer(main), csv.writer(kids)
        writer.writerow(_ODK_MAIN)
        children.writerow(["name", "sex", "birth", "PARENT_KEY", "KEY"])
        for item in submissions:
            key = f"uuid:{item['uuid']}"
            writer.writerow([item["submitted"] + ".000Z", key, item["name"], item["sex"],
                             item["birth"], item["origin"], item["arrest"], key, "5",
                             "syn-collector", 0, 0, "", "", "", 0, "1"])
            for index, relative in enumerate(item["relatives"], start=1):
                children.writerow([relative["name"], relative["sex"], relative["birth"], key,
                                   f"{key}/children[{index}]"])
    return main_path


def write_odk_json(path: Path, submissions: list[dict[str, Any]]) -> Path:
    """ODK Central's OData submissions with repeats expanded (``{"value": […]}``)."""
    import json

    value = []
    for item in submissions:
        key = f"uuid:{item['uuid']}"
        record: dict[str, Any] = {
            "__id": key,
            "person": {"name": item["name"], "sex": item["sex"] or None,
                       "birth": item["birth"] or None, "origin": item["origin"] or None},
            "arrest_date": item["arrest"], "meta": {"instanceID": key},
            "__system": {"submissionDate": item["submitted"] + ".000Z", "submitterId": "5",
                         "submitterName": "syn-collector", "attachmentsPresent": 0,
                         "attachmentsExpected": 0, "status": None, "reviewState": None,
                         "deviceId": None, "edits": 0, "formVersion": "1"}}
        if item["relatives"]:
            record["children"] = [{"name": r["name"], "sex": r["sex"], "birth": r["birth"],
                                   "__id": f"{key}-{n}",
                                   **({"documents": r["documents"]} if r.get("documents")
                                      else {})}
                                  for n, r in enumerate(item["relatives"], start=1)]
        value.append(record)
    path.write_text(json.dumps({"@odata.context": "synthetic", "value": value},
                               ensure_ascii=False), encoding="utf-8")
    return path
