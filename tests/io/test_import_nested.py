"""A repeat group inside a repeat group (household → members → documents) imports to its
depth in KoBoToolbox JSON and XLSX, ODK Central JSON and ODK Central's CSV files, and a bad
value deep in the nesting is reported where it is (both back ends).

The files come from :mod:`surplace.demo.formats` with ``documents=True`` (synthetic people).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from surplace.demo import formats
from surplace.io.mapping import init_mapping
from surplace.vault.service import Unlocked
from tests.io.test_import_support import held, office, run_import

__all__ = ["office"]

#: format → (writer, file name, member group, document group, its step below the member)
KINDS: dict[str, tuple[Any, str, str, str, str]] = {
    "kobo-json": (formats.write_kobo_json, "kobo.json", "household/member",
                  "household/member/document", "document"),
    "kobo-xlsx": (formats.write_kobo_xlsx, "kobo.xlsx", "member", "document", "document"),
    "odk-json": (formats.write_odk_json, "odk.json", "children", "documents", "documents"),
    "odk-csv": (None, "", "children", "documents", "documents"),
}


def _spoil(submissions: list[dict[str, Any]]) -> tuple[int, int]:
    """A member with an impossible age or birth date (rejected, with its documents) and an
    impossible birth date on another member's document; returns their submissions' indexes."""
    bad_member = next(i for i, s in enumerate(submissions)
                      if s["relatives"] and s["relatives"][0].get("documents"))
    bad_paper = next(i for i, s in enumerate(submissions) if i != bad_member
                     and len(s["relatives"]) >= 2 and s["relatives"][1].get("documents"))
    member = submissions[bad_member]["relatives"][0]
    member["age"], member["birth"] = 130, "2003-13-01"  # KoBo's forms ask ages, ODK's dates
    submissions[bad_paper]["relatives"][1]["documents"][0]["birth"] = "2003-02-30"
    return bad_member, bad_paper


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_documents_of_members_import_and_bad_values_are_placed(office: Unlocked,
                                                               tmp_path: Path,
                                                               kind: str) -> None:
    submissions = formats.form_submissions(40, seed=9, documents=True)
    bad_member, bad_paper = _spoil(submissions)
    writer, name, members, documents, step = KINDS[kind]
    path = formats.write_odk_csv(tmp_path, submissions) if writer is None else \
        writer(tmp_path / name, submissions)
    mapping, _ = init_mapping(path)
    assert {members, documents} <= set(mapping.repeats)
    if kind == "odk-csv":  # a file of its own, nested in the members' file
        assert mapping.repeats[documents].parent == members
        assert mapping.repeats[documents].file == f"{formats.ODK_FORM_ID}-documents.csv"

    report = run_import(office, path, mapping, rejects_path=tmp_path / "rejects.csv")

    relatives = sum(len(s["relatives"]) for s in submissions)
    papers = sum(len(r.get("documents", [])) for s in submissions for r in s["relatives"])
    cascaded = len(submissions[bad_member]["relatives"][0]["documents"])
    assert papers > 10 and cascaded >= 1
    assert report.rows_read == 40
    assert report.rejected == 1 + cascaded + 1, report.reasons
    assert report.imported == 40 + relatives + papers - report.rejected

    prefix = "uuid:" if kind.startswith("odk") else ""
    records = {r["source_row"]: r for r in held(office)}
    checked = 0
    for number, submission in enumerate(submissions):
        uuid = prefix + submission["uuid"]
        for index, relative in enumerate(submission["relatives"], start=1):
            member = records.get(f"{uuid}/{members}[{index}]")
            for place, paper in enumerate(relative.get("documents", []), start=1):
                record = records.get(f"{uuid}/{members}[{index}]/{step}[{place}]")
                if (number, index) == (bad_member, 1) or (number, index, place) == (
                        bad_paper, 2, 1):
                    assert record is None
                    continue
                assert record is not None and member is not None
                assert record["payload"]["name"] == paper["name"]
                assert record["payload"]["birth"] == paper["birth"]
                assert record["birth_year"] == int(paper["birth"][:4])
                # Copied down two levels: where the family comes from, when it was arrested.
                assert record["payload"].get("origin") == member["payload"].get("origin")
                assert record["origin_province"] == member["origin_province"]
                assert record["event_year"] == member["event_year"] == int(
                    submission["arrest"][:4])
                checked += 1
    assert checked == papers - cascaded - 1

    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    # The row as the user finds it: a submission's position, or its line in the file or sheet.
    row = {n: str(n + (1 if kind.endswith("json") else 2)) for n in (bad_member, bad_paper)}
    birth = "household/member/document/birth" if kind.startswith("kobo") else "birth"
    paper_line = next(line for line in lines if line["reason"].startswith("day 30"))
    assert (paper_line["row"], paper_line["column"], paper_line["value"]) == (
        f"{row[bad_paper]} {members}[2]/{step}[1]", birth, "2003-02-30")
    member_line = next(line for line in lines if line["reason"].startswith(("age 130", "month 13")))
    assert member_line["row"] == f"{row[bad_member]} {members}[1]"
    followers = [line["row"] for line in lines if line["reason"] == "its parent row was rejected"]
    assert followers == [f"{row[bad_member]} {members}[1]/{step}[{n}]"
                         for n in range(1, cascaded + 1)]

    again = run_import(office, path, mapping, rejects_path=tmp_path / "again.csv")
    assert (again.imported, again.skipped) == (0, report.imported)


def test_a_group_left_out_keeps_its_nested_entries_in_the_extra(office: Unlocked,
                                                                 tmp_path: Path) -> None:
    submissions = formats.form_submissions(15, seed=10, documents=True)
    path = formats.write_kobo_json(tmp_path / "kobo.json", submissions)
    mapping, _ = init_mapping(path)
    del mapping.repeats["household/member/document"]
    report = run_import(office, path, mapping)
    relatives = sum(len(s["relatives"]) for s in submissions)
    assert report.imported == 15 + relatives
    members = [r for r in held(office) if "/household/member[" in (r["source_row"] or "")]
    kept = [paper for r in members
            for paper in r["payload"].get("extra", {}).get("household/member/document", [])]
    assert len(kept) == sum(len(r.get("documents", [])) for s in submissions
                            for r in s["relatives"])
    assert all(set(paper) == {"household/member/document/kind", "household/member/document/name",
                              "household/member/document/birth"} for paper in kept)


def test_a_nested_file_must_name_a_mapped_parent_with_a_file(tmp_path: Path) -> None:
    from surplace.io.mapping import MappingError, parse_mapping

    with pytest.raises(MappingError, match="repeats.documents.parent: 'children' is not a "
                                           "mapped repeat group"):
        parse_mapping({"repeats": {"documents": {"file": "f-documents.csv",
                                                 "parent": "children"}}})
