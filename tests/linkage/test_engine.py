"""The DuckDB a linkage runs in: bounded memory, spills only into a private folder that is
removed afterwards, and a clear error for a memory setting it cannot read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from surplace.errors import InvalidInput
from surplace.linkage.engine import MEMORY_VARIABLE, TEMP_VARIABLE, connection, memory_limit


def test_a_query_larger_than_the_limit_spills_into_a_private_folder_that_is_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = tmp_path / "spills"
    parent.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # DuckDB's default spill folder is .tmp/ here
    monkeypatch.setenv(TEMP_VARIABLE, str(parent))
    monkeypatch.setenv(MEMORY_VARIABLE, "64MB")
    with connection() as con:
        (spill,) = parent.iterdir()
        assert stat.S_IMODE(spill.stat().st_mode) == 0o700
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert limit is not None and limit[0].startswith("61")  # 64 MB shown in MiB
        assert con.execute("SELECT current_setting('threads')").fetchone() == (os.cpu_count(),)
        # about 100 MB of text: more than the limit, so DuckDB must spill
        con.execute("CREATE TABLE t AS SELECT md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s "
                    "FROM range(1500000) r(i)")
        assert any(spill.iterdir())
        temporary = con.execute("SELECT path FROM duckdb_temporary_files()").fetchall()
        assert temporary and all(Path(p).parent == spill for (p,) in temporary)
        assert con.execute("SELECT count(*) FROM t").fetchone() == (1500000,)
    assert list(parent.iterdir()) == []  # the folder and all it held are gone
    assert list(work.iterdir()) == []  # nothing under the current folder


def test_memory_limit_settings() -> None:
    assert memory_limit("8GB") == "8GB"
    assert memory_limit("1.5GiB") == "1.5GiB"
    assert memory_limit("40%").endswith("MiB") and int(memory_limit("40%")[:-3]) > 0
    assert int(memory_limit(None)[:-3]) > int(memory_limit("40%")[:-3])  # default 60%
    with pytest.raises(InvalidInput, match=MEMORY_VARIABLE):
        memory_limit("lots")
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        memory_limit("150%")


def test_a_missing_spill_parent_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEMP_VARIABLE, "/no/such/folder")
    with pytest.raises(InvalidInput, match=TEMP_VARIABLE), connection():
        pass
