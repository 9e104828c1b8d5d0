"""tally: counts of cases by status and of persons, kept by triggers

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 06:45:00.000000

See ``surplace.store.tallies``. SQLite's triggers run for each row. PostgreSQL's run once per
statement for inserts and deletes, over the statement's rows (an import of thousands of rows
updates each count once, not once a row), and for each row on a change of status (a column
list, which a change of status needs so that other updates of a case leave the counts alone,
cannot be combined with a statement's rows there). The counts are filled from the rows already
stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD_SQLITE = ("INSERT INTO tally (name, value) VALUES ({name}, 1) "
               "ON CONFLICT (name) DO UPDATE SET value = value + 1;")
_REMOVE_SQLITE = "UPDATE tally SET value = value - 1 WHERE name = {name};"

SQLITE = [
    f"""CREATE TRIGGER tally_case_added AFTER INSERT ON protection_case BEGIN
        {_ADD_SQLITE.format(name="'case_status:' || NEW.status")} END""",
    f"""CREATE TRIGGER tally_case_removed AFTER DELETE ON protection_case BEGIN
        {_REMOVE_SQLITE.format(name="'case_status:' || OLD.status")} END""",
    f"""CREATE TRIGGER tally_case_moved AFTER UPDATE OF status ON protection_case
        WHEN OLD.status IS NOT NEW.status BEGIN
        {_REMOVE_SQLITE.format(name="'case_status:' || OLD.status")}
        {_ADD_SQLITE.format(name="'case_status:' || NEW.status")} END""",
    f"""CREATE TRIGGER tally_person_added AFTER INSERT ON person BEGIN
        {_ADD_SQLITE.format(name="'person'")} END""",
    f"""CREATE TRIGGER tally_person_removed AFTER DELETE ON person BEGIN
        {_REMOVE_SQLITE.format(name="'person'")} END""",
]

_ADD_ROWS_PG = """INSERT INTO tally (name, value) SELECT {name}, count(*) FROM {rows} {group}
    ON CONFLICT (name) DO UPDATE SET value = tally.value + EXCLUDED.value"""
_REMOVE_ROWS_PG = """UPDATE tally SET value = tally.value - gone.n
    FROM (SELECT {name} AS name, count(*) AS n FROM {rows} {group}) AS gone
    WHERE tally.name = gone.name"""


def _pg_function(name: str, body: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {body}; RETURN NULL; END $$"""


_CASE = {"name": "'case_status:' || status", "group": "GROUP BY status"}
_PERSON = {"name": "'person'", "group": "HAVING count(*) > 0"}
POSTGRES = [
    _pg_function("tally_cases_added", _ADD_ROWS_PG.format(rows="added", **_CASE)),
    _pg_function("tally_cases_removed", _REMOVE_ROWS_PG.format(rows="removed", **_CASE)),
    _pg_function("tally_case_moved", """
        UPDATE tally SET value = value - 1 WHERE name = 'case_status:' || OLD.status;
        INSERT INTO tally (name, value) VALUES ('case_status:' || NEW.status, 1)
        ON CONFLICT (name) DO UPDATE SET value = tally.value + 1"""),
    _pg_function("tally_persons_added", _ADD_ROWS_PG.format(rows="added", **_PERSON)),
    _pg_function("tally_persons_removed", _REMOVE_ROWS_PG.format(rows="removed", **_PERSON)),
    """CREATE TRIGGER tally_cases_added AFTER INSERT ON protection_case
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tally_cases_added()""",
    """CREATE TRIGGER tally_cases_removed AFTER DELETE ON protection_case
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
        EXECUTE FUNCTION tally_cases_removed()""",
    """CREATE TRIGGER tally_case_moved AFTER UPDATE OF status ON protection_case FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tally_case_moved()""",
    """CREATE TRIGGER tally_persons_added AFTER INSERT ON person
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tally_persons_added()""",
    """CREATE TRIGGER tally_persons_removed AFTER DELETE ON person
        REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
        EXECUTE FUNCTION tally_persons_removed()""",
]
_TRIGGERS = {"protection_case": ("tally_case_added", "tally_case_removed", "tally_case_moved",
                                 "tally_cases_added", "tally_cases_removed"),
             "person": ("tally_person_added", "tally_person_removed", "tally_persons_added",
                        "tally_persons_removed")}


def upgrade() -> None:
    op.create_table('tally',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_tally'))
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    op.execute("INSERT INTO tally (name, value) SELECT 'case_status:' || status, count(*) "
               "FROM protection_case GROUP BY status")
    op.execute("INSERT INTO tally (name, value) SELECT 'person', count(*) FROM person "
               "HAVING count(*) > 0")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, triggers in _TRIGGERS.items():
        for trigger in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgres else ""))
    if postgres:
        for function in ("tally_cases_added", "tally_cases_removed", "tally_case_moved",
                         "tally_persons_added", "tally_persons_removed"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table('tally')
