"""waiting list, e-mail as login

Revision ID: 60a073f5f689
Revises: cec9182bdb4c
Create Date: 2026-11-30 09:16:42.347711

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '60a073f5f689'
down_revision = 'cec9182bdb4c'
branch_labels = None
depends_on = None


def _login_length(old, new):
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login', existing_type=sa.String(length=old), type_=sa.String(length=new),
                              existing_nullable=False)
    _restore_case_insensitive_indexes()


def _restore_case_insensitive_indexes():
    """SQLite's batch mode rebuilds "users" and cannot carry over its expression indexes: make them again."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for column in ('login', 'email'):
        op.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS uq_users_{column}_lower ON users (lower({column}))')


def upgrade():
    op.create_table('waiting_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('street', sa.String(length=128), nullable=False),
    sa.Column('house', sa.String(length=16), nullable=False),
    sa.Column('premises', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_addresses'))
    )
    with op.batch_alter_table('waiting_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_addresses_notified_at'), ['notified_at'], unique=False)
    _login_length(32, 254)


def downgrade():
    _login_length(254, 32)
    with op.batch_alter_table('waiting_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiting_addresses_notified_at'))

    op.drop_table('waiting_addresses')
