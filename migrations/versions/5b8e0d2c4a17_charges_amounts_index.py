"""an index on charges holding their amounts, for the cabinet home's balance and latest month

Revision ID: 5b8e0d2c4a17
Revises: 3f1c2a9d7e55
Create Date: 2026-11-30 15:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b8e0d2c4a17'
down_revision = '3f1c2a9d7e55'
branch_labels = None
depends_on = None


COLUMNS = ['account_id', 'month', 'amount', 'recalculation']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # Built without locking the table against writes (an import may be running while a big company upgrades);
        # CONCURRENTLY cannot run inside the migration's transaction.
        with op.get_context().autocommit_block():
            op.create_index('ix_charges_account_id_month_amounts', 'charges', COLUMNS, postgresql_concurrently=True)
    else:
        op.create_index('ix_charges_account_id_month_amounts', 'charges', COLUMNS)


def downgrade():
    op.drop_index('ix_charges_account_id_month_amounts', table_name='charges')
