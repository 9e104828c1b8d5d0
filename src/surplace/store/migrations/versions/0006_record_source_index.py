"""drop record's source_id index, which the composite indexes starting with source_id cover

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:00:00.000000

Every query on ``record.source_id`` alone (an intake's filters, the records page, linkage by
source, the foreign-key checks of a source's deletion) can use
``uq_record_source_id`` (source_id, content_digest) or ``ix_record_source_id_source_row``
(source_id, source_row), as EXPLAIN shows on SQLite and PostgreSQL; the single-column index
only cost every insert one more B-tree update.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_source_id'))


def downgrade() -> None:
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_source_id'), ['source_id'], unique=False)
