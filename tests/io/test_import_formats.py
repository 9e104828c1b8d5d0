"""Every format the generator writes imports correctly, repeat groups included (both back ends).

Files come from :mod:`surplace.demo.formats` (synthetic people). Each import is checked
against the rows that were written: the payload holds the mapped fields as linkage reads them,
the raw extra columns, and the clear columns are derived (sex term, birth year, the origin's
province through the gazetteer, event year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from surplace.demo import formats
from surplace.io.values import parse_date
from surplace.vault.service import Unlocked
from tests.io.test_import_support import held, office, run_import

__all__ = ["office"]

ROWS = 60


def _list(tmp_path: Path, kind: str) -> tuple[Path, list[dict[str, str]]]:
    if kind == "csv-utf8":
        rows = formats.people(ROWS, seed=1, lists=("shelter", "hotline"))
        return formats.write_csv(tmp_path / "list.csv", rows), rows
    if kind == "csv-cp949":
        rows = list(formats.encodable(formats.people(ROWS, seed=2, lists=("registry",),
                                                     language="ko"), "cp949"))
        return formats.write_csv(tmp_path / "list.csv", rows, encoding="cp949",
                                 language="ko"), rows
    if kind == "csv-euc-kr":
        rows = list(formats.encodable(formats.people(ROWS, seed=3, lists=("informant",),
                                                     language="ko"), "euc_kr"))
        return formats.write_csv(tmp_path / "list.csv", rows, encoding="euc_kr",
                                 language="ko", delimiter="\t"), rows
    if kind == "csv-gb18030":
        rows = formats.people(ROWS, seed=4, lists=("police",), language="zh")
        return formats.write_csv(tmp_path / "list.csv", rows, encoding="gb18030",
                                 language="zh", delimiter=";"), rows
    if kind == "xlsx":
        rows = formats.people(ROWS, seed=5, lists=("hotline",))
        return formats.write_xlsx(tmp_path / "list.xlsx", rows), rows
    rows = formats.people(ROWS, seed=6, lists=("shelter",))
    return formats.write_hxl(tmp_path / "tagged.csv", rows), rows


def _year(written: str) -> int | None:
    try:
        return parse_date(written, ages=True).birth_year
    except ValueError:
        return None


@pytest.mark.parametrize("kind", ["csv-utf8", "csv-cp949", "csv-euc-kr", "csv-gb18030",
                                  "xlsx", "hxl"])
def test_a_partner_list_imports_row_for_row(office: Unlocked, tmp_path: Path,
                                            kind: str) -> None:
    path, rows = _list(tmp_path, kind)
    report = run_import(office, path)
    assert (report.rows_read, report.imported, report.rejected, report.skipped) == (
        len(rows), len(rows), 0, 0), report.reasons
    assert report.rejects_file is None
    records = held(office)
    assert len(records) == len(rows)
    by_row = {r["source_row"]: r for r in records}
    resolved = 0
    for row in rows:
        record = by_row[row["id"]]
        payload: dict[str, Any] = record["payload"]
        for field in ("name", "family_name", "given_name", "origin", "event_place"):
            if row.get(field) and not (kind == "hxl" and field in ("family_name",
                                                                   "given_name")):
                assert payload[field] == row[field], field
        assert record["sex"] == {"여": "F", "남": "M", "女": "F", "男": "M"}.get(
            row["sex"], row["sex"] or None)
        assert record["birth_year"] == (_year(row["birth"]) if row["birth"] else None)
        assert record["event_year"] is not None and 2012 <= record["event_year"] <= 2023
        assert payload["extra"]  # the notes column, kept as written
        if row["birth"] and payload["birth"] != row["birth"]:
            assert payload["as_written"]["birth"] == row["birth"]
        resolved += record["origin_province"] is not None
        if record["origin_province"]:
            assert record["origin_province"].startswith("KP-")
        assert record["import_batch_id"] == report.batch_id
    assert resolved > len([r for r in rows if r["origin"]]) * 0.6


FORM_KINDS = {
    "kobo-json": (formats.write_kobo_json, "kobo.json", "household/member"),
    "kobo-xlsx": (formats.write_kobo_xlsx, "kobo.xlsx", "member"),
    "kobo-csv": (formats.write_kobo_csv, "kobo.csv", None),
    "odk-csv": (None, "", "children"),
    "odk-json": (formats.write_odk_json, "odk.json", "children"),
}


@pytest.mark.parametrize("kind", sorted(FORM_KINDS))
def test_a_form_export_imports_with_its_repeat_groups(office: Unlocked, tmp_path: Path,
                                                      kind: str) -> None:
    submissions = formats.form_submissions(30, seed=7)
    writer, name, group = FORM_KINDS[kind]
    path = formats.write_odk_csv(tmp_path, submissions) if writer is None else \
        writer(tmp_path / name, submissions)
    survey, form_id = (formats.KOBO_SURVEY, formats.KOBO_FORM_ID) if kind.startswith(
        "kobo") else (formats.ODK_SURVEY, formats.ODK_FORM_ID)
    form = formats.write_xlsform(tmp_path / "form.xlsx", survey, form_id)
    report = run_import(office, path, form=form)
    relatives = sum(len(s["relatives"]) for s in submissions) if group else 0
    assert (report.rows_read, report.imported, report.rejected) == (
        30, 30 + relatives, 0), report.reasons
    records = {r["source_row"]: r for r in held(office)}
    prefix = "uuid:" if kind.startswith("odk") else ""
    for submission in submissions:
        parent = records[prefix + submission["uuid"]]
        assert parent["payload"]["name"] == submission["name"]
        assert parent["sex"] == {"female": "F", "male": "M"}.get(submission["sex"])
        assert parent["event_year"] == int(submission["arrest"][:4])
        if kind.startswith("kobo"):
            needs = parent["payload"]["extra"].get("respondent/needs", "")
            assert needs.split() == submission["needs"]
        for index, relative in enumerate(submission["relatives"] if group else [], start=1):
            child = records[f"{prefix}{submission['uuid']}/{group}[{index}]"]
            assert child["payload"]["name"] == relative["name"]
            assert child["sex"] == {"female": "F", "male": "M"}[relative["sex"]]
            # Copied from the parent: where the family comes from, when it was arrested.
            assert child["payload"].get("origin") == parent["payload"].get("origin")
            assert child["origin_province"] == parent["origin_province"]
            assert child["event_year"] == parent["event_year"]
            if kind.startswith("kobo"):  # an age, given when the form was submitted
                assert child["payload"]["birth"] == (
                    f"age {relative['age']} in {submission['submitted'][:4]}")
                assert child["birth_year"] is None
            else:
                assert child["payload"]["birth"] == relative["birth"]
                assert child["birth_year"] == int(relative["birth"][:4])


def test_only_the_repeat_entries_when_the_parent_is_no_record(office: Unlocked,
                                                              tmp_path: Path) -> None:
    from surplace.io.mapping import init_mapping

    submissions = formats.form_submissions(12, seed=8)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    form = formats.write_xlsform(tmp_path / "form.xlsx", formats.KOBO_SURVEY,
                                 formats.KOBO_FORM_ID)
    mapping, _ = init_mapping(path, form)
    report = run_import(office, path, mapping.model_copy(update={"parent_record": False}))
    relatives = sum(len(s["relatives"]) for s in submissions)
    assert (report.rows_read, report.imported) == (12, relatives)
    assert all("/household/member[" in (r["source_row"] or "") for r in held(office))
    # A repeat group the mapping leaves out is kept in its parent's extra, not dropped.
    del mapping.repeats["household/member"]
    kept = run_import(office, path, mapping, source="SYN-B")
    assert kept.imported == 12
    with_members = [r for r in held(office, "SYN-B") if "household/member" in
                    r["payload"].get("extra", {})]
    assert len(with_members) == sum(1 for s in submissions if s["relatives"])
