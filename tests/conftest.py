"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests use the server named by SURPLACE_TEST_PG_URL (default: the local test database)
and give each test a schema of its own, dropped afterwards. If the server cannot be reached the
PostgreSQL half is skipped with the reason, unless SURPLACE_REQUIRE_PG=1 (CI sets it), when it
fails instead.

A module- or session-scoped store (one built once and read by many tests) is made with
``params=BACKENDS`` and :func:`backend_settings` (and :func:`unlocked_store`), so that the skip
or failure and the schema's lifetime are the same as for the function-scoped fixtures here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from surplace.config import Settings
from surplace.store.engine import Store, open_store
from surplace.vault import service as vault_service
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.service import Unlocked

PG_URL = os.environ.get("SURPLACE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSPHRASE = "test passphrase: not a secret"
# The floor the vault accepts (64 MiB); one pass keeps the suite quick without going below it.
TEST_ARGON2 = Argon2Parameters(time_cost=1, memory_kib=64 * 1024, parallelism=2)
#: The back ends a store test runs on, as fixture params (PostgreSQL's marked ``postgres``).
BACKENDS: list[Any] = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_admin_url() -> str:
    return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def pg_available() -> str | None:
    try:
        engine = create_engine(_pg_admin_url())
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001
        return f"PostgreSQL not reachable at {PG_URL}: {type(error).__name__}"


def require_backend(backend: str) -> None:
    """Skip a PostgreSQL test whose server cannot be reached, or fail it when
    SURPLACE_REQUIRE_PG=1 (CI must not pass by skipping half the suite)."""
    if backend != "postgresql":
        return
    problem = pg_available()
    if problem:
        if os.environ.get("SURPLACE_REQUIRE_PG") == "1":
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    require_backend(request.param)
    return str(request.param)


@contextmanager
def temporary_schema() -> Iterator[str]:
    """A new PostgreSQL schema, dropped with everything in it afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    with temporary_schema() as name:
        yield name


def pg_url_for_schema(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"


def settings_for(folder: Path, schema: str | None = None, *,
                 sqlite_store: Path | None = None) -> Settings:
    """A PostgreSQL store in ``schema`` with its blobs below ``folder``; without a schema, a
    SQLite store in ``sqlite_store`` (``folder / "store"`` unless named)."""
    if schema is not None:
        return Settings(store=pg_url_for_schema(schema), blob_dir=folder / "blobs",
                        passphrase=None)
    return Settings(store=str(sqlite_store or folder / "store"), passphrase=None)


@contextmanager
def backend_settings(backend: str, folder: Path, *,
                     sqlite_store: Path | None = None) -> Iterator[Settings]:
    """Settings for a store of its own on ``backend`` (skipped or failed as
    :func:`require_backend` says); a PostgreSQL schema is dropped afterwards."""
    require_backend(backend)
    if backend == "postgresql":
        with temporary_schema() as schema:
            yield settings_for(folder, schema)
    else:
        yield settings_for(folder, sqlite_store=sqlite_store)


@contextmanager
def unlocked_store(settings: Settings) -> Iterator[Unlocked]:
    """A new store at ``settings``, its vault initialised for "admin" with :data:`PASSPHRASE`
    and unlocked; closed afterwards."""
    opened = open_store(settings, create=True)
    try:
        yield vault_service.initialise(opened, admin_name="admin", passphrase=PASSPHRASE,
                                       params=TEST_ARGON2)
    finally:
        opened.dispose()


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    schema = request.getfixturevalue("pg_schema") if backend == "postgresql" else None
    return settings_for(tmp_path, schema)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    opened = open_store(settings, create=True)
    yield opened
    opened.dispose()


@pytest.fixture
def unlocked(store: Store) -> Unlocked:
    return vault_service.initialise(store, admin_name="admin", passphrase=PASSPHRASE,
                                    params=TEST_ARGON2)


def cli_env(settings: Settings, passphrase: str | None = PASSPHRASE) -> dict[str, str]:
    """Environment for running the command line against a test store."""
    env = {"SURPLACE_STORE": settings.store, "SURPLACE_ARGON2_TIME_COST": "1"}
    if settings.blob_dir is not None:
        env["SURPLACE_BLOB_DIR"] = str(settings.blob_dir)
    if passphrase is not None:
        env["SURPLACE_PASSPHRASE"] = passphrase
    return env
