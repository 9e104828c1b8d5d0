"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests use the server named by SURPLACE_TEST_PG_URL (default: the local test database)
and give each test a schema of its own, dropped afterwards. If the server cannot be reached the
PostgreSQL half is skipped with the reason, unless SURPLACE_REQUIRE_PG=1 (CI sets it), when it
fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        problem = pg_available()
        if problem:
            if os.environ.get("SURPLACE_REQUIRE_PG") == "1":
                pytest.fail(problem)
            pytest.skip(problem)
    return str(request.param)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    yield name
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


def pg_url_for_schema(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "postgresql":
        schema = request.getfixturevalue("pg_schema")
        return Settings(store=pg_url_for_schema(schema), blob_dir=tmp_path / "blobs",
                        passphrase=None)
    return Settings(store=str(tmp_path / "store"), passphrase=None)


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
