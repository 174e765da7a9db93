"""when a new e-mail was asked for (pending changes are swept), and worker heartbeats of `--once` runs

Revision ID: 3f1c2a9d7e55
Revises: 7a4317305126
Create Date: 2026-11-30 12:15:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c2a9d7e55'
down_revision = '7a4317305126'
branch_labels = None
depends_on = None


def upgrade():
    # Not a batch: SQLite would copy the table and lose its lower(login) and lower(email) indexes.
    op.add_column('users', sa.Column('new_email_requested_at', sa.DateTime(), nullable=True))
    # When the pending changes were asked for is not known: counted from the upgrade, they are forgotten no sooner
    # than their links die.
    users = sa.table('users', sa.column('new_email', sa.String()), sa.column('new_email_requested_at', sa.DateTime()))
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as every timestamp column stores it
    op.execute(users.update().where(users.c.new_email.is_not(None)).values(new_email_requested_at=now))

    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('once', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_column('once')

    op.drop_column('users', 'new_email_requested_at')
