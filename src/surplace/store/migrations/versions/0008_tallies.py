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


_CASE = {"name": "'case_status:' || status", "group": "GROUP BY status"}
_PERSON = {"name": "'person'", "group": "HAVING count(*) > 0"}
PG_FUNCTIONS = {
    "tally_cases_added": _ADD_ROWS_PG.format(rows="added", **_CASE),
    "tally_cases_removed": _REMOVE_ROWS_PG.format(rows="removed", **_CASE),
    "tally_case_moved": """
        UPDATE tally SET value = value - 1 WHERE name = 'case_status:' || OLD.status;
        INSERT INTO tally (name, value) VALUES ('case_status:' || NEW.status, 1)
        ON CONFLICT (name) DO UPDATE SET value = tally.value + 1""",
    "tally_persons_added": _ADD_ROWS_PG.format(rows="added", **_PERSON),
    "tally_persons_removed": _REMOVE_ROWS_PG.format(rows="removed", **_PERSON),
}
#: Each PostgreSQL trigger, named after the function it runs: its table and when it runs.
PG_TRIGGERS = {
    "tally_cases_added": ("protection_case", "AFTER INSERT ON protection_case "
                          "REFERENCING NEW TABLE AS added FOR EACH STATEMENT"),
    "tally_cases_removed": ("protection_case", "AFTER DELETE ON protection_case "
                            "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"),
    "tally_case_moved": ("protection_case", "AFTER UPDATE OF status ON protection_case "
                         "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)"),
    "tally_persons_added": ("person", "AFTER INSERT ON person "
                            "REFERENCING NEW TABLE AS added FOR EACH STATEMENT"),
    "tally_persons_removed": ("person", "AFTER DELETE ON person "
                              "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"),
}
POSTGRES = [
    *(f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN {body}; RETURN NULL; END $$""" for name, body in PG_FUNCTIONS.items()),
    *(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {name}()"
      for name, (_, when) in PG_TRIGGERS.items()),
]


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
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for statement in SQLITE:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    op.drop_table('tally')
