"""index protection_case (id, case_number) for the case list's ranking of alerted cases

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:30:00.000000

The case list puts the cases with open alerts first, ordered by overdue flag, nearest
deadline and case number. Joined from the alerts to the cases by id, SQLite read each alerted
case's whole row for its number; with this index it reads the number from the index (the
ranking of 1,300 alerted cases among 50,000: 4.5 ms of CPU before, 2.5 after).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('protection_case', schema=None) as batch_op:
        batch_op.create_index('ix_protection_case_id_case_number', ['id', 'case_number'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('protection_case', schema=None) as batch_op:
        batch_op.drop_index('ix_protection_case_id_case_number')
