"""What a user sees when something is wrong: one line starting "Error:", no traceback, exit code 1
(or 2 for a problem with how the command was called), and nothing written to the store.

Run through the real command line in a subprocess whose standard input is not a terminal, as in
a script or a cron job.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from surplace.cli.main import app
from surplace.config import Settings
from surplace.records import service as records_service
from surplace.records.schemas import NameIn, PersonIn
from surplace.records.vocabularies import terms
from surplace.store.base import Base
from surplace.store.engine import Store
from surplace.vault.service import Unlocked
from tests.clirun import surplace
from tests.conftest import PASSPHRASE, cli_env


@dataclass
class Snapshot:
    """Everything a failed command must leave as it was."""

    tables: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)


def snapshot(store: Store) -> Snapshot:
    if store.sqlite_path is not None:
        # Close this process's connections so the log is checkpointed and removed: then the
        # database file alone is the store, and any write by the command would change it.
        store.dispose()
    tables = {}
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            tables[table.name] = hashlib.sha256(
                repr(sorted(repr(tuple(row)) for row in rows)).encode()).hexdigest()
    files = {}
    if store.sqlite_path is not None:
        store.dispose()
        folder = store.sqlite_path.parent
        files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                 for path in sorted(folder.iterdir()) if path.is_file()}
        assert set(files) == {store.sqlite_path.name}, files
    return Snapshot(tables, files)


def assert_one_error_line(done: Any, code: int, *fragments: str) -> str:
    stderr = done.stderr
    lines = stderr.strip().splitlines()
    problems = []
    if done.returncode != code:
        problems.append(f"exit code {done.returncode}, expected {code}")
    if len(lines) != 1 or not lines[0].startswith("Error: "):
        problems.append("not exactly one line starting 'Error: '")
    if "Traceback" in stderr or "Internal error" in stderr:
        problems.append("a traceback or internal error")
    if done.stdout.strip():
        problems.append("output on standard output")
    problems += [f"no {fragment!r}" for fragment in fragments if fragment not in stderr]
    assert not problems, f"{problems}\nstderr: {stderr!r}\nstdout: {done.stdout!r}"
    return str(lines[0])


@pytest.fixture
def populated(unlocked: Unlocked) -> tuple[Unlocked, str]:
    with unlocked.session() as session:
        person = records_service.register_person(session, actor=unlocked.actor, data=PersonIn(
            names=[NameIn(full_name="Tokko Synthetic")], contact="+00 555 0404 404"))
        return unlocked, person.pseudonym


def _env(settings: Settings, **changes: str | None) -> dict[str, str]:
    env = cli_env(settings)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_credential_errors_are_one_line_and_write_nothing(
        populated: tuple[Unlocked, str], settings: Settings, tmp_path: Path) -> None:
    unlocked, pseudonym = populated
    store = unlocked.store
    empty_key = tmp_path / "empty.key"
    empty_key.write_text("", encoding="utf-8")
    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_text("not the passphrase\n", encoding="utf-8")
    no_passphrase: dict[str, str | None] = {"SURPLACE_PASSPHRASE": None}
    cases: list[tuple[str, list[str], dict[str, str | None], int, str]] = [
        ("wrong passphrase", ["person", "find", "--name", "Tokko Synthetic"],
         {"SURPLACE_PASSPHRASE": "not the passphrase"}, 1, "Wrong passphrase for user 'admin'"),
        ("wrong passphrase, show", ["person", "show", pseudonym],
         {"SURPLACE_PASSPHRASE": "not the passphrase"}, 1, "Wrong passphrase"),
        ("missing passphrase", ["person", "find", "--name", "Tokko Synthetic"],
         no_passphrase, 2, "No passphrase"),
        ("empty passphrase", ["person", "find", "--name", "x"],
         {"SURPLACE_PASSPHRASE": ""}, 2, "SURPLACE_PASSPHRASE is set but empty"),
        ("wrong --user", ["--user", "nobody", "person", "find", "--name", "x"],
         {}, 1, "No key slot for user 'nobody'"),
        ("key file missing", ["--key-file", str(tmp_path / "absent.key"), "audit", "verify"],
         no_passphrase, 2, "Cannot read key file"),
        ("key file is a folder", ["--key-file", str(tmp_path), "audit", "verify"],
         no_passphrase, 2, "Is a directory"),
        ("key file empty", ["--key-file", str(empty_key), "audit", "verify"],
         no_passphrase, 2, "is empty"),
        ("key file wrong", ["--key-file", str(wrong_key), "audit", "verify"],
         no_passphrase, 1, "Wrong passphrase"),
    ]
    before = snapshot(store)
    failures = []
    for label, args, changes, code, fragment in cases:
        done = surplace(*args, env=_env(settings, **changes), stdin="")
        try:
            line = assert_one_error_line(done, code, fragment)
            assert PASSPHRASE not in line and "not the passphrase" not in line
        except AssertionError as error:
            failures.append(f"{label}: {error}")
            continue
        after = snapshot(store)
        if after != before:
            changed = [t for t in before.tables if before.tables[t] != after.tables[t]]
            failures.append(f"{label}: wrote to the store: {changed} {after.files}")
            before = after
    assert not failures, "\n".join(failures)


def test_a_key_file_that_is_not_text_is_one_error_line(
        unlocked: Unlocked, settings: Settings, tmp_path: Path) -> None:
    key = tmp_path / "binary.key"
    key.write_bytes(b"\xff\xfe\x00binary")
    done = surplace("--key-file", str(key), "audit", "verify",
                    env=_env(settings, SURPLACE_PASSPHRASE=None), stdin="")
    assert_one_error_line(done, 2, "key file")


@pytest.mark.parametrize("where", ["missing folder", "empty folder"])
def test_a_folder_without_a_store_is_one_error_line(tmp_path: Path, where: str) -> None:
    folder = tmp_path / "nothing-here"
    if where == "empty folder":
        folder.mkdir()
    env = {"SURPLACE_STORE": str(folder), "SURPLACE_PASSPHRASE": PASSPHRASE}
    for args in (["person", "find", "--name", "Tokko Synthetic"], ["audit", "verify"],
                 ["person", "show", "P-23456-78923"]):
        done = surplace(*args, env=env, stdin="")
        assert_one_error_line(done, 1, "No store in", "surplace init")
    if where == "empty folder":
        assert list(folder.iterdir()) == []
    else:
        assert not folder.exists()


def test_a_database_without_a_store_is_one_error_line(settings: Settings) -> None:
    # The settings name an empty folder (SQLite) or an empty schema (PostgreSQL).
    done = surplace("person", "find", "--name", "Tokko Synthetic", env=cli_env(settings),
                    stdin="")
    assert_one_error_line(done, 1, "surplace init")


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, char_b in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                          previous + (char_a != char_b))
    return row[-1]


def test_an_unknown_province_suggests_the_nearest(
        populated: tuple[Unlocked, str], settings: Settings) -> None:
    unlocked, _ = populated
    before = snapshot(unlocked.store)
    known = list(terms("province"))
    for typed, expected in (("KP-9", {"KP-09"}), ("kp-19", None), ("CN-JJ", {"CN-JL"}),
                            ("KP-1O", None)):
        done = surplace("person", "add", "--name", "Tokko Synthetic", "--origin-province",
                        typed, env=cli_env(settings), stdin="")
        line = assert_one_error_line(done, 1, "province", repr(typed.upper()), "did you mean")
        assert "Tokko" not in line
        match = re.search(r"did you mean ([^?]+)\?", line)
        assert match, line
        suggested = match.group(1).split(", ")
        nearest = min(_distance(typed.upper(), term) for term in known)
        # The first suggestion is a nearest known term (by edit distance); where one term is
        # nearer than all others, it is suggested.
        assert _distance(typed.upper(), suggested[0]) == nearest, line
        if expected is not None:
            assert set(suggested) >= expected, line
    assert snapshot(unlocked.store) == before


def test_an_unknown_province_in_an_import_names_the_line(
        populated: tuple[Unlocked, str], settings: Settings, tmp_path: Path) -> None:
    unlocked, _ = populated
    good = {"names": [{"full_name": "Tokko Synthetic"}], "origin_province": "KP-09"}
    bad = {"names": [{"full_name": "Tokko Synthetic"}], "origin_province": "KP-91"}
    path = tmp_path / "persons.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in (good, bad, good)) + "\n",
                    encoding="utf-8")
    before = snapshot(unlocked.store)
    done = surplace("person", "import", str(path), env=cli_env(settings), stdin="")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "line 2" in done.stderr and "did you mean" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert snapshot(unlocked.store) == before


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    env = {"SURPLACE_STORE": str(tmp_path / "none")}
    for args in (["person", "find", "--no-such-option"], ["no-such-command"],
                 ["audit", "log", "--limit", "zero"]):
        done = surplace(*args, env=env, stdin="")
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert "Usage" in done.stderr or "Error" in done.stderr


# --- help on every command -------------------------------------------------------------------


def _command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]

    def walk(command: Any, prefix: tuple[str, ...]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "hidden", False):
                continue
            paths.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(root, ())
    return paths


COMMAND_PATHS = _command_paths()


def test_the_walk_finds_the_commands() -> None:
    assert {("init",), ("person", "find"), ("person", "import"), ("audit", "verify"),
            ("audit", "log"), ("vault", "add-user")} <= set(COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "surplace")
def test_help_works_on_every_command(path: tuple[str, ...], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*path, "--help"],
                                env={"SURPLACE_STORE": str(tmp_path / "none")})
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout
    # Asking for help opens no store and creates nothing.
    assert not (tmp_path / "none").exists()


def test_help_through_the_real_entry_point(tmp_path: Path) -> None:
    done = surplace("--help", env={"SURPLACE_STORE": str(tmp_path / "none")}, stdin="")
    assert done.returncode == 0
    assert "Usage:" in done.stdout and "person" in done.stdout
    done = surplace("person", "import", "--help", env={}, stdin="")
    assert done.returncode == 0 and "JSON Lines" in done.stdout
