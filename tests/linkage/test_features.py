"""The comparison columns: one name in any script gives the same keys; bad values are missing."""

from __future__ import annotations

import pandas as pd

from surplace.linkage.features import build_features


def test_scripts_share_the_best_key_and_dates_split_into_parts() -> None:
    frame = pd.DataFrame({
        "record_id": ["1", "2", "3", "4"],
        "name": ["KIM CHOL SU", "김철수", "金哲洙", None],
        "family_name": [None, None, None, "김"],
        "given_name": [None, None, None, "철수"],
        "birth": ["02/03/1985", "1985-03", "age 38 in 2023", None],
        "sex": ["M", "남", "男", None],
        "origin": ["Hoeryong", "회령", "会宁", "Nowhere Town"],
    })
    table = build_features(frame).table
    assert set(table["name_key"]) == {"kim|cholso"}
    assert table["birth_full"].tolist()[0] == "1985-03-02"
    assert table["birth_ym"].tolist()[1] == "1985-03"
    assert (table["birth_lo"][2], table["birth_hi"][2]) == (1984, 1985)
    assert table["sex"].tolist() == ["m", "m", "m", None]
    assert table["origin_code"].tolist()[:3] == ["KP-09-hoeryong"] * 3
    assert table["origin_code"][3] is None and table["origin_raw"][3]


def test_unreadable_values_are_missing_and_reported_by_row_not_value() -> None:
    frame = pd.DataFrame({"name": ["Kim Chol Su", "Ri Sun Hui"],
                          "birth": ["1985-02-30", "1990"], "sex": ["X", "F"]})
    features = build_features(frame)
    assert features.table["birth_lo"].isna().tolist() == [True, False]
    assert [(row, role) for row, role, _ in features.problems] == [(0, "birth"), (0, "sex")]
    assert all("Kim" not in reason and "1985" not in reason
               for _, _, reason in features.problems)


def test_non_korean_names_keep_a_raw_form_for_the_fallback_levels() -> None:
    table = build_features(pd.DataFrame({"family_name": ["Neumann"],
                                         "given_name": ["Michaela"]})).table
    assert table["name_raw"][0] == "neumann michaela"
    assert str(table["surname"][0]).startswith(("?", "~"))


def test_a_list_with_no_records_gives_an_empty_table_with_every_comparison_column() -> None:
    """A source whose records were all withdrawn still reaches the linker: it must get an empty
    table of the usual shape, not a crash."""
    features = build_features(pd.DataFrame({"name": [], "birth": []}))
    assert len(features.table) == 0 and features.problems == []
    for column in ("unique_id", "source", "name_key", "birth_year", "origin_code", "sex"):
        assert column in features.table.columns
