"""Migrations build exactly the schema the models declare, on both back ends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from surplace.schema import Base
from surplace.store.engine import Store
from surplace.store.migrate import current_revision, head_revision, upgrade


def test_migrations_match_models(store: Store) -> None:
    upgrade(store)
    assert current_revision(store) == head_revision(store)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_is_idempotent(store: Store) -> None:
    upgrade(store)
    upgrade(store)
    assert current_revision(store) == head_revision(store)


def test_upgrade_to_0003_keeps_victims_perpetrators_and_cases(store: Store) -> None:
    """A store written before migration 0003 keeps its acts' participants and its cases."""
    upgrade(store, "0002")
    now = "2024-05-01 10:00:00"
    rows = [
        "INSERT INTO person (id, pseudonym, created_at) VALUES ('p1', 'PS-0001', :now)",
        "INSERT INTO incident (id, start_precision, end_precision, monitoring_status, "
        "created_at) VALUES ('i1', 'day', 'day', 'open', :now)",
        "INSERT INTO act (id, incident_id, act_type, date_precision) "
        "VALUES ('a1', 'i1', 'forced_return', 'day')",
        "INSERT INTO act_participant (id, act_id, role, person_id) "
        "VALUES ('v1', 'a1', 'victim', 'p1')",
        "INSERT INTO act_participant (id, act_id, role, unit, degree) "
        "VALUES ('u1', 'a1', 'perpetrator', 'cn_border_police', 'direct')",
        "INSERT INTO protection_case (id, case_number, status, opened_at) "
        "VALUES ('c1', 'C-1', 'reception', :now)",
    ]
    with store.engine.begin() as connection:
        for statement in rows:
            connection.execute(text(statement), {"now": now})
    upgrade(store)
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT victim_id FROM act")).all() == [("p1",)]
        assert connection.execute(text(
            "SELECT id, act_id, unit, degree FROM involvement")).all() == [
            ("u1", "a1", "cn_border_police", "direct")]
        assert connection.execute(text(
            "SELECT status, risk, organisation FROM protection_case")).all() == [
            ("received", "normal", "local")]
        assert "act_participant" not in inspect(connection).get_table_names()
